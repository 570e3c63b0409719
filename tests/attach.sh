#!/bin/sh
# attach.sh — --listen and the attach protocol, headless (issue 14): a --batch lab serves
# its socket (0600, in a private directory, named in the journal); a test client that
# speaks the protocol from its description (tests/attach_client.py) gets the store and
# steers the lab, which journals its commands; two viewers see each other's commands; bad
# input (random bytes, a 4 GiB claim, half a message then silence, no hello, store data
# sent to the lab, another user) closes that connection with a reason and the lab goes on;
# gglab attach refuses a missing socket, a file, a socket of another user and sockets that
# are not a gglab's; a stale socket is replaced, anything else is never followed; SIGTERM
# removes the socket; `gglab attach` alone lists the running labs, also those that listen
# on a path of their own.
. "${srcdir:-.}/tests/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	echo "python3 is not installed: skipped"
	exit 77
fi
CLIENT="python3 $srcdir/tests/attach_client.py"
export XDG_RUNTIME_DIR="$TMP/xdg" XDG_STATE_HOME="$TMP/state" OPENBLAS_NUM_THREADS=1 TERM=xterm
mkdir -m 700 "$TMP/xdg"
PIDS=""
trap 'for p in $PIDS; do kill -9 $p 2>/dev/null; done; rm -rf "$TMP"' EXIT

# wait_for SECONDS FILE TEXT: until FILE holds TEXT (a fixed string)
wait_for() {
	local i=0
	while [ $i -lt $(($1 * 10)) ]; do
		grep -qF -- "$3" "$2" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

cat >"$TMP/lab.gg" <<'GG'
data spiral n=600 seed=2
model mlp 32x2 act=tanh
opt sgd lr=0.1 momentum=0.9
set bs 32
train 50000000
GG

# start_lab NAME ARGS...: a lab in the background, stderr in $TMP/NAME.err, pid in $LAB
start_lab() {
	local name=$1
	shift
	"$GGLAB" --threads 1 --batch "$TMP/lab.gg" "$@" 2>"$TMP/$name.err" &
	LAB=$!
	PIDS="$PIDS $LAB"
}

start_lab a --listen --journal "$TMP/a.gg"
A=$LAB
check "the lab says where it listens" wait_for 20 "$TMP/a.err" "listening on $TMP/xdg/gglab/$LAB.sock"
SOCK=$TMP/xdg/gglab/$LAB.sock
check "its socket is there" test -S "$SOCK"
check "mode 0600" test "$(stat -c %a "$SOCK")" = 600
check "in a directory of mode 0700" test "$(stat -c %a "$TMP/xdg/gglab")" = 700
check "the journal's header names it" grep -q "^# listening on $SOCK" "$TMP/a.gg"
wait_for 20 "$TMP/a.err" "training 50000000 steps"

# a viewer: the store, and a command applied and journaled like the lab's own
$CLIENT view "$SOCK" 3 "set lr 0.05" >"$TMP/v1" 2>&1
check "the lab greets with a hello of version 2" grep -q "^hello version 2 pid $LAB viewer 1" "$TMP/v1"
check "the viewer gets the columns" grep -q "^cols .*test_loss" "$TMP/v1"
check "and the run" grep -q "^runs 1" "$TMP/v1"
check "and rows" sh -c "grep '^rows' '$TMP/v1' | awk '{ exit !(\$2 > 0) }'"
check "its command is echoed to all" grep -q "^msg 7 viewer 1> set lr 0.05" "$TMP/v1"
check "and applied" grep -q "^msg 0 r1: lr 0.1 -> 0.05 @ step" "$TMP/v1"
check "its reply is marked as this viewer's" grep -q "^reply to viewer 1: set lr 0.05" "$TMP/v1"
check "the lab's log says so" wait_for 5 "$TMP/a.err" "r1: lr 0.1 -> 0.05"
check "the journal has it, after its sync" sh -c "grep -B1 '^set lr 0.05\$' '$TMP/a.gg' | grep -q '^sync r1=[0-9]*\$'"
$CLIENT view "$SOCK" 2 "view gap" >"$TMP/v3" 2>&1
check "a screen command is refused" grep -q "view is a screen command" "$TMP/v3"
$CLIENT view "$SOCK" 2 "set lr banana" >"$TMP/v4" 2>&1
check "a bad command is said to that viewer" grep -q "^msg 1 .*banana" "$TMP/v4"

# two viewers: each sees the other's commands
$CLIENT view "$SOCK" 4 >"$TMP/v2" 2>&1 &
V2=$!
sleep 1
$CLIENT view "$SOCK" 1 "set lr 0.04" >/dev/null 2>&1
wait $V2
check "a second viewer sees the first's command" grep -q "^msg 7 viewer [0-9]*> set lr 0.04" "$TMP/v2"
check "and its result" grep -q "^msg 0 r1: lr 0.05 -> 0.04" "$TMP/v2"

# a viewer that does not read for 6 s: the lab goes on, then the viewer is sent the store
# as it stands (consistent: every row follows what it has), not a backlog
n0=$(grep -c '^r1 step' "$TMP/a.err")
$CLIENT slow "$SOCK" 6 3 >"$TMP/slow" 2>&1
check "a stalled viewer catches up with a consistent store" sh -c "grep '^rows' '$TMP/slow' | awk '{ exit !(\$2 > 0) }' && ! grep -q Traceback '$TMP/slow'"
check "the lab trained while it stalled" test "$(grep -c '^r1 step' "$TMP/a.err")" -gt $((n0 + 3))

# a viewer killed while the lab sends to it: the lab notices and goes on (no SIGPIPE)
$CLIENT slow "$SOCK" 30 1 >/dev/null 2>&1 &
K=$!
sleep 2
kill -9 $K
wait $K 2>/dev/null
check "a killed viewer is let go" wait_for 5 "$TMP/a.err" "(pid $K) "
check "and the lab lives" kill -0 "$A"

# bad input: the connection is closed with a reason, the lab goes on
$CLIENT raw "$SOCK" random >"$TMP/r1"
check "random bytes: closed" grep -q "^closed after" "$TMP/r1"
check "random bytes: the reason is logged" wait_for 5 "$TMP/a.err" "was disconnected: it sent a message of"
$CLIENT raw "$SOCK" huge >"$TMP/r2"
check "a 4 GiB claim: closed at once, told why" grep -q "closed after [0-1] s: it sent a message of 4294967295 bytes (the limit is 1048576)" "$TMP/r2"
$CLIENT raw "$SOCK" silent >"$TMP/r4" & # side by side: each takes 5 s
R4=$!
$CLIENT raw "$SOCK" half >"$TMP/r3"
wait $R4
check "half a message, then silence: closed after 5 s" grep -q "closed after [5-7] s: it sent 14 bytes of a message, then nothing for 5 s" "$TMP/r3"
check "no hello: closed after 5 s" grep -q "closed after [5-7] s: it sent no gglab hello in 5 s" "$TMP/r4"
$CLIENT raw "$SOCK" type >"$TMP/r5"
check "store data sent to the lab: closed" grep -q "store data (message type 3) sent to the lab" "$TMP/r5"
check "the lab lives through it all" kill -0 "$A"
n1=$(grep -c '^r1 step' "$TMP/a.err")
sleep 1.5
check "and goes on training" test "$(grep -c '^r1 step' "$TMP/a.err")" -gt "$n1"
check "nothing was said as an error" sh -c "! grep -q '^error' '$TMP/a.err'"

# another user: refused by the peer's credentials (root can be anyone)
if [ "$(id -u)" = 0 ]; then
	mkdir -m 755 "$TMP/open"
	start_lab o --listen="$TMP/open/o.sock"
	wait_for 20 "$TMP/o.err" "listening on"
	chmod 666 "$TMP/open/o.sock"
	chmod 755 "$TMP"
	python3 -c "
import os, socket, time
os.setuid(65534)
s = socket.socket(socket.AF_UNIX); s.connect('$TMP/open/o.sock'); time.sleep(1)
print('closed' if s.recv(100) == b'' else 'talked')" >"$TMP/other" 2>&1
	check "another user's connection is closed unanswered" grep -q "^closed" "$TMP/other"
	chmod 700 "$TMP"
	check "and logged" wait_for 5 "$TMP/o.err" "refused a viewer of uid 65534"
	kill "$LAB"
	wait "$LAB"
fi

# gglab attach refuses what is not a lab of the user's
run_gglab attach "$TMP/none.sock"
expect_rc 1 "attach to a missing socket"
expect_err "no lab listens there (no such socket); gglab attach without a socket lists your running labs" "says what to do"
touch "$TMP/file"
run_gglab attach "$TMP/file"
expect_err "is not a socket" "attach to a file"
$CLIENT serve "$TMP/garbage.sock" garbage >"$TMP/s1" &
PIDS="$PIDS $!"
$CLIENT serve "$TMP/silent.sock" silent >"$TMP/s2" &
PIDS="$PIDS $!"
wait_for 5 "$TMP/s1" ready
wait_for 5 "$TMP/s2" ready
run_gglab attach "$TMP/garbage.sock"
expect_rc 1 "attach to a socket that talks something else"
expect_err "not a gglab lab (or not one of this version)" "says it is no gglab"
run_gglab attach "$TMP/silent.sock"
expect_err "no gglab hello came in 3 s" "attach to a silent socket"
if [ "$(id -u)" = 0 ]; then
	cp -a "$TMP/garbage.sock" "$TMP/theirs.sock" 2>/dev/null ||
		python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('$TMP/theirs.sock')"
	chown 65534 "$TMP/theirs.sock"
	run_gglab attach "$TMP/theirs.sock"
	expect_err "belongs to uid 65534, not to you: gglab attaches only to your own labs" "another user's socket"
fi

# --listen never follows or replaces what is not a dead lab's socket
run_gglab --batch "$TMP/lab.gg" --listen="$TMP/file"
expect_rc 1 "--listen on a file"
expect_err "exists and is not a socket: it is left alone" "says so"
ln -s "$TMP/elsewhere" "$TMP/link.sock"
run_gglab --batch "$TMP/lab.gg" --listen="$TMP/link.sock"
expect_err "exists and is not a socket" "--listen on a symbolic link"
check "the link's target was not created" test ! -e "$TMP/elsewhere"
run_gglab --batch "$TMP/lab.gg" --listen="$SOCK"
expect_err "another lab is listening there" "--listen where a lab listens"
start_lab k --listen="$TMP/stale.sock"
wait_for 20 "$TMP/k.err" "listening on"
kill -9 "$LAB"
wait "$LAB" 2>/dev/null
check "a killed lab leaves its socket" test -S "$TMP/stale.sock"
start_lab k2 --listen="$TMP/stale.sock"
check "the next lab replaces a stale socket" wait_for 20 "$TMP/k2.err" "listening on $TMP/stale.sock"
kill "$LAB"
wait "$LAB"

# gglab attach alone: lists the running labs (one more makes two, and one that listens on
# a path of its own, relative to its directory, three)
start_lab b --listen
wait_for 20 "$TMP/b.err" "listening on"
B=$LAB
run_gglab attach
expect_rc 2 "attach alone with two labs"
expect_err "2 labs of yours are listening; choose one with gglab attach SOCKET" "asks which"
expect_err "$SOCK" "lists the first"
mkdir "$TMP/own"
(cd "$TMP/own" && exec "$GGLAB" --threads 1 --batch "$TMP/lab.gg" --listen=mine.sock 2>"$TMP/c.err") &
C=$!
PIDS="$PIDS $C"
wait_for 20 "$TMP/c.err" "listening on"
run_gglab attach
expect_err "3 labs of yours are listening" "a lab on a socket of its own is found too"
expect_err "  $TMP/own/mine.sock  " "by its full path"
expect_err "--listen=mine.sock" "with its command line"
check "from the note it left where the default sockets are" \
	sh -c "test \"\$(cat '$TMP/xdg/gglab/$C.where')\" = '$TMP/own/mine.sock'"
check "mode 0600" test "$(stat -c %a "$TMP/xdg/gglab/$C.where")" = 600
kill "$B" "$C"
wait "$B"
wait "$C"
check "which goes when the lab ends" test ! -e "$TMP/xdg/gglab/$C.where"

# a viewer asks the lab to stop: it ends as a quit does, and removes its socket
$CLIENT stop "$SOCK" >/dev/null
wait "$A" 2>/dev/null
check "a viewer's stop ends the lab" wait_for 10 "$TMP/a.err" "stopped the lab"
sleep 1
check "the lab's socket is gone" test ! -e "$SOCK"
run_gglab attach
expect_err "no lab of yours is listening" "attach alone with none"

# SIGTERM: the autosave, and the socket goes
start_lab t --listen
wait_for 20 "$TMP/t.err" "training 50000000"
kill -TERM "$LAB"
wait "$LAB"
check "SIGTERM saves everything" grep -q "saved everything to" "$TMP/t.err"
check "and removes the socket" test ! -e "$TMP/xdg/gglab/$LAB.sock"
check "no sanitizer report in the labs' logs" sh -c "! cat '$TMP'/*.err | grep -qiE 'sanitizer|runtime error'"
finish
