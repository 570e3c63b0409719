#!/bin/sh
# threads.sh — --threads auto: a run whose steps are large trains alone on every core, runs
# training together get one BLAS thread each, a smaller batch size goes back to one; each
# choice is noted in the journal, and the journal replays to the same bits.
. "${srcdir:-.}/tests/lib.sh"
cores=$(nproc)
cat >"$TMP/big.gg" <<GG
data teacher n=2048 dim=784 seed=2
model mlp 1024x2 act=relu
set bs 1024 eval 4
train 6
run new r2 seed=3
set bs 64
train -a 8
run use r1
set bs 64
train 4
export csv $TMP/session.csv
GG
run_gglab --batch "$TMP/big.gg" --threads auto --journal "$TMP/j.gg"
expect_rc 0 "the session"
if [ "$cores" -gt 1 ]; then
	check "a large run alone gets every core" grep -q "^# BLAS threads $cores from step 0 of r1 (training alone" "$TMP/j.gg"
	check "runs side by side get one each" grep -q "^# BLAS threads 1 from step .* (runs side by side" "$TMP/j.gg"
	check "a smaller batch goes back to one" sh -c "! grep -q 'BLAS threads $cores from step 14 of r1' '$TMP/j.gg'"
else
	echo "SKIP: one core, so auto never takes more than one thread"
fi
# a convolutional run alone keeps one thread: its products are one image's each
if [ -r "${GGLAB_DATA:-/usr/share/datasets/fashion-mnist}/train-images-idx3-ubyte.gz" ]; then
	printf 'data fashion n=256\nmodel cnn 32,64 fc=128\nset bs 128 eval 100\ntrain 2\n' >"$TMP/cnn.gg"
	run_gglab --batch "$TMP/cnn.gg" --threads auto --journal "$TMP/cj.gg"
	expect_rc 0 "a cnn alone"
	check "a cnn alone (3.3 GFLOP a step) keeps one thread" sh -c "! grep -q '^# BLAS threads [2-9]' '$TMP/cj.gg'"
else
	echo "SKIP: Fashion-MNIST is not installed: the cnn's threads are not checked"
fi
check "the journal names --threads auto for the replay" grep -q "^# Replay: .*--threads auto" "$TMP/j.gg"
cp "$TMP/j.gg" "$TMP/replay.gg"
echo "export csv $TMP/replay.csv" >>"$TMP/replay.gg"
run_gglab --batch "$TMP/replay.gg" --threads auto
expect_rc 0 "the replay"
check "the replay is bit-identical" cmp "$TMP/session.csv" "$TMP/replay.csv"
finish
