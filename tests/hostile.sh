#!/bin/sh
# hostile.sh — checkpoints and models that would not fit, from the command line: each a
# clear message, a non-zero status, no signal, no hang. --check of a checkpoint loads it
# as --resume would and lists what it would run, running nothing. (The loader's checks of
# each field are in tests/test_ckpt.c.)
. "${srcdir:-.}/tests/lib.sh"
export XDG_STATE_HOME="$TMP/state"

# a model too large for the memory is refused when it is set, with its size
run_gglab -c "data xor n=200; model mlp 65536x64; train 1"
expect_rc 1 "model mlp 65536x64"
expect_err "model mlp 2-65536x64-2 relu would take about" "the size is named"
expect_err "more than the memory available" "and the bound"
check "no signal" test "$RC" -lt 128
run_gglab --max-memory 10M -c "data xor n=200; model mlp 512x4; train 1"
expect_rc 1 "--max-memory bounds a model"
expect_err "more than the memory available (10.0 MiB" "the bound given is named"
run_gglab --max-memory 64M -c "data xor n=200; model mlp 512x4; train 1"
expect_rc 0 "a model under --max-memory trains"
run_gglab --max-memory 100M -c "data teacher n=1000000 dim=1024; train 1"
expect_rc 1 "a synthetic set above the bound"
expect_err "data teacher n=1000000 dim=1024 would take 3.8 GiB" "its size is named"
run_gglab --max-memory lots -c "show"
expect_rc 2 "a bad --max-memory"
expect_err "--max-memory=lots" "its message"

# --check of a checkpoint: its runs, scheduled commands and the rest of its script
cat >"$TMP/s.gg" <<GG
data xor n=200
model mlp 8x1
set bs 20
every 30 eval
train 40
save $TMP/c.gglab
set lr 0.02
train 10
GG
run_gglab --batch "$TMP/s.gg"
expect_rc 0 "a script that saves midway"
run_gglab --check "$TMP/c.gglab"
expect_rc 0 "--check of a checkpoint"
expect_out "$TMP/c.gglab: ok, a checkpoint of a headless session" "it says what it is"
expect_out "run r1 (current): step 40, PAUSED" "its run"
expect_out "scheduled on r1: every 30 from step 60: eval" "its scheduled command"
expect_out "script: $TMP/s.gg:7: set lr 0.02" "the rest of its script, with its origin"
expect_out "script: $TMP/s.gg:8: train 10" "to its end"
check "nothing ran (no journal, no autosave)" test ! -d "$XDG_STATE_HOME/gglab/autosave"
# a checkpoint that lies: --check says why, status 1
printf 'not a checkpoint\n' >"$TMP/j.gglab"
run_gglab --check "$TMP/j.gglab"
expect_rc 2 "--check of a file that is no checkpoint is a script check"
# a gzip bomb behind a valid header
python3 - "$TMP/bomb.gglab" <<'PY'
import gzip, struct, sys
with gzip.open(sys.argv[1], "wb", 9) as f:
    f.write(b"GGLABCKP" + struct.pack("=IIQ", 2, 0x01020304, 4) + b"bomb" + struct.pack("=Q", 5 << 30))
    z = bytes(1 << 20)
    for _ in range(16):
        f.write(z)
PY
run_gglab --resume "$TMP/bomb.gglab"
expect_rc 1 "a 5 GiB gzip bomb"
expect_err "5.0 GiB of run data, more than a file of" "refused before it is inflated"
run_gglab --check "$TMP/bomb.gglab"
expect_rc 1 "--check of the bomb"
expect_err "more than a file of" "the same message"

# --view: numbers range-checked before they become integers, work linear in columns and runs
printf '{"run":"a","step":1e300,"x":1}\n' >"$TMP/huge.jsonl"
run_gglab --view "$TMP/huge.jsonl"
expect_rc 1 "a step of 1e300"
expect_err "huge.jsonl:1: \"step\" is not a step number" "the line is named"
printf '{"run":"a","step":1,"bs":1e300,"x":2}\n' >"$TMP/bs.jsonl"
run_gglab --view "$TMP/bs.jsonl"
expect_rc 0 "a bs of 1e300 is only not shown"
python3 - "$TMP" <<'PY'
import sys
d = sys.argv[1]
with open(d + "/cols.jsonl", "w") as f:
    f.write('{"run":"a","step":1,' + ",".join('"c%d":%d' % (i, i) for i in range(100000)) + "}\n")
with open(d + "/runs.jsonl", "w") as f:
    for r in range(20000):
        for s in range(3):
            f.write('{"run":"run-%d","step":%d,"train_loss":0.5,"test_loss":0.6}\n' % (r, 10 * s))
PY
t0=$(date +%s)
run_gglab --view "$TMP/cols.jsonl"
expect_rc 0 "a line of 100 000 columns"
run_gglab --view "$TMP/runs.jsonl"
expect_rc 0 "20 000 runs"
expect_out "summary: run-19999 DONE step 20" "the last of them"
t1=$(date +%s)
# a measurement, not a timed assertion (a sanitizer build is tens of times slower)
echo "note: 100 000 columns and 20 000 runs loaded in $((t1 - t0)) s"

# a journal's sync lines have no fixed-size buffer: 130 runs of 31-character names replay
cmds="data xor n=200; model mlp 4x1; set bs 20"
for i in $(seq 100 229); do cmds="$cmds; run new long-run-name-with-31-chars-$i"; done
run_gglab -c "$cmds; train 3; run use r1; set lr 0.05; train 2; export csv $TMP/s1.csv" \
	--journal "$TMP/long.gg"
expect_rc 0 "a session of 131 runs"
check "its sync lines are long" test "$(awk '{ if (length($0) > n) n = length($0) } END { print n }' "$TMP/long.gg")" -gt 4096
{ cat "$TMP/long.gg"; echo "export csv $TMP/s2.csv"; } >"$TMP/replay.gg"
run_gglab --batch "$TMP/replay.gg"
expect_rc 0 "its journal replays"
check "to the same series" cmp -s "$TMP/s1.csv" "$TMP/s2.csv"

# phdim on n=20000 k=64 every=1 on a long run: the estimates' queue is bounded (memory
# stays small) and SIGTERM cancels a running estimate: the session ends within a second
"$GGLAB" -c "data xor n=1000; model mlp 8x1; set bs 10 eval 1; train 1; phdim on n=20000 k=64 every=1; train 1000000" \
	>/dev/null 2>"$TMP/ph.err" </dev/null &
pid=$!
peak=0
for i in $(seq 1 24); do
	sleep 0.25
	rss=$(ps -o rss= -p $pid 2>/dev/null | tr -d ' ')
	[ -n "$rss" ] && [ "$rss" -gt "$peak" ] && peak=$rss
done
t0=$(date +%s%N)
kill -TERM $pid
wait $pid
RC=$?
t1=$(date +%s%N)
ERR=$(cat "$TMP/ph.err")
expect_rc 1 "SIGTERM during PH estimates"
expect_err "saved everything to" "it autosaves"
check "it ends within a second of SIGTERM ($(( (t1 - t0) / 1000000 )) ms)" test $(( (t1 - t0) / 1000000 )) -lt 1000
check "the queue of estimates stays small (peak $peak KB)" test "$peak" -lt 400000

finish
