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

finish
