#!/bin/sh
# recovery.sh — recovery that finds you, and files like other programs' (issue 10, items 8
# and 9): after SIGHUP the next start says that an autosave exists and how to resume it (on
# the screen, once, and in --help's files), --sessions lists journals and autosaves, a
# start prunes them to the newest 50 and 5, the journal is created with the user's umask,
# and a refused start (TERM=dumb, an unknown TERM, TERM unset) writes no journal.
. "${srcdir:-.}/tests/tui/lib.sh"
umask 027 # the tmux server, and so gglab, inherit it

STATE=$TMP/state/gglab
njournals() { ls "$STATE/journals" 2>/dev/null | grep -c '\.gg$'; }

# a refused start writes nothing
for t in dumb no-such-terminal ""; do
	start 80 24 TERM="$t" --
	expect_screen "gglab-exit=2" "TERM='$t' is refused with status 2"
	check "TERM='$t' leaves no journal" test "$(njournals)" = 0
done
check "unset TERM has its own message" grep -q "TERM is not set" "$TMP/stderr"

# the journal follows the umask
start 80 24 --
expect_screen "RUNNING" "the screen starts"
type_line quit
expect_screen "gglab-exit=0" "quit"
j=$(ls "$STATE/journals"/*.gg | head -1)
check "a journal is kept" test -f "$j"
check "the journal gets the umask (640 under 027)" test "$(stat -c %a "$j")" = 640

# SIGHUP: an autosave; the next start offers it, the one after does not
start 80 24 --
expect_screen "RUNNING" "started for SIGHUP"
wait_line 1 'step [1-9]'
pid=$(pgrep -P "$(tm display -p -t t '#{pane_pid}')" gglab)
check "gglab's pid found" test -n "$pid"
[ -n "$pid" ] && kill -HUP "$pid"
expect_screen "gglab-exit=1" "SIGHUP exits with status 1"
a=$(ls "$STATE/autosave"/*.gglab | head -1)
check "SIGHUP autosaves" test -f "$a"
check "the autosave gets the umask too" test "$(stat -c %a "$a")" = 640
start 80 24 --
expect_screen "an autosave of step" "the next start says an autosave exists"
expect_screen "gglab --resume" "and how to resume it"
type_line quit
expect_screen "gglab-exit=0" "quit"
start 80 24 --
expect_screen "RUNNING" "a third start"
check "the third start does not say it again" off_screen "an autosave of step"
type_line quit
expect_screen "gglab-exit=0" "quit"
XDG_STATE_HOME=$TMP/state "$GGLAB" --help >"$TMP/help"
check "--help's files name the autosave and how to resume it" grep -q "an autosave of step .* gglab --resume $a" "$TMP/help"
XDG_STATE_HOME=$TMP/state "$GGLAB" --sessions >"$TMP/sessions"
check "--sessions lists the autosave with its runs and step" grep -qE "1 run +step [1-9][0-9]* +$a" "$TMP/sessions"
check "--sessions lists the journals" test "$(grep -c 'journals/.*\.gg$' "$TMP/sessions")" = "$(njournals)"

# pruning: the newest 50 journals and 5 autosaves are kept
i=10
while [ $i -lt 70 ]; do
	: >"$STATE/journals/20000101-0000$i.gg"
	i=$((i + 1))
done
for i in 1 2 3 4 5 6 7; do cp "$a" "$STATE/autosave/20000101-00000$i-1.gglab"; done
start 80 24 --
expect_screen "RUNNING" "a start that prunes"
type_line quit
expect_screen "gglab-exit=0" "quit"
check "50 journals are kept" test "$(njournals)" = 50
check "the newest journal is among them" test -f "$j"
check "5 autosaves are kept" test "$(ls "$STATE/autosave" | grep -c '\.gglab$')" = 5
check "the newest autosave is among them" test -f "$a"
check "the oldest autosave went" test ! -f "$STATE/autosave/20000101-000001-1.gglab"
finish
