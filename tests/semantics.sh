#!/bin/sh
# semantics.sh — issue 9 with the real binary: journals that replay (a resumed session's,
# eval's event, run list left out), and a replay whose checkpoint is gone names it.
. "${srcdir:-.}/tests/lib.sh"

# a resumed session journals the checkpoint it began from, and its journal replays
cat >"$TMP/s.gg" <<GG
data spiral n=300
model mlp 8x1
set bs 20
train 30
save $TMP/ck.gglab
train 20
set lr 0.05
train 20
eval
run list
export csv $TMP/a.csv
GG
run_gglab --batch "$TMP/s.gg" --threads 1
expect_rc 0 "the whole script"
mv "$TMP/a.csv" "$TMP/full.csv"
run_gglab --resume "$TMP/ck.gglab" --threads 1 --journal "$TMP/j.gg"
expect_rc 0 "the resumed session"
check "the resumed session = the whole script" cmp -s "$TMP/a.csv" "$TMP/full.csv"
check "its journal loads the checkpoint" grep -qx "load \"$TMP/ck.gglab\"" "$TMP/j.gg"
check "eval is journaled" grep -qx "eval" "$TMP/j.gg"
check "run list is not" sh -c "! grep -q '^run list' '$TMP/j.gg'"
cat "$TMP/j.gg" >"$TMP/replay.gg"
echo "export csv $TMP/b.csv" >>"$TMP/replay.gg"
run_gglab --batch "$TMP/replay.gg" --threads 1
expect_rc 0 "the resumed journal replays"
check "its export is the session's, byte for byte (events too)" cmp -s "$TMP/b.csv" "$TMP/full.csv"
check "the export has the full eval event" grep -q "full eval" "$TMP/b.csv"
rm "$TMP/ck.gglab"
run_gglab --batch "$TMP/replay.gg" --threads 1
expect_rc 1 "a replay whose checkpoint is gone fails"
expect_err "$TMP/ck.gglab: No such file" "and names the checkpoint"

# a journal is never overwritten
run_gglab -c "data xor n=300; train 5" --threads 1 --journal "$TMP/j.gg"
expect_rc 1 "an existing journal is refused"
expect_err "never overwritten" "and says why"

# out of step: the likely causes, a missing checkpoint first
printf 'data xor n=300\nmodel mlp 4x1\ntrain 10\nsync r1=12\nshow\n' >"$TMP/oos.gg"
run_gglab --batch "$TMP/oos.gg" --threads 1
expect_err "likely causes: a checkpoint it loads is missing" "out of step names the causes"

# twins: train trains the group; a group that never evaluated together is an error
run_gglab -c "data spiral n=600; model mlp 8x1; set bs 50; twin 3; train 100" --threads 1
expect_rc 0 "a twin group trained"
expect_err "summary: twins1 @ step 100: t1.1..t1.3, 3 runs: test err" "its summary: mean ± spread"
expect_err "log-t slope of dist" "and the slope"
expect_err "instability n/a (needs sets=2)" "instability without sets"
run_gglab -c "data spiral n=600; model mlp 8x1; set bs 50; twin 3; run use r1; train 100" --threads 1
expect_rc 1 "a twin group that never evaluated together fails the batch run"
expect_err "error: twins1: the twins never evaluated together" "and says so"

# what each number was measured on: the evaluation subsets, with standard errors
run_gglab -c "data spiral n=600; model mlp 8x1; train 50; show" --threads 1
expect_err "on the evaluation subsets (600 images each): train loss" "the summary names the set"
check "show gives the standard error beside an error rate" sh -c "grep -qE 'test_err [0-9.]+ ± 0\.0[0-9]+ ' '$TMP/err'"
check "and so does the summary" sh -c "grep -qE 'test loss [0-9.]+ err [0-9.]+% ± [0-9.]+ \| gap' '$TMP/err'"

# eval: the full sets in their own columns, used by the summary
run_gglab -c "data spiral n=600; model mlp 8x1; train 50; eval; export csv $TMP/e.csv" --threads 1
expect_err "on the full sets (600 train, 1000 test images, 'eval'): train loss" "the summary uses eval's numbers"
check "the export has full_ columns" sh -c "head -1 '$TMP/e.csv' | grep -q 'full_train_loss,full_train_err,full_test_loss,full_test_err,full_gap_loss,full_gap_err'"
check "filled in the row of eval's step only" test "$(cut -d, -f1-2 "$TMP/e.csv" | grep -c '^r1,50$')" -eq 1
run_gglab -c "data spiral n=600; model mlp 8x1; train 50; eval; train 10" --threads 1
check "an eval before the last evaluation is not the summary's" sh -c "! grep -q 'on the full sets' '$TMP/err'"

# an evaluation at a step of the geometric schedule fills in that row: one row a step
run_gglab -c "data spiral n=600; model mlp 8x1; set bs 50; at 12 pause; train 100; eval; export csv $TMP/d.csv" --threads 1
check "one row at step 12, with its minibatch loss and the evaluation" sh -c "test \$(grep -c '^r1,12,' '$TMP/d.csv') -eq 1 && grep -q '^r1,12,1,[0-9.]*,[0-9.]*,50,[0-9.]\+,[0-9.]\+,' '$TMP/d.csv'"

# NAIS instruments that inform: beside the pinned margin, what moves
run_gglab -c "data circles n=400 seed=4; model nais width=8 blocks=1 stages=4 h=0.5 eps=0.05 stable=on; train 60; show; run new f; model nais width=8 blocks=1 stages=4 stable=off; train 30" --threads 1
check "summary: contraction and lambda(R'R) of a stable block" sh -c "grep -qE \"^summary: r1 nais1: spectral margin 0.025 \\| measured contraction [0-9.]+ \\| stable: lambda\\(R'R\\) in \\[[-0-9.e]+, [0-9.e]+\\] \\| projection rescaled on [0-9]+% of steps\" '$TMP/err'"
check "a free block: no lambda, no rescale" sh -c "grep -E '^summary: f nais1: ' '$TMP/err' | grep -qv rescaled"
check "show lists the NAIS columns" sh -c "grep -qE '^  nais   margin_nais1 .* rtr_min_nais1 .* rtr_max_nais1 .* rescaled' '$TMP/err'"

# a convolutional NAIS block: its Gershgorin certificate and measured contraction
export GGLAB_DATA="$srcdir/data/fashion-mini"
run_gglab -c "data fashion n=200; model nais conv=4 blocks=1 stages=3 h=0.5; set bs 20; train 20" --threads 1
check "summary: a conv block's certificate, contraction and rescaled fraction" sh -c "grep -qE '^summary: r1 nais1: Gershgorin certificate [0-9.e-]+ \(convolutional\) \| measured contraction [0-9.]+ \| projection rescaled on [0-9]+% of steps' '$TMP/err'"
unset GGLAB_DATA

# the paper scripts parse, and every variant of hoffer.gg clips the same
for gg in "$srcdir"/data/scripts/*.gg; do
	run_gglab --check "$gg"
	expect_rc 0 "$(basename "$gg") parses"
done
for gg in hoffer.gg hoffer-cnn.gg; do
	check "$gg: one clip for every variant" sh -c "grep -q '^opt .*clip=5' '$srcdir/data/scripts/$gg' &&
		! grep -q '^set .*clip' '$srcdir/data/scripts/$gg'"
	check "$gg: every variant is three twins" test "$(grep -c '^twin 3 seed=1 name=' "$srcdir/data/scripts/$gg")" -eq 5
done
check "hoffer-cnn.gg, nais-cnn.gg: the full Fashion-MNIST" sh -c "grep -qx 'data fashion' '$srcdir/data/scripts/hoffer-cnn.gg' &&
	grep -qx 'data fashion' '$srcdir/data/scripts/nais-cnn.gg'"
check "nais-cnn.gg: a stable and a free conv block, unrolled" sh -c "grep -q '^model nais conv=.* stable=on' '$srcdir/data/scripts/nais-cnn.gg' &&
	grep -q '^model nais conv=.* stable=off' '$srcdir/data/scripts/nais-cnn.gg' &&
	test \$(grep -c '^eval stages=' '$srcdir/data/scripts/nais-cnn.gg') -ge 2 &&
	test \$(grep -c '^twin 3 ' '$srcdir/data/scripts/nais-cnn.gg') -eq 2"
check "nais.gg: both variants are three twins" test "$(grep -c '^twin 3 seed=1 name=' "$srcdir/data/scripts/nais.gg")" -eq 2
check "phdim.gg: every variant is three twins" test "$(grep -c '^twin 3 seed=1 name=' "$srcdir/data/scripts/phdim.gg")" -eq 5

finish
