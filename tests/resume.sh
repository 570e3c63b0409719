#!/bin/sh
# resume.sh — surviving a dropped connection: SIGTERM mid-run autosaves and --resume
# finishes with the same series as an uninterrupted run; a save onto a full disk fails
# and leaves the old checkpoint intact; a journal replays with the real binary.
. "${srcdir:-.}/tests/lib.sh"
export XDG_STATE_HOME="$TMP/state"
# RESUME_STEPS: the long run's first train (20000; .ci/run gives fewer under the
# sanitizers, whose steps are slow enough that a signal still lands mid-run); the PH run's
# middle train is a tenth of it
long=${RESUME_STEPS:-20000}
last=$((long * 3 / 2))
ph=$((long / 10))

cat >"$TMP/long.gg" <<GG
data teacher n=4000 dim=64
model mlp 128x2 act=tanh norm=bn
opt sgd lr=0.05 momentum=0.9
set bs 16
train $long
set lr 0.02 bs 32
train $((long / 5))
export csv $TMP/out.csv
GG

run_gglab --batch "$TMP/long.gg" --threads 1
expect_rc 0 "the uninterrupted run"
mv "$TMP/out.csv" "$TMP/full.csv"

# interrupt SCRIPT OPTS...: a headless session of SCRIPT with OPTS, sent SIGTERM once it is
# well into training (step 100; up to a minute: on a loaded machine the start alone can take
# seconds, and a signal that arrives before the handlers are in place kills it outright).
# Its status in RC, its output in $TMP/out and $TMP/err.
interrupt() {
	script=$1
	shift
	rm -f "$TMP/err" # an earlier session's lines must not look like this one's progress
	"$GGLAB" --batch "$script" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null &
	pid=$!
	for i in $(seq 1 1200); do
		grep -q "step [1-9][0-9][0-9]" "$TMP/err" 2>/dev/null && break
		sleep 0.05
	done
	kill -TERM $pid
	wait $pid
	RC=$?
}

interrupt "$TMP/long.gg" --threads 1
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
train $last
GG
interrupt "$TMP/last.gg" --threads 1
ckpt=$(ls "$XDG_STATE_HOME"/gglab/autosave/*.gglab 2>/dev/null | head -n 1)
check "the last train's autosave was written" test -s "$ckpt"
run_gglab --resume "$ckpt" --threads 1
expect_rc 0 "--resume of a script interrupted in its last train"
expect_err "reached its goal at step $last" "it trains to the end of that train"
expect_err "summary: r1 PAUSED step $last" "and the run ends paused there"

# Kills a session again and again: runs --batch SCRIPT OPTS... headless, sends SIGTERM at
# a random moment (once its stderr matches $READY, within $SPAN seconds: a share of the
# uninterrupted run's time, so that every kill lands before the end on a fast machine as on
# a loaded one), resumes the autosave with the same OPTS, kills that in turn, and so on
# $KILLS times; the last one finishes. Sets chain_kills
# (signals that made an autosave), chain_pending (of those, how many saved PH estimates
# still to make, as --resume CHECKPOINT --check lists them), chain_delays and chain_rc.
now() {
	date +%s.%N
}

# span_of T0: an eighth of the seconds since T0 (four kills then take half a run at most)
span_of() {
	awk -v t0="$1" -v t1="$(now)" 'BEGIN { printf "%.2f", (t1 - t0) / 8 }'
}

kill_chain() {
	script=$1
	shift
	rm -f "$XDG_STATE_HOME"/gglab/autosave/*.gglab
	chain_kills=0 chain_pending=0 chain_delays=""
	rm -f "$TMP/chain.err" # (as in interrupt)
	"$GGLAB" --batch "$script" "$@" >"$TMP/chain.out" 2>"$TMP/chain.err" </dev/null &
	pid=$!
	i=0
	while [ "$i" -lt "$KILLS" ]; do
		i=$((i + 1))
		for w in $(seq 1 1200); do
			grep -q "$READY" "$TMP/chain.err" 2>/dev/null && break
			kill -0 $pid 2>/dev/null || break
			sleep 0.05
		done
		d=$(awk -v s="$$$i" -v span="$SPAN" 'BEGIN { srand(s); printf "%.2f", rand() * span }')
		chain_delays="$chain_delays $d"
		sleep "$d"
		kill -TERM $pid 2>/dev/null
		wait $pid
		chain_rc=$?
		ckpt=$(ls -t "$XDG_STATE_HOME"/gglab/autosave/*.gglab 2>/dev/null | head -n 1)
		[ -n "$ckpt" ] || return 0 # it had finished before the signal
		chain_kills=$((chain_kills + 1))
		"$GGLAB" --resume "$ckpt" --check >"$TMP/chain.check" 2>&1
		grep -q "^pending PH estimate" "$TMP/chain.check" && chain_pending=$((chain_pending + 1))
		mv "$ckpt" "$TMP/chain-$i.gglab"
		rm -f "$TMP/chain.err"
		"$GGLAB" --resume "$TMP/chain-$i.gglab" "$@" >"$TMP/chain.out" 2>"$TMP/chain.err" </dev/null &
		pid=$!
	done
	wait $pid
	chain_rc=$?
}

# PH estimates pending at an autosave are saved with it and made by the resumed session:
# with `phdim on every=1` and an evaluation every 50 steps (an estimate each, 52 at the
# default RESUME_STEPS, the queue mostly full, so that nearly any moment has some pending),
# the session killed at random moments, each resume killed in turn, ends with the export
# of an uninterrupted run, byte for byte
cat >"$TMP/ph.gg" <<GG
data teacher n=2000 dim=32
model mlp 64x2 act=tanh
opt sgd lr=0.05 momentum=0.9
set bs 16
train 200
phdim on n=600 k=16 every=1
set eval 50
train $ph
set lr 0.02
train 600
export csv $TMP/out.csv
GG
rm -f "$TMP/out.csv"
t0=$(now)
run_gglab --batch "$TMP/ph.gg" --threads 1
SPAN=$(span_of "$t0")
expect_rc 0 "the uninterrupted PH run"
mv "$TMP/out.csv" "$TMP/ph-full.csv"
estimates=$(grep -c 'PH dimension [0-9]' "$TMP/err")
check "the uninterrupted run has PH estimates ($estimates, one an evaluation from step 200)" \
	test "$estimates" -ge $(((ph + 600) / 50 - 2))
KILLS=4 READY="PH dimension"
kill_chain "$TMP/ph.gg" --threads 1
echo "# the PH chain: killed $chain_kills times (${SPAN} s span, after$chain_delays s), $chain_pending with estimates pending"
check "the PH run was killed and resumed (killed $chain_kills times, after$chain_delays s)" \
	test "$chain_kills" -ge 2
check "its checkpoints held pending PH estimates ($chain_pending of $chain_kills)" \
	test "$chain_pending" -ge 1
check "the last resume finished" test "$chain_rc" -eq 0
check "killed $chain_kills times with PH estimates pending = uninterrupted, bit for bit" \
	cmp -s "$TMP/out.csv" "$TMP/ph-full.csv"

# --resume goes on with the --log it was writing: the same gzip file, byte for byte, as
# the log of a session that never stopped (killed at random moments, four times)
rm -f "$TMP/out.csv"
t0=$(now)
run_gglab --batch "$TMP/long.gg" --threads 1 --log "$TMP/full.log.gz"
SPAN=$(span_of "$t0")
expect_rc 0 "the uninterrupted run with --log"
KILLS=4 READY="step [1-9][0-9]*"
kill_chain "$TMP/long.gg" --threads 1 --log "$TMP/part.log.gz"
echo "# the --log chain: killed $chain_kills times (${SPAN} s span, after$chain_delays s)"
check "the logged run was killed and resumed (killed $chain_kills times, after$chain_delays s)" \
	test "$chain_kills" -ge 2
check "resumed log = uninterrupted log, byte for byte" cmp -s "$TMP/full.log.gz" "$TMP/part.log.gz"
check "and the export too" cmp -s "$TMP/out.csv" "$TMP/full.csv"
# another --log path on resume: that file gets every series whole, the old one is left
interrupt "$TMP/long.gg" --threads 1 --log "$TMP/a.log.gz"
ckpt=$(ls -t "$XDG_STATE_HOME"/gglab/autosave/*.gglab | head -n 1)
cp "$TMP/a.log.gz" "$TMP/a-before.log.gz"
run_gglab --resume "$ckpt" --threads 1 --log "$TMP/b.log.gz"
expect_rc 0 "a resume with another --log"
check "the old log is untouched" cmp -s "$TMP/a.log.gz" "$TMP/a-before.log.gz"
check "the new log has the rows from step 0" sh -c "gzip -dc '$TMP/b.log.gz' | grep -q '\"step\":0,'"

# --resume CHECKPOINT --check lists the runs, schedule and script and runs nothing
run_gglab --resume "$ckpt" --check
expect_rc 0 "--resume CHECKPOINT --check"
expect_out "ok, a checkpoint of a headless session" "it names what it is"
expect_out "run r1 (current): step" "it lists the runs"
expect_out "script: $TMP/long.gg:8: export csv" "and the rest of the script, parsed"
check "nothing ran" test -z "$(ls "$TMP"/chain.never 2>/dev/null)" -a "$(grep -c 'step [0-9]' "$TMP/err")" -eq 0
run_gglab --check --resume "$ckpt"
expect_rc 0 "--check --resume CHECKPOINT (either order)"
run_gglab --check
expect_rc 2 "--check with no file and no --resume"
expect_err "--check needs a FILE" "says what to give"
run_gglab --resume "$TMP/long.gg" --check
expect_rc 1 "--resume SCRIPT --check"
expect_err "not a gglab checkpoint" "says the file is no checkpoint"

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
