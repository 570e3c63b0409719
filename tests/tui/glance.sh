#!/bin/sh
# glance.sh — what is happening now, at a glance (issue 10, items 1 and 2): the status line
# carries the current run's latest train and test loss and their gap (error rates under
# `metric err`), labelled; the default setup trains a stated number of epochs and then
# pauses, saying so; the event log wraps at word boundaries, and while it is scrolled back
# the indicator has a row of its own. At 80×24 and 200×60, under screen-256color and
# xterm-256color, with and without NO_COLOR.
. "${srcdir:-.}/tests/tui/lib.sh"

MSG="gglab: training the default setup for 40 epochs, then it pauses; type help or press F1"

# wrapped_msg: the rows of the log that hold $MSG, joined again, give $MSG: each row ends
# at a word (a row broken inside a word would join as "pr ess")
wrapped_msg() {
	screen | awk -v msg="$MSG" '
		index($0, "gglab: training the default") == 1 { text = $0; on = 1; next }
		on && /^  [^ ]/ { sub(/^  /, ""); text = text " " $0; next }
		on { on = 0 }
		END { sub(/ +$/, "", text); exit text == msg ? 0 : 1 }'
}

for conf in "80 24 TERM=screen-256color" "200 60 TERM=xterm-256color NO_COLOR=1" \
	"80 24 TERM=xterm-256color NO_COLOR=1" "200 60 TERM=screen-256color"; do
	set -- $conf
	w=$1 h=$2
	shift 2
	start "$w" "$h" "$@" --
	expect_screen "gglab: training the default setup" "$conf: the start says what trains"
	if [ "$w" = 80 ]; then
		check "$conf: the start message wraps at word boundaries" wrapped_msg
	else
		check "$conf: the start message fits one row" on_screen "$MSG"
	fi
	expect_screen "reached its goal at step 625 (epoch 40.00) and pauses" "$conf: the default pauses after 40 epochs"
	expect_line 1 'train [0-9]+\.[0-9]{3}  test [0-9]+\.[0-9]{3}  gap -?[0-9]+\.[0-9]{3} .*PAUSED' \
		"$conf: the status line shows train, test and gap"
	# gap = test - train, to the rounding of the shown values
	l1=$(line 1)
	ok=$(printf '%s\n' "$l1" | awk '{ for (i = 1; i < NF; i++) v[$i] = $(i + 1)
		d = v["test"] - v["train"] - v["gap"]; print (d < 0.0015 && d > -0.0015) ? "yes" : "no" }')
	check "$conf: the gap is test - train: $l1" test "$ok" = yes
	if [ "$w" = 200 ]; then
		case "$l1" in *"mlp 784-128x2-10"*"step 625"*"bs 128"*"lr 0.1"*) pass ;;
		*) fail "$conf: at 200 columns the model, step, bs and lr stay: $l1" ;; esac
	fi
	type_line "metric err"
	expect_line 1 'train [0-9]+\.[0-9]% ±[0-9.]+  test [0-9]+\.[0-9]% ±[0-9.]+  gap -?[0-9]+\.[0-9]%' \
		"$conf: metric err: the status line shows error rates with their standard errors"
	type_line "metric loss"
	expect_line 1 'train [0-9]+\.[0-9]{3}  test' "$conf: metric loss: losses again"

	# the log scrolled back: the indicator on a row of its own, the entries above it
	for i in 1 2 3 4 5 6; do
		type_line "frobnicate $i"
	done
	expect_screen "> frobnicate 6" "$conf: the commands are echoed in the log" 5
	tm send-keys -t t S-PPage
	if wait_for "newer below (Shift-PgDn)" 5; then pass; else fail "$conf: Shift-PgUp scrolls the log back"; screen >&2; fi
	# a row of its own: nothing else on it
	if screen | grep -qE '^ [0-9]+ newer below \(Shift-PgDn\) *$'; then pass
	else fail "$conf: the indicator overprints nothing"; screen >&2; fi
	tm send-keys -t t S-NPage
	wait_gone "newer below" 5 && pass || fail "$conf: Shift-PgDn comes back to the newest"
	type_line quit
	expect_screen "gglab-exit=0" "$conf: quit"
	check "$conf: no errors on stderr" clean_stderr
done
finish
