#!/bin/sh
# threads.sh — --threads auto. A dense run (an mlp, with batch norm or not, or a NAIS-Net)
# training alone takes each step on one thread or split over every core (nn_team),
# whichever measures faster, and the journal notes the choice; both give the same bits, so
# the session equals one on a single worker and its replay. On one worker a step cannot
# split: a run alone then gets every core as BLAS threads when its steps are large, runs
# training together get one BLAS thread each, and a smaller batch size goes back to one.
# A convolutional run alone splits like a dense one (by images, channels and dw's rows).
. "${srcdir:-.}/tests/lib.sh"
cores=$(nproc)
cat >"$TMP/big.gg" <<GG
data teacher n=2048 dim=784 seed=2
model mlp 1024x2 act=relu
set bs 1024 eval 4
train 8
run new r2 seed=3
set bs 64
train -a 8
run use r1
set bs 64
train 10
export csv $TMP/session.csv
GG
run_gglab --batch "$TMP/big.gg" --threads auto --journal "$TMP/j.gg"
expect_rc 0 "the session"
if [ "$cores" -gt 1 ]; then
	check "a dense run alone: the faster of one thread and $cores is noted" \
		grep -Eq "^# r1 steps on (one thread|every core) from step [0-9]+ \(batch 1024: .* ms a step on $cores threads, .* ms on one\)" "$TMP/j.gg"
	check "a new batch size is measured again" grep -Eq "^# r1 steps on .* \(batch 64:" "$TMP/j.gg"
else
	echo "SKIP: one core, so a step is never split"
fi
mv "$TMP/session.csv" "$TMP/team.csv"
run_gglab --batch "$TMP/big.gg" --threads 1 --workers 1
expect_rc 0 "the session on one thread"
check "the same bits on one thread" cmp "$TMP/team.csv" "$TMP/session.csv"
# split_same NAME [B]: NAME.gg (exporting $TMP/session.csv) is measured split at batch B
# (1024), and gives the bits of the same script on one thread and one worker
split_same() {
	run_gglab --batch "$TMP/$1.gg" --threads auto --journal "$TMP/$1-j.gg"
	expect_rc 0 "the $1 session"
	mv "$TMP/session.csv" "$TMP/$1-team.csv"
	if [ "$cores" -gt 1 ]; then
		check "a $1 run alone is measured split too" grep -Eq "^# r1 steps on .* \(batch ${2:-1024}:" "$TMP/$1-j.gg"
	fi
	run_gglab --batch "$TMP/$1.gg" --threads 1 --workers 1
	expect_rc 0 "the $1 session on one thread"
	check "a $1 run: the same bits on one thread" cmp "$TMP/$1-team.csv" "$TMP/session.csv"
}
# batch norm splits too (each part normalizes its columns)
sed 's/act=relu/act=relu norm=gbn ghost=128/' "$TMP/big.gg" >"$TMP/gbn.gg"
split_same gbn
# a NAIS-Net splits too (every stage's products, and the stable parametrization's)
cat >"$TMP/nais.gg" <<GG
data teacher n=2048 dim=784 seed=2
model nais width=512 blocks=1 stages=2
set bs 1024 eval 4
train 8
set bs 64
train 8
export csv $TMP/session.csv
GG
split_same nais
# one worker: the step does not split, so BLAS threads
sed '/^export/d' "$TMP/big.gg" >"$TMP/one.gg"
run_gglab --batch "$TMP/one.gg" --threads auto --workers 1 --journal "$TMP/bj.gg"
expect_rc 0 "the session on one worker"
if [ "$cores" -gt 1 ]; then
	check "on one worker a large run alone gets every core" grep -q "^# BLAS threads $cores from step 0 of r1 (training alone" "$TMP/bj.gg"
	check "runs training together get one each" grep -q "^# BLAS threads 1 from step .* (runs training together" "$TMP/bj.gg"
	check "a smaller batch goes back to one" sh -c "! grep -q 'BLAS threads $cores from step [1-9]' '$TMP/bj.gg'"
	check "on one worker nothing splits" sh -c "! grep -q '^# r1 steps on' '$TMP/bj.gg'"
fi
# a convolutional run alone splits too: its images, channels and each convolution's dw
if [ -r "${GGLAB_DATA:-/usr/share/datasets/fashion-mnist}/train-images-idx3-ubyte.gz" ]; then
	printf 'data fashion n=512\nmodel cnn 32,64 fc=128 norm=gbn ghost=32\nset bs 128 eval 100\ntrain 8\nexport csv %s\n' "$TMP/session.csv" >"$TMP/cnn.gg"
	split_same cnn 128
	check "a cnn alone takes no BLAS threads" sh -c "! grep -Eq '^# BLAS threads [2-9]' '$TMP/cnn-j.gg'"
else
	echo "SKIP: Fashion-MNIST is not installed: the cnn's split is not checked"
fi
check "the journal names --threads auto for the replay" grep -q "^# Replay: .*--threads auto" "$TMP/j.gg"
cp "$TMP/j.gg" "$TMP/replay.gg"
echo "export csv $TMP/replay.csv" >>"$TMP/replay.gg"
run_gglab --batch "$TMP/replay.gg" --threads auto
expect_rc 0 "the replay"
check "the replay is bit-identical" cmp "$TMP/team.csv" "$TMP/replay.csv"
finish
