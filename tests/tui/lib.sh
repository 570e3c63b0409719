# tests/tui/lib.sh — drives the real gglab in a private tmux server (after tmux's own
# regress/ tests): fixed size, UTF-8 locale, its own history directory. Tests wait for text
# with a deadline instead of sleeping, so a slow machine (or a sanitizer build) only makes
# them slower, not flaky. Builds on tests/lib.sh (counters, $TMP, `finish`).
. "${srcdir:-.}/tests/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
	echo "tmux is not installed: skipped"
	exit 77
fi

SOCK=gglab-$$
NSTART=0
DEADLINE=${GGLAB_TUI_DEADLINE:-30}
trap 'tmux -L "$SOCK" kill-server >/dev/null 2>&1; rm -rf "$TMP"' EXIT

tm() {
	tmux -L "$SOCK" -f /dev/null "$@"
}

# start W H [ENV=VALUE ...] -- ARGS...: runs gglab ARGS in a fresh session W×H. The pane
# first prints a marker (to check that quitting brings the normal screen back), then
# gglab's exit status as "gglab-exit=N", and stays open.
start() {
	local w=$1 h=$2
	shift 2
	local envs=""
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		envs="$envs '$1'"
		shift
	done
	[ $# -gt 0 ] && shift
	local args=""
	for a in "$@"; do
		args="$args '$a'"
	done
	mkdir -p "$TMP/state"
	cat >"$TMP/run.sh" <<EOF
#!/bin/sh
export LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen-256color XDG_STATE_HOME='$TMP/state'
export GGLAB_DATA='${GGLAB_DATA:-}' OPENBLAS_NUM_THREADS=1 HOME='$TMP'
unset NO_COLOR
${envs:+export $envs}
echo before-gglab
'$GGLAB' --threads 1 $args 2>'$TMP/stderr'
echo "gglab-exit=\$?"
exec sleep 3600
EOF
	chmod +x "$TMP/run.sh"
	# a new server each time: reusing a socket that is still shutting down races
	tm kill-server >/dev/null 2>&1
	NSTART=$((NSTART + 1))
	SOCK=gglab-$$-$NSTART
	tm new-session -d -x "$w" -y "$h" -s t "$TMP/run.sh"
	tm set-option -g status off >/dev/null 2>&1
}

screen() {
	tm capture-pane -p -t t 2>/dev/null
}

screen_esc() {
	tm capture-pane -p -e -t t 2>/dev/null
}

alive() {
	tm has-session -t t 2>/dev/null
}

# poll_until SECONDS CMD...: runs CMD every 50 ms until it succeeds (0), the session ends
# (1) or SECONDS pass (1). The one waiting loop: tests wait for text with a deadline.
poll_until() {
	local limit=$1 i=0
	shift
	local n=$((limit * 20))
	while [ $i -lt $n ]; do
		"$@" && return 0
		alive || return 1
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

on_screen() { screen | grep -qF -- "$1"; }
off_screen() { ! screen | grep -qF -- "$1"; }
line_matches() { line "$1" | grep -qE -- "$2"; }

# wait_for TEXT [SECONDS]: polls the pane every 50 ms; 0 when TEXT (fixed string) shows.
wait_for() {
	poll_until "${2:-$DEADLINE}" on_screen "$1"
}

# wait_gone TEXT [SECONDS]: until TEXT is no longer on the screen.
wait_gone() {
	poll_until "${2:-$DEADLINE}" off_screen "$1"
}

# expect_screen TEXT DESCRIPTION: waits for TEXT; on failure shows the screen.
expect_screen() {
	if wait_for "$1" "${3:-$DEADLINE}"; then
		pass
	else
		fail "$2: '$1' never showed; the screen was:"
		screen >&2
	fi
}

# Lines of the screen, 1-based.
line() {
	screen | sed -n "${1}p"
}

last_line() {
	screen | sed -n "$(tm display -p -t t '#{pane_height}')p"
}

# The prompt's row: the last one, or from 80x24 the one above the function-key bar.
prompt_line() {
	local h l
	h=$(tm display -p -t t '#{pane_height}')
	l=$(screen | sed -n "${h}p")
	case "$l" in
	F1*) screen | sed -n "$((h - 1))p" ;;
	*) printf '%s\n' "$l" ;;
	esac
}

# The function-key bar as the key table (src/ui/prompt.c) makes it: each F-key with a
# word for the bar, e.g. "F1Help F2Pause ...".
bar_from_table() {
	grep -o 'KEY_F([0-9]*), "[A-Za-z]*"' "$srcdir/src/ui/prompt.c" |
		sed 's/KEY_F(\([0-9]*\)), "\([A-Za-z]*\)"/F\1\2/' | tr '\n' ' ' | sed 's/ $//'
}

# has_braille: the screen shows braille dots (U+2800..U+28FF, UTF-8 e2 a0..a3 xx).
has_braille() {
	screen | LC_ALL=C grep -q "$(printf '\342[\240-\243]')"
}

type_line() {
	tm send-keys -t t -l "$1"
	tm send-keys -t t Enter
}

alt_screen() {
	tm display -p -t t '#{alternate_on}'
}

# The status line's step count ("step 1234" or "step 12.3k").
status_step() {
	line 1 | sed -n 's/.*step \([0-9.]*k\{0,1\}\).*/\1/p'
}

# clean_stderr: gglab wrote no error (and no sanitizer report) on stderr.
clean_stderr() {
	! grep -qiE 'error|sanitizer|leak' "$TMP/stderr"
}

# wait_line N ERE [SECONDS]: until row N of the screen matches the extended regex ERE.
wait_line() {
	poll_until "${3:-$DEADLINE}" line_matches "$1" "$2"
}

# expect_line N ERE DESCRIPTION: waits for row N to match; on failure shows the screen.
expect_line() {
	if wait_line "$1" "$2"; then
		pass
	else
		fail "$3: row $1 never matched '$2'; the screen was:"
		screen >&2
	fi
}
