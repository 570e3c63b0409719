#!/bin/sh
# attach.sh — gglab attach (issue 14): the full screen on a headless lab that listens; a
# command typed there is applied by the lab and journaled; q and F10 detach and the lab
# goes on; F2 pauses and resumes (taking over from the headless lab's script, which goes
# on); quit asks, and only y stops the lab.
. "${srcdir:-.}/tests/tui/lib.sh"
# the labs' sockets and notes (PID.where) stay in this test's own runtime directory
export XDG_RUNTIME_DIR="$TMP/xdg"
mkdir -m 700 "$XDG_RUNTIME_DIR"

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
tm send-keys -t t -l "run use r"
tm send-keys -t t Tab
expect_screen "gglab> run use r1" "completion knows the lab's runs"
tm send-keys -t t C-c
type_line "set lr 0.05"
expect_screen "r1: lr 0.1 -> 0.05 @ step" "a command typed there is applied by the lab"
check "and journaled by it" grep -q "^set lr 0.05$" "$TMP/j.gg"
check "the lab's log shows who typed it" grep -q "^viewer 1> set lr 0.05$" "$TMP/lab.err"
tm send-keys -t t F2
expect_screen "PAUSED" "F2 pauses the lab's run"
check "taking over from the headless lab's script" grep -q "a viewer took over from the script: the lab goes on" "$TMP/lab.err"
sleep 0.5
check "which does not end the headless lab" kill -0 $LAB
tm send-keys -t t F2
expect_screen "RUNNING" "F2 resumes it"
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
check "no sanitizer report in the lab's log" sh -c "! grep -qiE 'sanitizer|runtime error' '$TMP/lab.err'"

# gglab attach alone: the user's only running lab (the first has stopped; this one in its
# default place)
XDG_RUNTIME_DIR="$TMP/xdg" OPENBLAS_NUM_THREADS=1 "$GGLAB" --threads 1 --batch "$TMP/lab.gg" \
	--listen 2>"$TMP/lab2.err" &
LAB2=$!
trap 'kill -9 $LAB $LAB2 2>/dev/null; tmux -L "$SOCK" kill-server >/dev/null 2>&1; rm -rf "$TMP"' EXIT
start 100 30 XDG_RUNTIME_DIR="$TMP/xdg" -- attach
expect_screen "attached to $TMP/xdg/gglab/$LAB2.sock as viewer 1" "attach alone finds the only lab"
type_line q
expect_screen "gglab-exit=0" "and detaches"
kill $LAB2
wait $LAB2


# the lab's own screen listening: it says where, and shows a viewer's commands
if command -v python3 >/dev/null 2>&1; then
	start 100 30 -- --listen="$TMP/screen.sock"
	expect_screen "listening on $TMP/screen.sock" "a screen that listens says where"
	expect_screen "RUNNING" "and trains"
	python3 "$srcdir/tests/attach_client.py" view "$TMP/screen.sock" 2 "set lr 0.2" >"$TMP/v" 2>&1
	expect_screen "viewer 1> set lr 0.2" "a viewer's command shows on the lab's screen"
	expect_screen "lr 0.1 -> 0.2" "with its result"
	# a long reply opens the overlay on the screen that asked, never on this one
	python3 "$srcdir/tests/attach_client.py" view "$TMP/screen.sock" 2 "show" >"$TMP/v" 2>&1
	check "a viewer's long reply is marked as its own" grep -q "^reply to viewer 2: show" "$TMP/v"
	expect_screen "viewer 2's show: " "and the lab's screen only says how long it was"
	check "in lines" sh -c "tmux -L '$SOCK' -f /dev/null capture-pane -p -t t | grep -qE \"viewer 2's show: [0-9]+ lines, shown on its screen\""
	no_overlay() { ! line 1 | grep -qE 'lines [0-9]+-[0-9]+ of'; }
	check "with no overlay opened here" no_overlay
	type_line quit
	expect_screen "gglab-exit=0" "the screen quits"
	check "and removes its socket" test ! -e "$TMP/screen.sock"
fi
finish
