#!/bin/sh
# keys.sh — keys as the man page says (issue 10, item 3, in part): Ctrl-C clears the line
# and Ctrl-_ brings it back; Esc alone clears a half-typed line without turning the next key
# into Meta (Esc-f must not become forward-word), while keys that send Esc sequences (Home,
# End, arrows) still edit; Esc closes the help; End pressed in the help types nothing on the
# prompt. At 80×24 and 200×60, under screen-256color and xterm-256color, with NO_COLOR.
. "${srcdir:-.}/tests/tui/lib.sh"

prompt_is() { [ "$(prompt_line)" = "gglab> $1" ]; }

# expect_prompt TEXT WHAT: the prompt row becomes exactly "gglab> TEXT"
expect_prompt() {
	if poll_until 5 prompt_is "$1"; then pass; else fail "$conf: $2: the prompt is '$(prompt_line)'"; fi
}

for conf in "80 24 TERM=screen-256color" "200 60 TERM=xterm-256color NO_COLOR=1" \
	"80 24 TERM=xterm-256color"; do
	set -- $conf
	w=$1 h=$2
	shift 2
	start "$w" "$h" "$@" --
	expect_screen "RUNNING" "$conf: training starts"
	tm send-keys -t t -l "set lr 0.3"
	expect_prompt "set lr 0.3" "typed"
	tm send-keys -t t C-c
	wait_for "type help or press F1" 5 && pass || fail "$conf: Ctrl-C clears the line: $(prompt_line)"
	tm send-keys -t t C-_
	expect_prompt "set lr 0.3" "Ctrl-_ brings the line back"
	tm send-keys -t t Escape
	wait_for "type help or press F1" 5 && pass || fail "$conf: Esc clears the line: $(prompt_line)"
	tm send-keys -t t C-_
	expect_prompt "set lr 0.3" "Ctrl-_ brings it back after Esc too"
	tm send-keys -t t Escape
	sleep 0.2
	tm send-keys -t t -l "f"
	expect_prompt "f" "the key after Esc is itself, not Meta"
	tm send-keys -t t -l "oo"
	tm send-keys -t t Home
	tm send-keys -t t -l "X"
	tm send-keys -t t End
	tm send-keys -t t -l "Y"
	tm send-keys -t t Left
	tm send-keys -t t -l "Z"
	expect_prompt "XfooZY" "Home, End and Left still edit"
	tm send-keys -t t C-e C-u
	wait_for "type help or press F1" 5 >/dev/null

	# the help: End scrolls it and types nothing; Esc closes it
	tm send-keys -t t F1
	expect_screen "gglab help" "$conf: F1 opens the help"
	tm send-keys -t t End
	sleep 0.2
	tm send-keys -t t Escape
	wait_gone "gglab help" 5 && pass || fail "$conf: Esc closes the help"
	expect_prompt "type help or press F1 · Tab completes · q quits" "End in the help types nothing"
	type_line quit
	expect_screen "gglab-exit=0" "$conf: quit"
	check "$conf: no errors on stderr" clean_stderr
done
finish
