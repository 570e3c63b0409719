#!/bin/sh
# startup.sh — `gglab` with no arguments at 80×24: the screen opens, the default setup
# trains (the step count moves), the status line, a braille plot and the help hint show;
# `quit` leaves the alternate screen and gives the normal screen back.
. "${srcdir:-.}/tests/tui/lib.sh"

start 80 24 --
expect_screen "RUNNING" "the default setup starts training"
expect_screen "type help or press F1" "the prompt shows a hint for help"
l1=$(line 1)
case "$l1" in *step*"bs 128"*"lr 0.1"*RUNNING*) pass ;; *) fail "the status line is on the first row: $l1" ;; esac
expect_screen "loss (log)" "the loss plot has a title"
expect_screen "train" "the loss plot has a legend"
if has_braille; then pass; else fail "braille dots in a UTF-8 locale"; screen >&2; fi
check "the screen is on the alternate screen" test "$(alt_screen)" = 1
case "$(prompt_line)" in "gglab> "*) pass ;; *) fail "last row: $(prompt_line)" ;; esac

# the UI thread asks for short scheduler slices (src/ui/tui.c), where the kernel shows them
pid=$(pgrep -P "$(tm display -p -t t '#{pane_pid}')" gglab || true)
if [ -n "$pid" ] && grep -q '^se.slice' "/proc/$pid/sched" 2>/dev/null; then
	slice=$(sed -n 's/^se.slice *: *//p' "/proc/$pid/sched")
	check "the UI thread's slice is 0.2 ms ($slice ns)" test "$slice" = 200000
fi

# curves move: the step count grows
s1=$(status_step)
wait_for "step" >/dev/null
i=0
while [ $i -lt 100 ]; do
	s2=$(status_step)
	[ "$s2" != "$s1" ] && break
	sleep 0.1
	i=$((i + 1))
done
check "the step count moves ($s1 -> $s2)" test "$s1" != "$s2"

type_line quit
expect_screen "gglab-exit=0" "quit exits with status 0"
expect_screen "before-gglab" "the normal screen comes back"
check "the alternate screen is left" test "$(alt_screen)" = 0
if has_braille; then fail "plot characters left on the screen after quit"; screen >&2; else pass; fi
check "no errors on stderr" clean_stderr
finish
