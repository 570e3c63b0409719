#!/bin/sh
# screens.sh — the screen looks exactly as recorded: `gglab --view` of fixed metrics files
# (tests/tui/screens/*.jsonl: the exports of tests/ref/*.gg at the time of recording), at
# 80x24, 120x40 and 200x60, braille and ASCII, through the screen commands (views, axes,
# smoothing, zoom, instruments) and the help's keys. Each picture is compared character for
# character with tests/tui/screens/NAME.txt; SCREENS_RECORD=1 records them.
# SCREENS_OUT=DIR also keeps every capture with its colours (capture-pane -e) in DIR.
. "${srcdir:-.}/tests/tui/lib.sh"

GOLD="$srcdir/tests/tui/screens"
[ -n "${SCREENS_RECORD:-}" ] && mkdir -p "$GOLD"

# settle: waits until the screen stops changing (three equal captures 150 ms apart)
settle() {
	local prev="" same=0 i=0 cur
	while [ $i -lt 200 ] && [ $same -lt 3 ]; do
		cur=$(screen_esc)
		if [ "$cur" = "$prev" ]; then same=$((same + 1)); else same=0; fi
		prev=$cur
		sleep 0.15
		i=$((i + 1))
	done
}

# shot NAME [ROWS]: compares the screen (or its first ROWS rows; the temporary directory's
# name replaced) with NAME.txt
shot() {
	settle
	screen | sed "s|$TMP|TMP|g" | sed -n "1,${2:-\$}p" >"$TMP/shot.txt"
	[ -n "${SCREENS_OUT:-}" ] && screen_esc | sed "s|$TMP|TMP|g" >"$SCREENS_OUT/$1.esc"
	if [ -n "${SCREENS_RECORD:-}" ]; then
		cp "$TMP/shot.txt" "$GOLD/$1.txt"
		pass
	elif cmp -s "$TMP/shot.txt" "$GOLD/$1.txt"; then
		pass
	else
		fail "screen $1 differs from tests/tui/screens/$1.txt:"
		diff "$GOLD/$1.txt" "$TMP/shot.txt" >&2
	fi
}

# scenario NAME FILE W H [gglab options]: views FILE and walks through the screen commands
scenario() {
	local name=$1 file=$2 w=$3 h=$4
	shift 4
	cp "$GOLD/$file.jsonl" "$TMP/$file.jsonl"
	start "$w" "$h" -- "$@" --view "$TMP/$file.jsonl"
	wait_for "viewing 1 file" || { fail "$name: --view never opened"; screen >&2; return; }
	shot "$name-start"
	for step in "view gap:gap" "view dist:dist" "view inst:inst" "view boundary:boundary" \
		"view auto; logy on; metric err:logy-err" "metric loss; logy off; smooth 0.3:smooth" \
		"smooth 0; xaxis epochs:epochs" "xaxis log:logx" "xaxis steps; zoom 100:zoom" \
		"follow off; zoom all:follow" "follow on; plot wnorm grad_norm; view inst:plot"; do
		type_line "${step%%:*}"
		shot "$name-${step##*:}"
	done
	type_line quit
	wait_for "gglab-exit=0" || fail "$name: quit"
}

# the help screen's keys (the rows above the commands, which come from the command table)
help_keys() {
	cp "$GOLD/nais.jsonl" "$TMP/nais.jsonl"
	start "$1" "$2" -- --view "$TMP/nais.jsonl"
	wait_for "viewing 1 file" || { fail "help: --view never opened"; return; }
	tm send-keys -t t F1
	wait_for "gglab help" || fail "F1 opens the help"
	shot "help$1" 21
	tm send-keys -t t q
	wait_gone "gglab help" || fail "a key closes the help"
	type_line quit
	wait_for "gglab-exit=0" || fail "help: quit"
}

scenario nais80 nais 80 24
scenario nais200 nais 200 60
scenario runs80 runs 80 24
scenario runs200 runs 200 60
scenario spiral120 spiral 120 40
scenario spiral80a spiral 80 24 --ascii
help_keys 80 24
help_keys 200 60
finish
