#!/bin/sh
# attach.sh — gglab attach (issue 14): the full screen on a headless lab that listens; a
# command typed there is applied by the lab and journaled; q and F10 detach and the lab
# goes on; quit asks, and only y stops the lab.
. "${srcdir:-.}/tests/tui/lib.sh"

cat >"$TMP/lab.gg" <<'GG'
data spiral n=600 seed=2
model mlp 32x2 act=tanh
opt sgd lr=0.1 momentum=0.9
set bs 32
train 50000000
GG
OPENBLAS_NUM_THREADS=1 "$GGLAB" --threads 1 --batch "$TMP/lab.gg" --listen="$TMP/lab.sock" \
	--journal "$TMP/j.gg" 2>"$TMP/lab.err" &
LAB=$!
trap 'kill -9 $LAB 2>/dev/null; tmux -L "$SOCK" kill-server >/dev/null 2>&1; rm -rf "$TMP"' EXIT
i=0
while ! grep -q "training 50000000" "$TMP/lab.err" && [ $i -lt 400 ]; do
	sleep 0.05
	i=$((i + 1))
done
progress() { grep -c '^r1 step' "$TMP/lab.err"; }

start 100 30 -- attach "$TMP/lab.sock"
expect_screen "attached to $TMP/lab.sock as viewer 1" "attach opens the screen"
expect_screen "RUNNING" "the lab's status shows"
expect_screen "steps" "and its curves"
check "the lab's screen draws braille" has_braille
type_line "set lr 0.05"
expect_screen "r1: lr 0.1 -> 0.05 @ step" "a command typed there is applied by the lab"
check "and journaled by it" grep -q "^set lr 0.05$" "$TMP/j.gg"
check "the lab's log shows who typed it" grep -q "^viewer 1> set lr 0.05$" "$TMP/lab.err"
type_line q
expect_screen "gglab-exit=0" "q detaches"
check "saying the lab goes on" grep -q "detached from $TMP/lab.sock; the lab goes on" "$TMP/stderr"
check "the lab is still running" kill -0 $LAB
n=$(progress)
poll_until 10 sh -c "test \$(grep -c '^r1 step' '$TMP/lab.err') -gt $n"
check "and still training" test "$(progress)" -gt "$n"

start 100 30 -- attach "$TMP/lab.sock"
expect_screen "as viewer 2" "attach again"
expect_screen "lr 0.05" "the status shows the new lr"
tm send-keys -t t F10
expect_screen "gglab-exit=0" "F10 detaches"
check "the lab is still running after F10" kill -0 $LAB

start 100 30 -- attach "$TMP/lab.sock"
expect_screen "as viewer 3" "attach a third time"
type_line quit
expect_screen "stop the lab itself, for every viewer?" "quit asks first"
type_line n
expect_screen "the lab goes on" "anything but y keeps it"
check "the lab is still running after quit, n" kill -0 $LAB
type_line quit
expect_screen "stop the lab itself" "quit asks again"
type_line y
expect_screen "gglab-exit=0" "y: the screen closes"
check "saying the lab ended" grep -q "the lab ended" "$TMP/stderr"
i=0
while kill -0 $LAB 2>/dev/null && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
check "the lab stopped" sh -c "! kill -0 $LAB 2>/dev/null"
check "its log says which viewer stopped it" grep -q "viewer 3 (pid [0-9]*) stopped the lab" "$TMP/lab.err"
check "and its socket is gone" test ! -e "$TMP/lab.sock"
finish
