#!/bin/sh
# resume.sh — surviving a dropped connection: SIGTERM mid-run autosaves and --resume
# finishes with the same series as an uninterrupted run; a save onto a full disk fails
# and leaves the old checkpoint intact; a journal replays with the real binary.
. "${srcdir:-.}/tests/lib.sh"
export XDG_STATE_HOME="$TMP/state"

cat >"$TMP/long.gg" <<GG
data teacher n=4000 dim=64
model mlp 128x2 act=tanh norm=bn
opt sgd lr=0.05 momentum=0.9
set bs 16
train 20000
set lr 0.02 bs 32
train 4000
export csv $TMP/out.csv
GG

run_gglab --batch "$TMP/long.gg" --threads 1
expect_rc 0 "the uninterrupted run"
mv "$TMP/out.csv" "$TMP/full.csv"

"$GGLAB" --batch "$TMP/long.gg" --threads 1 >"$TMP/out" 2>"$TMP/err" </dev/null &
pid=$!
# wait until it is well into training, then pull the plug
# (up to a minute: on a loaded machine the start alone can take seconds, and a signal that
# arrives before the handlers are in place kills it outright)
for i in $(seq 1 1200); do
	grep -q "step [1-9][0-9][0-9]" "$TMP/err" 2>/dev/null && break
	sleep 0.05
done
kill -TERM $pid
wait $pid
RC=$?
ERR=$(cat "$TMP/err")
expect_rc 1 "SIGTERM ends a batch run with status 1"
expect_err "interrupted by signal 15" "the signal is reported"
expect_err "continue with: gglab --resume" "the way to continue is named"
ckpt=$(ls "$XDG_STATE_HOME"/gglab/autosave/*.gglab 2>/dev/null | head -n 1)
check "an autosave was written" test -s "$ckpt"
check "the interrupted run had not finished" test ! -e "$TMP/out.csv"

run_gglab --resume "$ckpt" --threads 1
expect_rc 0 "--resume finishes the run"
expect_err "resumed from $ckpt" "resume says so"
check "resumed = uninterrupted, bit for bit" cmp -s "$TMP/out.csv" "$TMP/full.csv"

# a script whose last command is the train that the signal interrupted: the resumed
# session trains to the end of it (it used to exit at once, the run still RUNNING)
rm -f "$XDG_STATE_HOME"/gglab/autosave/*.gglab
cat >"$TMP/last.gg" <<GG
data teacher n=4000 dim=64
model mlp 128x2 act=tanh norm=bn
opt sgd lr=0.05 momentum=0.9
set bs 16
train 30000
GG
"$GGLAB" --batch "$TMP/last.gg" --threads 1 >"$TMP/out" 2>"$TMP/err" </dev/null &
pid=$!
for i in $(seq 1 1200); do
	grep -q "step [1-9][0-9][0-9]" "$TMP/err" 2>/dev/null && break
	sleep 0.05
done
kill -TERM $pid
wait $pid
ckpt=$(ls "$XDG_STATE_HOME"/gglab/autosave/*.gglab 2>/dev/null | head -n 1)
check "the last train's autosave was written" test -s "$ckpt"
run_gglab --resume "$ckpt" --threads 1
expect_rc 0 "--resume of a script interrupted in its last train"
expect_err "reached its goal at step 30000" "it trains to the end of that train"
expect_err "summary: r1 PAUSED step 30000" "and the run ends paused there"

# resuming a file that is not a checkpoint
printf 'hello\n' >"$TMP/junk.gglab"
run_gglab --resume "$TMP/junk.gglab"
expect_rc 1 "--resume of a non-checkpoint"
expect_err "not a gglab checkpoint" "the reason is given"

# a full disk: the save fails and the previous checkpoint survives unchanged
run_gglab -c "data xor n=200; model mlp 8x1; train 20; save $TMP/keep.gglab"
expect_rc 0 "a first save"
sum1=$(cksum <"$TMP/keep.gglab")
if [ -f "${FAULT_SO:-}" ]; then
	GGLAB_FAULT_ENOSPC=1 LD_PRELOAD="$FAULT_SO" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		run_gglab -c "data xor n=200; model mlp 8x1; train 40; save $TMP/keep.gglab"
	expect_rc 1 "a save onto a full disk fails"
	expect_err "No space left on device" "the reason is given"
	expect_err "previous file, if any, is unchanged" "and that the old file is kept"
	check "the old checkpoint is intact" test "$(cksum <"$TMP/keep.gglab")" = "$sum1"
	check "no temporary file is left behind" sh -c "! ls '$TMP'/keep.gglab.tmp.* >/dev/null 2>&1"
else
	fail "the fault-injection shim was not built (FAULT_SO=${FAULT_SO:-unset})"
fi

# a journal written by a session replays with the real binary
run_gglab -c "data spiral n=500; model mlp 16x2; set bs 25; train 300; fork; set lr 0.02; train -a 200; export csv $TMP/j1.csv" \
	--threads 1 --journal "$TMP/session.gg"
expect_rc 0 "a session with a journal"
check "the journal names the fork" grep -q '^fork$' "$TMP/session.gg"
echo "export csv $TMP/j2.csv" >"$TMP/export.gg"
cat "$TMP/session.gg" "$TMP/export.gg" >"$TMP/replay.gg"
run_gglab --batch "$TMP/replay.gg" --threads 1
expect_rc 0 "the journal replays"
check "the replay matches the session bit for bit" cmp -s "$TMP/j1.csv" "$TMP/j2.csv"

# a journal edited by hand with an error on its last line: nothing runs
cp "$TMP/session.gg" "$TMP/edited.gg"
echo "set lr 0" >>"$TMP/edited.gg"
echo "export csv $TMP/never.csv" >"$TMP/first.gg"
cat "$TMP/first.gg" "$TMP/edited.gg" >"$TMP/edited2.gg"
run_gglab --batch "$TMP/edited2.gg"
expect_rc 2 "an edited journal with a bad last line"
check "nothing of it ran" test ! -e "$TMP/never.csv"

finish
