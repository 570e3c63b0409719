#!/bin/sh
# fkeys.sh — the function-key bar and Ctrl-Z (issue 10, item 3): from 80 columns the last
# row is the bar, exactly as the key table (src/ui/prompt.c) makes it, with the prompt
# above it; below 80x24 there is no bar. Ctrl-Z, with gglab run by an interactive shell in
# the pane, gives the shell its prompt back on the normal screen; `fg` brings gglab back,
# redrawn whole (status line, plot, bar, prompt), and it still takes commands. A SIGTSTP
# from elsewhere does the same. At 80x24 and 200x60, screen-256color and xterm-256color,
# with NO_COLOR.
. "${srcdir:-.}/tests/tui/lib.sh"

want=$(bar_from_table)
check "the key table has the bar's keys" test -n "$want"
bar_ok() { [ "$(last_line | sed 's/ *$//')" = "$want" ]; }

# gglab under an interactive shell (job control), in a W×H session
start_shell() {
	mkdir -p "$TMP/state"
	cat >"$TMP/env.sh" <<EOF2
export LANG=C.UTF-8 LC_ALL=C.UTF-8 XDG_STATE_HOME='$TMP/state' GGLAB_DATA='${GGLAB_DATA:-}'
export OPENBLAS_NUM_THREADS=1 HOME='$TMP' PS1='shell\$ ' $3
EOF2
	tm kill-server >/dev/null 2>&1
	NSTART=$((NSTART + 1))
	SOCK=gglab-$$-$NSTART
	tm new-session -d -x "$1" -y "$2" -s t "ENV='$TMP/env.sh' sh -i"
	tm set-option -g status off >/dev/null 2>&1
	wait_for 'shell$' 10 || fail "the shell starts"
	type_line ". '$TMP/env.sh'; '$GGLAB' --threads 1 --fps 20 2>'$TMP/stderr'"
}

for conf in "80 24 TERM=screen-256color" "200 60 TERM=xterm-256color NO_COLOR=1" \
	"80 24 TERM=xterm-256color"; do
	set -- $conf
	start_shell "$1" "$2" "$3${4:+ $4}"
	expect_screen "RUNNING" "$conf: training starts"
	if poll_until 5 bar_ok; then pass; else fail "$conf: the bar is '$(last_line)', the table makes '$want'"; fi
	check "$conf: the prompt above the bar" sh -c "tmux -L $SOCK -f /dev/null capture-pane -p -t t | tail -2 | head -1 | grep -q '^gglab> '"
	check "$conf: no 'F1 help' left on the status line" sh -c "! tmux -L $SOCK -f /dev/null capture-pane -p -t t | head -1 | grep -q 'F1 help'"

	# Ctrl-Z: the shell's prompt on the normal screen
	tm send-keys -t t C-z
	expect_screen "Stopped" "$conf: Ctrl-Z stops gglab as a job"
	if poll_until 5 sh -c "[ \"\$(tmux -L $SOCK -f /dev/null display -p -t t '#{alternate_on}')\" = 0 ]"; then pass; else fail "$conf: the normal screen is back"; fi
	check "$conf: the shell's prompt" sh -c "tmux -L $SOCK -f /dev/null capture-pane -p -t t | grep -v '^\$' | tail -1 | grep -q '^shell\\\$'"
	check "$conf: no plot left on the shell's screen" sh -c "! tmux -L $SOCK -f /dev/null capture-pane -p -t t | grep -q 'loss (log)'"

	# fg: redrawn whole
	type_line fg
	expect_screen "loss (log)" "$conf: fg brings the plot back"
	if poll_until 5 bar_ok; then pass; else fail "$conf: fg brings the bar back: '$(last_line)'"; fi
	expect_line 1 "step [0-9.k]+ .*(RUNNING|PAUSED)" "$conf: fg brings the status line back"
	expect_screen "gglab> type help or press F1" "$conf: fg brings the prompt back"
	check "$conf: the alternate screen again" test "$(alt_screen)" = 1
	type_line "set lr 0.05"
	expect_screen "lr 0.1 -> 0.05" "$conf: commands work after fg"

	# a SIGTSTP from elsewhere suspends the same way
	pid=$(pgrep -P "$(tm display -p -t t '#{pane_pid}')" || true)
	check "$conf: gglab's pid is the shell's child" test -n "$pid"
	if [ -n "$pid" ]; then
		kill -TSTP "$pid"
		expect_screen "Stopped" "$conf: SIGTSTP suspends"
		type_line fg
		if poll_until 10 bar_ok; then pass; else fail "$conf: fg after SIGTSTP redraws: '$(last_line)'"; fi
	fi
	type_line quit
	expect_screen 'shell$' "$conf: quit gives the shell back"
	check "$conf: no errors on stderr" clean_stderr
done

# below 80 columns: no bar, the prompt on the last row
start 79 24 --
expect_screen "terminal too small" "79x24: the notice"
case "$(last_line)" in "gglab> "*) pass ;; *) fail "79x24: the prompt is the last row: $(last_line)" ;; esac
type_line quit
expect_screen "gglab-exit=0" "79x24: quit"
finish
