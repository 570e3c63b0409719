#!/bin/sh
# modes.sh — how the screen adapts: --ascii and a non-UTF-8 locale draw no braille,
# --no-color and NO_COLOR draw no colours; an unknown TERM exits 2 with a message; stdout
# that is not a terminal runs as --batch; -x runs a script on screen; --frames N exits;
# SIGTERM restores the terminal and exits 1.
. "${srcdir:-.}/tests/tui/lib.sh"

colours() { # any foreground or background colour set on the screen
	screen_esc | LC_ALL=C grep -q "$(printf '\033')\[[34][0-7]m"
}

start 80 24 -- --ascii
expect_screen "RUNNING" "--ascii starts"
expect_screen "test" "--ascii has a legend"
wait_for "0.5" 10 >/dev/null
if has_braille; then fail "--ascii draws no braille"; screen >&2; else pass; fi
check "--ascii draws with glyphs" sh -c "tmux -L $SOCK -f /dev/null capture-pane -p -t t | sed -n '3,18p' | grep -q '[*o]'"
check "colours by default" colours
type_line quit
expect_screen "gglab-exit=0" "--ascii quits"

start 80 24 LANG=C LC_ALL=C --
expect_screen "RUNNING" "a C locale starts"
wait_for "train" 10 >/dev/null
if has_braille; then fail "a non-UTF-8 locale draws no braille"; screen >&2; else pass; fi
check "a non-UTF-8 locale prints ASCII only" sh -c "! tmux -L $SOCK -f /dev/null capture-pane -p -t t | LC_ALL=C grep -q '[^ -~]'"
type_line quit
expect_screen "gglab-exit=0" "quit in a C locale"

start 80 24 -- --no-color
expect_screen "RUNNING" "--no-color starts"
expect_screen "train" "--no-color has a legend"
if colours; then fail "--no-color sets no colours"; screen_esc | cat -v | head -5 >&2; else pass; fi
type_line quit
expect_screen "gglab-exit=0" "--no-color quits"

start 80 24 NO_COLOR=1 --
expect_screen "RUNNING" "NO_COLOR starts"
expect_screen "train" "NO_COLOR has a legend"
if colours; then fail "NO_COLOR sets no colours"; else pass; fi
type_line quit
expect_screen "gglab-exit=0" "NO_COLOR quits"

# an unknown terminal type: a message and status 2, no curses crash
start 80 24 TERM=no-such-terminal --
expect_screen "gglab-exit=2" "an unknown TERM exits with status 2"
check "an unknown TERM is named" grep -q "cannot use terminal type 'no-such-terminal'" "$TMP/stderr"
check "and a way out is offered" grep -q "try TERM=xterm-256color or --batch" "$TMP/stderr"

# a script on screen, ending in quit
cat >"$TMP/s.gg" <<'GG'
data spiral n=400 seed=3
model mlp 16x1
train 120
set lr 0.05
train 60
view gap
quit
GG
start 80 24 -- -x "$TMP/s.gg"
expect_screen "gglab-exit=0" "-x runs the script and its quit leaves"
check "-x: no errors on stderr" clean_stderr

# a script on screen, then the user takes over
cat >"$TMP/t.gg" <<'GG'
data xor n=200
model mlp 8x1
train 50
view dist
GG
start 80 24 -- -x "$TMP/t.gg"
expect_screen "script done" "-x: the script finishes on screen"
expect_screen "distance from init" "-x: its screen command ran"
type_line "train 30"
expect_screen "training 30 steps from step 50" "the user takes over"
type_line q
expect_screen "gglab-exit=0" "q quits"

# stdout not a terminal: as --batch
"$GGLAB" --threads 1 -x "$TMP/s.gg" >"$TMP/out" 2>"$TMP/err" </dev/null
RC=$?
ERR=$(cat "$TMP/err")
expect_rc 0 "-x without a terminal runs headless"
expect_err "summary: r1" "and prints the batch summary"
check "no escape sequences without a terminal" sh -c "! LC_ALL=C grep -q \"\$(printf '\\033')\" '$TMP/out' '$TMP/err'"

# --frames N leaves by itself (how sanitizer runs end)
start 80 24 -- --frames 15
expect_screen "gglab-exit=0" "--frames exits with status 0"

# SIGTERM: the terminal comes back, status 1
start 80 24 --
expect_screen "RUNNING" "started for SIGTERM"
pid=$(pgrep -P "$(tm display -p -t t '#{pane_pid}')" gglab)
check "gglab's pid found" test -n "$pid"
[ -n "$pid" ] && kill -TERM "$pid"
expect_screen "gglab-exit=1" "SIGTERM exits with status 1"
check "SIGTERM leaves the alternate screen" test "$(alt_screen)" = 0
expect_screen "before-gglab" "SIGTERM restores the normal screen"
check "SIGTERM autosaves" grep -q "saved everything to .*continue with: gglab --resume" "$TMP/stderr"

# SIGHUP (the SSH link dies) mid-run: a checkpoint that resumes where the run was
start 80 24 --
expect_screen "RUNNING" "started for SIGHUP"
type_line "train" # until paused: the default's 40 epochs could end before the SIGHUP
wait_for "step 2" 20 >/dev/null
pid=$(pgrep -P "$(tm display -p -t t '#{pane_pid}')" gglab)
[ -n "$pid" ] && kill -HUP "$pid"
expect_screen "gglab-exit=1" "SIGHUP exits with status 1"
ckpt=$(sed -n 's/.*continue with: gglab --resume //p' "$TMP/stderr")
check "SIGHUP writes an autosave" test -s "$ckpt"
check "and names the journal" grep -q "journal of this session" "$TMP/stderr"
check "with the whole replay command" grep -q "replay: gglab --batch .*\.gg --seed [0-9]* --threads " "$TMP/stderr"
XDG_STATE_HOME="$TMP/state" "$GGLAB" --threads 1 --resume "$ckpt" >"$TMP/out" 2>"$TMP/err" </dev/null
RC=$?
ERR=$(cat "$TMP/err")
expect_rc 0 "the autosave resumes (headless, stdout not a terminal)"
expect_err "resumed from $ckpt" "resume says where from"
if printf '%s' "$ERR" | grep -q "summary: r1 RUNNING step [1-9]"; then pass; else fail "the resumed run is where it was: $ERR"; fi

# the terminal itself vanishes (the tmux server dies, as an SSH link does): gglab must not
# spin on a dead tty but save and leave
rm -rf "$TMP/state/gglab/autosave"
start 80 24 --
expect_screen "RUNNING" "started for a lost terminal"
pid=$(pgrep -P "$(tm display -p -t t '#{pane_pid}')" gglab)
tm kill-server
i=0
while [ $i -lt 200 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.05; i=$((i + 1)); done
check "gglab leaves when its terminal is gone" sh -c "! kill -0 $pid 2>/dev/null"
check "and saves everything first" sh -c "ls '$TMP'/state/gglab/autosave/*.gglab >/dev/null 2>&1"
finish
