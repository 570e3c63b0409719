#!/bin/sh
# complete.sh — Tab completion knows the grammar (issue 10, item 4): `run use ` offers run
# names only, `data ` the data sets, `model ` the kinds, `norm=` its values, a file name
# where a path goes; the list shows once in the event log, not again on every Tab. At 80×24
# and 200×60, under screen-256color and xterm-256color, with NO_COLOR.
. "${srcdir:-.}/tests/tui/lib.sh"

mkdir -p "$TMP/d"
: >"$TMP/d/alpha.gg"
: >"$TMP/d/beta.ckpt"

# tab3 LINE EXPECTED WHAT: types LINE, presses Tab three times; the log then holds exactly one
# row "completions: EXPECTED"
tab3() {
	tm send-keys -t t C-u
	tm send-keys -t t -l "$1"
	tm send-keys -t t Tab Tab
	sleep 0.2
	tm send-keys -t t Tab
	sleep 0.3
	if wait_for "completions: $2" 5; then
		n=$(screen | grep -cx "completions: $2")
		check "$conf: $3, listed once ($n rows)" test "$n" = 1
	else
		fail "$conf: $3: 'completions: $2' never showed"
		screen >&2
	fi
}

for conf in "80 24 TERM=screen-256color" "200 60 TERM=xterm-256color NO_COLOR=1"; do
	set -- $conf
	w=$1 h=$2
	shift 2
	start "$w" "$h" "$@" --
	expect_screen "RUNNING" "$conf: training starts"
	# until paused: the default's goal could be reached mid-test, and its messages would
	# push a usage line out of the log before it is read (seen under the sanitizers)
	type_line "train"
	expect_screen "until 'pause'" "$conf: training without a goal"
	type_line "fork"
	expect_screen "exact copy of r1" "$conf: a second run"
	tab3 "run use " "r1 r1.f1" "run use offers the run names only"
	tab3 "data " "cifar10 circles fashion gauss spiral teacher xor" "data offers the data sets"
	tab3 "model " "cnn mlp nais resnet" "model offers the kinds"
	tab3 "model mlp 8x1 norm=" "bn gbn none" "norm= offers its values"
	# file names (full paths: wrapped at 80 columns, so looked for one by one)
	tm send-keys -t t C-u
	tm send-keys -t t -l "source $TMP/d/"
	tm send-keys -t t Tab Tab
	sleep 0.2
	tm send-keys -t t Tab
	if wait_for "d/beta.ckpt" 5 && on_screen "completions: $TMP/d/alpha.gg"; then
		n=$(screen | grep -c "^completions: $TMP/d/alpha.gg")
		check "$conf: source offers file names, listed once ($n rows)" test "$n" = 1
	else
		fail "$conf: source offers file names"
		screen >&2
	fi
	# a new line lists again: the log's newest row is the list once more
	tm send-keys -t t C-u
	type_line "help zoom"
	expect_screen "usage: zoom" "$conf: help zoom"
	tm send-keys -t t -l "model "
	tm send-keys -t t Tab Tab
	expect_line $((h - 2)) "^completions: cnn mlp nais resnet" "$conf: a new line lists again"
	tm send-keys -t t C-u
	type_line quit
	expect_screen "gglab-exit=0" "$conf: quit"
	check "$conf: no errors on stderr" clean_stderr
done
finish
