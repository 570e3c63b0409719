#!/bin/sh
# fuzzparse.sh — the parser's fuzz target (tests/fuzz/fuzz_parse.c) as a plain driver over
# its seed corpus: every call of every line prints canonically and parses back to itself,
# every error names its line, and nothing crashes. Also a few inputs it must survive.
. "${srcdir:-.}/tests/lib.sh"
FUZZ=${GGLAB%/*}/tests/fuzz/fuzz_parse
corpus="$srcdir/tests/fuzz/corpus/parse"

n=0
for f in "$corpus"/*.gg; do
	if "$FUZZ" "$f" >"$TMP/out" 2>"$TMP/err"; then pass; else fail "$f: $(cat "$TMP/err")"; fi
	n=$((n + 1))
done
check "the seed corpus has scripts and one-liners" test "$n" -ge 20

# bytes a script never has: NULs, a line of 100 000 quotes, control characters
printf 'train 1\000; set lr 0.1\n\001\002\377 "\n' >"$TMP/bin"
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "\""; print "" }' >"$TMP/quotes"
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "at 1 "; print "pause" }' >"$TMP/deep"
for f in "$TMP/bin" "$TMP/quotes" "$TMP/deep"; do
	if "$FUZZ" "$f" >"$TMP/out" 2>"$TMP/err"; then pass; else fail "${f##*/}: $(cat "$TMP/err")"; fi
done

finish
