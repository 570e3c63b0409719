#!/bin/sh
# files.sh — files stay what they were, and a failed write is never silent: exports and
# saves refuse to replace a symbolic link, a FIFO or a device node; files are created with
# the user's umask; a temporary file left by a dead save is removed by the next save there;
# --log and --journal on a full device say which file and why, and the exit status says so.
. "${srcdir:-.}/tests/lib.sh"
export XDG_STATE_HOME="$TMP/state"
setup="data xor n=200; model mlp 8x1; train 20"

# a symbolic link, a FIFO, a device node: refused, named, left alone
echo "precious" >"$TMP/target"
ln -s "$TMP/target" "$TMP/link.csv"
run_gglab -c "$setup; export csv $TMP/link.csv"
expect_rc 1 "an export onto a symbolic link"
expect_err "$TMP/link.csv: is a symbolic link" "the link is named"
check "the link is still a link" test -L "$TMP/link.csv"
check "its target is untouched" test "$(cat "$TMP/target")" = precious
run_gglab -c "$setup; save $TMP/link.csv"
expect_rc 1 "a save onto a symbolic link"
expect_err "is a symbolic link" "save: the reason is given"
mkfifo "$TMP/fifo"
run_gglab -c "$setup; export jsonl $TMP/fifo"
expect_rc 1 "an export onto a FIFO (no hang)"
expect_err "$TMP/fifo: is a FIFO" "the FIFO is named"
check "the FIFO is still a FIFO" test -p "$TMP/fifo"
run_gglab -c "$setup; save /dev/null"
expect_rc 1 "a save onto a device node"
expect_err "/dev/null: is a device node" "the device is named"
check "no temporary file is left beside a refused export" sh -c "! ls '$TMP'/*.tmp.* >/dev/null 2>&1"

# the user's umask, for exports and checkpoints alike
(umask 027; "$GGLAB" -c "$setup; export csv $TMP/m.csv; save $TMP/m.gglab" >/dev/null 2>&1)
check "an export gets mode 640 under umask 027" test "$(stat -c %a "$TMP/m.csv")" = 640
check "a checkpoint too" test "$(stat -c %a "$TMP/m.gglab")" = 640
(umask 002; "$GGLAB" -c "$setup; export csv $TMP/m.csv" >/dev/null 2>&1)
check "a replaced export gets the umask again (664)" test "$(stat -c %a "$TMP/m.csv")" = 664

# a temporary file left by a save that died is removed by the next save to that place;
# one of a live process (pid 1) or of another name stays
touch "$TMP/c.gglab.tmp.999999999.0" "$TMP/c.gglab.tmp.1.0" "$TMP/other.tmp.999999999.0"
run_gglab -c "$setup; save $TMP/c.gglab"
expect_rc 0 "a save beside stale temporary files"
check "the dead process's temporary file is gone" test ! -e "$TMP/c.gglab.tmp.999999999.0"
check "a live process's temporary file stays" test -e "$TMP/c.gglab.tmp.1.0"
check "another file's temporary file stays" test -e "$TMP/other.tmp.999999999.0"
# a save killed while it writes leaves its temporary file; the next save cleans it up
"$GGLAB" -c "data teacher n=20000 dim=512; model mlp 1024x4; train 1; save $TMP/k.gglab" \
	>/dev/null 2>&1 </dev/null &
pid=$!
for i in $(seq 1 400); do
	ls "$TMP"/k.gglab.tmp.* >/dev/null 2>&1 && break
	sleep 0.025
done
kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
if ls "$TMP"/k.gglab.tmp.* >/dev/null 2>&1; then
	run_gglab -c "$setup; save $TMP/k.gglab"
	expect_rc 0 "a save after a killed one"
	check "the killed save's temporary file is gone" sh -c "! ls '$TMP'/k.gglab.tmp.* >/dev/null 2>&1"
fi

# --log and --journal onto a full device: the file and the real reason, status 1
run_gglab --log /dev/full -c "$setup"
expect_rc 1 "--log /dev/full"
expect_err "/dev/full: writing the log failed: No space left on device" "the log's reason"
run_gglab --journal /dev/full -c "$setup"
expect_rc 1 "--journal /dev/full"
expect_err "/dev/full: writing the journal failed: No space left on device" "the journal's reason"
# a disk that fills up later (the shim): the lab goes on, the failure is said, status 1
if [ -f "${FAULT_SO:-}" ]; then
	shim() { GGLAB_FAULT_ENOSPC=1 LD_PRELOAD="$FAULT_SO" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" "$@"; }
	GGLAB_FAULT_MATCH=full.jsonl.gz shim run_gglab --log "$TMP/full.jsonl.gz" \
		-c "$setup; export csv $TMP/after-log.csv"
	expect_rc 1 "a --log write onto a full disk"
	expect_err "$TMP/full.jsonl.gz: writing the log failed: No space left on device" "the log is named"
	check "the lab went on after the failed log write" test -s "$TMP/after-log.csv"
	GGLAB_FAULT_MATCH=/jfull GGLAB_FAULT_AFTER=300 shim run_gglab --journal "$TMP/jfull" \
		-c "$setup; set lr 0.05; set lr 0.04; set lr 0.03; export csv $TMP/after-journal.csv"
	expect_rc 1 "a journal write onto a disk that fills up"
	expect_err "$TMP/jfull: writing the journal failed: No space left on device" "the journal is named"
	check "the journal began" grep -q "^# gglab" "$TMP/jfull"
	check "the lab went on after the failed journal write" test -s "$TMP/after-journal.csv"
	shim run_gglab -c "$setup; export csv $TMP/e.csv"
	expect_rc 1 "an export onto a full disk"
	expect_err "$TMP/e.csv: write failed (No space left on device)" "the export's real errno"
	check "no half-written export" test ! -e "$TMP/e.csv"
else
	fail "the fault-injection shim was not built (FAULT_SO=${FAULT_SO:-unset})"
fi

# data that a run's batch size does not fit: refused, the run unchanged and trainable
run_gglab -c "data xor n=500; set bs 200; train 5; data spiral n=100; train 5; export csv $TMP/bs.csv"
expect_rc 1 "data smaller than the batch size"
expect_err "bs=200 is larger than the new training set (100 examples)" "the reason is given"
check "nothing after the refusal ran" test ! -e "$TMP/bs.csv"
run_gglab -c "data xor n=500; set bs 200; train 5; data spiral n=100 keep=on"
expect_rc 1 "data keep=on smaller than the batch size"
expect_err "larger than the new training set" "keep=on: the reason is given"

finish
