#!/bin/sh
# cursor.sh — the cursor readout, run hide / run show and the run list table (issue 10,
# item 5), at 80×24 and 200×60: `cursor` (and F9) puts a line on the plots and the readout
# of every run's train, test, gap and distance at its step where the log is; Left and Right
# on an empty line move it (with text on the line they edit it), Home goes to the first
# evaluation, Esc takes it off; `run hide` takes a run's curves off the plot and `run show`
# brings them back; `run list` is a table of the runs with the settings they differ in.
. "${srcdir:-.}/tests/tui/lib.sh"

printf '%s\n' 'data spiral n=500; model mlp 16x2; train 300; run new b; set lr 0.05 bs 64; train 300' \
	>"$TMP/two.gg"

cursor_step() {
	screen | sed -n 's/^cursor: step \([0-9]*\).*/\1/p'
}

for conf in "80 24 TERM=xterm-256color" "200 60 TERM=screen-256color NO_COLOR=1"; do
	set -- $conf
	w=$1 h=$2
	shift 2
	start "$w" "$h" "$@" -- -x "$TMP/two.gg"
	expect_screen "script done" "$conf: the script runs"

	# run list (in the overlay where the log is too short): a row per run, the settings they differ in, the latest
	# train/test/gap
	type_line "run list"
	expect_screen "all runs: model mlp" "$conf: run list says what the runs share"
	if screen | grep -qE '^ +run +state +step +epoch +seed +lr +bs +train +test +gap *$'; then pass
	else fail "$conf: run list's header: the differing settings lr and bs, then train test gap"; screen >&2; fi
	if screen | grep -qE '^ +r1 +PAUSED +300 +[0-9.]+ +1 +0\.1 +128 +[0-9]\.[0-9]{3} +[0-9]\.[0-9]{3} +-?[0-9]\.[0-9]{3} *$'; then pass
	else fail "$conf: run list's row of r1"; screen >&2; fi
	if screen | grep -qE '^ ?\* b +PAUSED +300 +[0-9.]+ +2 +0\.05 +64 '; then pass
	else fail "$conf: run list's row of b, the current run"; screen >&2; fi
	# its test value is the status line's
	te=$(screen | sed -n 's/^ \{0,1\}\* b .* \([0-9]\.[0-9]\{3\}\) \+-\{0,1\}[0-9]\.[0-9]\{3\} *$/\1/p')
	if line 1 | grep -q 'run list .*lines 1-'; then
		tm send-keys -t t q
		wait_gone "all runs: model mlp" 5 && pass || fail "$conf: q closes the overlay"
	fi
	case "$(line 1)" in *"test $te "*) pass ;; *) fail "$conf: run list's test of b ($te) is the status line's: $(line 1)" ;; esac

	# the cursor: at the newest evaluation, every run's values there
	type_line "cursor"
	expect_screen "cursor: step 300" "$conf: the cursor starts at the newest evaluation"
	check "$conf: the readout has the current run's values" sh -c "tmux -L $SOCK -f /dev/null capture-pane -p -t t | grep -qE '^\* b +train [0-9.]+  test [0-9.]+  gap -?[0-9.]+  dist [0-9.]+'"
	check "$conf: and the other run's" sh -c "tmux -L $SOCK -f /dev/null capture-pane -p -t t | grep -qE '^  r1 +train [0-9.]+  test [0-9.]+  gap'"
	tb=$(screen | sed -n 's/^\* b  *train [0-9.]*  test \([0-9.]*\) .*/\1/p')
	case "$(line 1)" in *"test $tb "*) pass ;; *) fail "$conf: at the newest step the readout's test ($tb) is the status line's: $(line 1)" ;; esac
	n=$(screen | sed -n '3,14p' | cut -c9- | grep -c '│')
	check "$conf: the cursor's line is on the plot ($n rows)" test "$n" -ge 10
	s0=$(cursor_step)
	tm send-keys -t t Left
	poll_until 5 sh -c "[ \"\$(tmux -L $SOCK -f /dev/null capture-pane -p -t t | sed -n 's/^cursor: step \([0-9]*\).*/\1/p')\" != '$s0' ]"
	s1=$(cursor_step)
	check "$conf: Left moves the cursor back ($s0 -> $s1)" test "${s1:-999}" -lt "$s0"
	tb1=$(screen | sed -n 's/^\* b  *train [0-9.]*  test \([0-9.]*\) .*/\1/p')
	check "$conf: the readout shows the value at the new step ($tb -> $tb1)" test "$tb1" != "$tb"
	tm send-keys -t t Home
	expect_screen "cursor: step 0," "$conf: Home goes to the first evaluation"
	tm send-keys -t t Right
	wait_gone "cursor: step 0," 5 && pass || fail "$conf: Right moves it forward"
	s2=$(cursor_step)
	# with text on the line, the arrows edit it
	tm send-keys -t t -l "ab"
	tm send-keys -t t Left
	tm send-keys -t t -l "X"
	expect_screen "gglab> aXb" "$conf: with text on the line Left edits it"
	check "$conf: and the cursor stays ($s2)" test "$(cursor_step)" = "$s2"
	tm send-keys -t t Escape
	wait_gone "gglab> aXb" 5 && pass || fail "$conf: Esc clears the line first"
	sleep 0.1
	tm send-keys -t t Escape
	wait_gone "cursor: step" 5 && pass || fail "$conf: Esc on an empty line takes the cursor off"
	tm send-keys -t t F9
	expect_screen "cursor: step $s2" "$conf: F9 puts it back where it was"
	type_line "cursor off"
	wait_gone "cursor: step" 5 && pass || fail "$conf: cursor off"

	# run hide / run show
	expect_line 2 ' r1 [-0-9.e]+  .* b [-0-9.e]+( |$)' "$conf: the legend names both runs"
	type_line "run hide r1"
	expect_line 2 ' 1 hidden' "$conf: run hide r1: its curves go, the legend says so"
	check "$conf: r1 is off the legend" sh -c "! tmux -L $SOCK -f /dev/null capture-pane -p -t t | sed -n 2p | grep -q ' r1 '"
	type_line "run hide b"
	expect_screen "b is the current run, whose curves always show" "$conf: the current run cannot be hidden"
	type_line "run show r1"
	expect_line 2 ' r1 [-0-9.e]+  .* b [-0-9.e]+( |$)' "$conf: run show r1 brings it back"
	type_line "run hide zz"
	expect_screen "no run named 'zz' (runs: r1 b)" "$conf: an unknown run is named"
	type_line quit
	expect_screen "gglab-exit=0" "$conf: quit"
	check "$conf: no errors on stderr" clean_stderr
done
finish
