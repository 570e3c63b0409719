#!/bin/sh
# workers.sh — runs stepped side by side give the same bits as runs stepped in turn: one
# script (twins, a fork, a run of another model, changes mid-run, a divergence) with 1, 2
# and 3 workers, and the exports must be byte-identical. The models are large enough that
# the trainer does hand them to the workers. A lone run's evaluations (the periodic ones on
# the subsets, and `eval` on the full sets, also unrolled) are split over the workers: the
# same bits as one thread's, for a dense and a convolutional model.
. "${srcdir:-.}/tests/lib.sh"

cat >"$TMP/side.gg" <<'GG'
data teacher n=1500 dim=64 seed=5
model mlp 128x2 act=relu norm=bn
opt sgd lr=0.05 momentum=0.9
set bs 64
twin 3
train -a 150
run use t1.2
set lr 0.02 bs 32
fork side
train -a 100
run new other seed=4
model mlp 96x3 act=tanh
opt adamw lr=0.002
run new wild seed=6
model mlp 96x2 act=relu
opt sgd lr=100 momentum=0.99
train -a 60
eval
export csv $OUT.csv
export jsonl $OUT.jsonl
GG
for w in 1 2 3; do
	sed "s|\$OUT|$TMP/w$w|" "$TMP/side.gg" >"$TMP/w$w.gg"
	run_gglab --batch "$TMP/w$w.gg" --threads 1 --workers "$w"
	expect_rc 1 "the script with $w workers (status 1: a run diverged)"
done
expect_err "diverged" "a run diverges (its worker's result is handled in order)"
for w in 2 3; do
	check "csv with $w workers = csv with 1" cmp "$TMP/w$w.csv" "$TMP/w1.csv"
	check "jsonl with $w workers = jsonl with 1" cmp "$TMP/w$w.jsonl" "$TMP/w1.jsonl"
done
rows=$(grep -c . "$TMP/w1.csv")
check "the export has rows of several runs ($rows lines)" test "$(cut -d, -f1 "$TMP/w1.csv" | sort -u | wc -l)" -ge 6

cat >"$TMP/alone.gg" <<'GG'
data fashion n=1000
model nais conv=4 blocks=1 stages=2 h=1
opt sgd lr=0.05 momentum=0.9
set bs 32 eval 10
train 40
eval
eval stages=6
run new dense seed=2
model mlp 256x2
set eval 10
train 40
eval
export jsonl $OUT.jsonl
GG
if [ -r "${GGLAB_DATA:-/usr/share/datasets/fashion-mnist}/train-images-idx3-ubyte.gz" ]; then
	for w in 1 2; do
		sed "s|\$OUT|$TMP/a$w|" "$TMP/alone.gg" >"$TMP/a$w.gg"
		run_gglab --batch "$TMP/a$w.gg" --threads 1 --workers "$w"
		expect_rc 0 "a lone run's evaluations with $w workers"
	done
	check "evaluations split over 2 workers = on 1, bit for bit" cmp "$TMP/a2.jsonl" "$TMP/a1.jsonl"
	check "with the full sets' numbers" grep -q '"full_test_err"' "$TMP/a1.jsonl"
else
	echo "# Fashion-MNIST is not installed: the split evaluations are not checked here (skipped)"
fi
finish
