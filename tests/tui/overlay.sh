#!/bin/sh
# overlay.sh — long output opens in the overlay (issue 10, item 2): the help (F1 and
# `help`), `help set` and `show` (a reply too long for the event log) cover the screen;
# PgDn/PgUp, End/Home and the arrows scroll; / searches and n finds the next match; q and
# Esc close it and the screen comes back; a short reply (`help train`) stays in the log.
# At 80x24 and 200x60, under screen-256color and xterm-256color, with NO_COLOR.
. "${srcdir:-.}/tests/tui/lib.sh"

# the overlay's title row: " TITLE ... lines A-B of N "
title_is() { line 1 | grep -qE "^ $1 .*lines [0-9]+-[0-9]+ of [0-9]+ *$"; }
first_line() { line 1 | sed -n 's/.*lines \([0-9]*\)-.*/\1/p'; }
first_is() { [ "$(first_line)" = "$1" ]; }
first_above() { [ "$(first_line)" -gt "$1" ]; }
overlay_closed() { ! line 1 | grep -qE 'lines [0-9]+-[0-9]+ of'; }

for conf in "80 24 TERM=screen-256color" "200 60 TERM=xterm-256color NO_COLOR=1"; do
	set -- $conf
	w=$1 h=$2
	shift 2
	start "$w" "$h" "$@" -- --fps 20
	expect_screen "RUNNING" "$conf: training starts"
	type_line pause
	expect_screen "paused at step" "$conf: paused"

	# F1: the help in the overlay, from its first line
	tm send-keys -t t F1
	if poll_until 5 title_is "gglab help"; then pass; else fail "$conf: F1 opens the help"; screen >&2; fi
	check "$conf: the help starts at its first line" test "$(first_line)" = 1
	expect_screen "keys (they never collide" "$conf: the help lists the keys"
	check "$conf: the overlay's keys on its last row" sh -c "tmux -L $SOCK -f /dev/null capture-pane -p -t t | tail -1 | grep -q 'q/Esc close'"
	tm send-keys -t t Down
	if poll_until 5 first_is 2; then pass; else fail "$conf: Down scrolls a line: $(line 1)"; fi
	tm send-keys -t t NPage
	if poll_until 5 first_above 2; then pass; else fail "$conf: PgDn scrolls a page: $(line 1)"; fi
	tm send-keys -t t PPage
	tm send-keys -t t Up
	if poll_until 5 first_is 1; then pass; else fail "$conf: PgUp and Up scroll back: $(line 1)"; fi
	tm send-keys -t t End
	expect_screen "leave gglab" "$conf: End shows the end (quit's help line)"
	tm send-keys -t t Home
	expect_screen "keys (they never collide" "$conf: Home shows the top again"

	# / searches (ignoring case): the first row with the word goes to the top; n the next
	# (F5's "log y axis", then F6's "log-steps", both among the keys)
	tm send-keys -t t -l "/LOG"
	expect_screen "/LOG" "$conf: the pattern shows as it is typed"
	tm send-keys -t t Enter
	expect_line 2 "log y axis" "$conf: / brings the first match to the top"
	first=$(first_line)
	tm send-keys -t t -l n
	if poll_until 5 first_above "$first"; then pass; else fail "$conf: n goes to the next match: $(line 1)"; fi
	expect_line 2 "log-steps" "$conf: the next match is at the top"
	tm send-keys -t t -l "/nosuchwordanywhere"
	tm send-keys -t t Enter
	expect_screen "not found: nosuchwordanywhere" "$conf: a search that finds nothing says so"

	# q closes: the screen and the prompt come back
	tm send-keys -t t -l q
	if poll_until 5 overlay_closed; then pass; else fail "$conf: q closes the overlay"; screen >&2; fi
	expect_screen "loss" "$conf: the plots are back"
	expect_screen "gglab> type help or press F1" "$conf: the prompt is back"

	# `help` typed: the same overlay; Esc closes it
	type_line help
	if poll_until 5 title_is "gglab help"; then pass; else fail "$conf: help opens the overlay"; screen >&2; fi
	tm send-keys -t t Escape
	if poll_until 5 overlay_closed; then pass; else fail "$conf: Esc closes the overlay"; screen >&2; fi

	# a reply too long for the log: show, help set
	type_line show
	if poll_until 10 title_is "show"; then pass; else fail "$conf: show opens the overlay"; screen >&2; fi
	expect_screen "momentum" "$conf: the overlay shows the settings"
	tm send-keys -t t Escape
	if poll_until 5 overlay_closed; then pass; else fail "$conf: Esc closes show's overlay"; fi
	expect_screen "show: " "$conf: the log says where show's lines went"
	type_line "help set"
	if poll_until 5 title_is "help set"; then pass; else fail "$conf: help set opens the overlay"; screen >&2; fi
	expect_screen "usage: set" "$conf: help set's text"
	tm send-keys -t t -l q
	poll_until 5 overlay_closed || fail "$conf: q closes help set's overlay"

	# a short reply stays in the log
	type_line "help pause"
	expect_screen "usage: pause" "$conf: help pause shows in the log"
	check "$conf: no overlay for a short reply" overlay_closed

	type_line quit
	expect_screen "gglab-exit=0" "$conf: quit"
	check "$conf: no errors on stderr" clean_stderr
done
finish
