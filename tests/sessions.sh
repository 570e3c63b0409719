#!/bin/sh
# sessions.sh — gglab without a terminal (issue 10, item 8): with nothing coming on
# standard input (`ssh host gglab` without -t) it says to use ssh -t or --batch instead of
# waiting silently, and says nothing when a script does come; --sessions on an empty state
# directory lists nothing and says how to resume.
. "${srcdir:-.}/tests/lib.sh"
export XDG_STATE_HOME=$TMP/state

(sleep 3) | "$GGLAB" >"$TMP/out" 2>"$TMP/err" &
sleep 2
check "silent standard input: gglab says to use ssh -t" grep -q "ssh -t" "$TMP/err"
check "or --batch" grep -q -- "--batch FILE" "$TMP/err"
wait
printf 'data spiral n=400\ntrain 5\n' | "$GGLAB" >"$TMP/out" 2>"$TMP/err"
check "a piped script runs" test $? = 0
check "a piped script gets no such hint" sh -c "! grep -q 'ssh -t' '$TMP/err'"

"$GGLAB" --sessions >"$TMP/out"
check "--sessions with none: 0 autosaves" grep -q "^autosaves in $TMP/state/gglab/autosave (0;" "$TMP/out"
check "--sessions with none: 0 journals" grep -q "^journals in $TMP/state/gglab/journals (0;" "$TMP/out"
check "--sessions says how to resume" grep -q "gglab --resume PATH" "$TMP/out"
finish
