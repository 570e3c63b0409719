#!/bin/sh
# sizes.sh — no source file over 800 lines (C sources and headers of src/, include/ and
# tests/).
. "${srcdir:-.}/tests/lib.sh"

for f in "$srcdir"/src/*.c "$srcdir"/src/*/*.[ch] "$srcdir"/include/gglab/*.h "$srcdir"/tests/*.[ch]; do
	[ -e "$f" ] || continue
	n=$(wc -l <"$f")
	if [ "$n" -le 800 ]; then pass; else fail "${f#"$srcdir"/} has $n lines (at most 800)"; fi
done
check "sources were found" test "$PASSED" -gt 50
finish
