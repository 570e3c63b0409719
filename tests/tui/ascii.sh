#!/bin/sh
# ascii.sh — readable without colour and without Unicode (issue 10, item 6). TERM=linux (no
# braille in the console's font), --ascii and a non-UTF-8 locale give a screen of ASCII
# only, frame included, with the plot drawn in ASCII; the non-UTF-8 locale says once that
# braille needs a UTF-8 locale. Under NO_COLOR the curves carry their legend glyphs along
# them (train and test differ by pattern, not by bold and dim alone).
. "${srcdir:-.}/tests/tui/lib.sh"

# ascii_only: no byte >= 0x80 anywhere on the screen
ascii_only() {
	! screen | LC_ALL=C grep -q "$(printf '[\200-\377]')"
}

# plot_rows: the loss plot's canvas rows (after the y axis' '|')
plot_rows() {
	screen | sed -n '3,16p' | cut -c8-
}

NOTE="is not UTF-8: an ASCII screen; braille needs e.g. LANG=C.UTF-8"
for conf in "80 24 TERM=linux" "200 60 TERM=linux" "80 24 LANG=C LC_ALL=C TERM=xterm-256color" \
	"200 60 LANG=C LC_ALL=C NO_COLOR=1 TERM=screen-256color" "80 24 TERM=xterm-256color -- --ascii"; do
	set -- $conf
	w=$1 h=$2
	shift 2
	start "$w" "$h" "$@"
	expect_screen "train" "$conf: the screen opens"
	expect_line 1 'train [0-9.]+  test [0-9.]+' "$conf: the first evaluation shows"
	sleep 1
	check "$conf: the screen is ASCII only" ascii_only
	ascii_only || screen >&2
	check "$conf: the y axis is drawn in ASCII" on_screen "      |"
	if plot_rows | grep -q '[*o]'; then pass; else fail "$conf: the curves are drawn in ASCII"; screen >&2; fi
	case "$conf" in
	*LANG=C*)
		expect_screen "$NOTE" "$conf: the locale's notice shows"
		n=$(screen | grep -cF "$NOTE")
		check "$conf: the notice shows once ($n)" test "$n" = 1
		tm resize-window -t t -x 90 -y 26 >/dev/null 2>&1
		sleep 1
		n=$(screen | grep -cF "$NOTE")
		check "$conf: a new layout does not repeat it ($n)" test "$n" = 1
		;;
	*)
		check "$conf: no locale notice in a UTF-8 locale" off_screen "$NOTE"
		;;
	esac
	type_line quit
	expect_screen "gglab-exit=0" "$conf: quit"
	check "$conf: no errors on stderr" clean_stderr
done

# NO_COLOR, braille: the train, test and minibatch curves carry their glyphs along them
start 80 24 NO_COLOR=1 TERM=screen-256color --
expect_line 1 'train [0-9.]+  test [0-9.]+' "NO_COLOR: the first evaluation shows"
wait_for "steps"
count() { plot_rows | grep -o "$1" | wc -l; }
both_marked() { [ "$(count "●")" -ge 3 ] && [ "$(count "▲")" -ge 3 ]; }
poll_until 30 both_marked
ntr=$(count "●") nte=$(count "▲")
check "NO_COLOR: the train curve carries its glyph along it ($ntr)" test "$ntr" -ge 3
check "NO_COLOR: the test curve carries its glyph along it ($nte)" test "$nte" -ge 3
[ "$ntr" -ge 3 ] && [ "$nte" -ge 3 ] || screen >&2
type_line quit
expect_screen "gglab-exit=0" "NO_COLOR: quit"
finish
