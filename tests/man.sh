#!/bin/sh
# man.sh — the man page people expect (issue 10, item 10): the sections of htop(1) and
# tmux(1) with what they must hold, every option of --help and every field of a bench line,
# nothing that renders as garbage under LANG=C, and the README's way to read it. (Commands,
# their options and the keys are checked against the real tables by tests/test_man; the
# settings by tests/test_state.)
. "${srcdir:-.}/tests/lib.sh"
MAN=$srcdir/man/gglab.1.in

# the text of one section, .SH NAME to the next .SH
section() { sed -n "/^\.SH $1\$/,/^\.SH /p" "$MAN" | sed 's/\\-/-/g; s/\\f[BIRP]//g'; }
for s in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS ENVIRONMENT FILES "EXIT STATUS" EXAMPLES \
	AUTHORS "REPORTING BUGS" "SEE ALSO"; do
	check "the man page has the section $s" grep -q "^\.SH $s\$" "$MAN"
done
section ENVIRONMENT >"$TMP/env"
for v in TERM LANG LC_ALL NO_COLOR XDG_STATE_HOME GGLAB_DATA OPENBLAS_CORETYPE OPENBLAS_NUM_THREADS GGLAB_BLAS; do
	check "ENVIRONMENT lists $v" grep -qE "^\.BR? .*\<$v\>" "$TMP/env"
done
section FILES >"$TMP/files"
for f in journals/ autosave/ gglab/history fashion-mnist fashion-mini; do
	check "FILES lists $f" grep -q "^\.I.*$f" "$TMP/files"
done
check "FILES says how many journals are kept" grep -q "newest 50" "$TMP/files"
check "FILES says how many autosaves are kept" grep -q "newest 5 " "$TMP/files"
section "SEE ALSO" >"$TMP/see"
for p in "readline (3)" "ncurses (3X)" "tmux (1)" Hoffer Johnson Ciccone Tan Jiang; do
	check "SEE ALSO names $p" grep -q "$p" "$TMP/see"
done
check "no \\(aa or \\(bv glyphs" sh -c "! grep -q '\\\\(aa\\|\\\\(bv' '$MAN'"

# every long option of --help has an entry in OPTIONS, or in MODES for the modes
{ section MODES; section OPTIONS; } >"$TMP/opts"
"$GGLAB" --help | grep -o -- '--[a-z][a-z-]*' | sort -u >"$TMP/longs"
check "--help lists options" test "$(wc -l <"$TMP/longs")" -gt 10
while read -r o; do
	check "OPTIONS has $o" grep -qE "^\.B[IR]? .*$o\>" "$TMP/opts"
done <"$TMP/longs"

# every field of a bench line is in the man page
"$GGLAB" --threads 1 bench 0.1 32 2>/dev/null | grep '^batch=' | tr ' ' '\n' | sed 's/=.*/=/' >"$TMP/fields"
check "bench prints its fields" test "$(wc -l <"$TMP/fields")" -gt 10
while read -r f; do
	check "the man page names bench's $f" grep -q "^\.BR\? $f" "$MAN"
done <"$TMP/fields"

# LANG=C: plain ASCII, as man renders it
if command -v man >/dev/null 2>&1 && [ -f man/gglab.1 ]; then
	LANG=C LC_ALL=C man -l man/gglab.1 2>/dev/null >"$TMP/rendered"
	check "man renders the page" test -s "$TMP/rendered"
	check "under LANG=C the page is ASCII" sh -c "! LC_ALL=C grep -q '[^ -~	]' '$TMP/rendered'"
fi

check "the README says how to read the page before installing" grep -q 'man ./man/gglab.1' "$srcdir/README"
check "the README's set-up line installs git" grep -q 'apt-get install.* git ' "$srcdir/README"
finish
