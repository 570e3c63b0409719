#!/bin/sh
# sizes.sh — no source file over 800 lines (C sources and headers of src/, include/ and
# tests/). KNOWN lists the files issue 8 is still splitting (drop each when it is done).
. "${srcdir:-.}/tests/lib.sh"

KNOWN=${KNOWN-""}
for f in "$srcdir"/src/*.c "$srcdir"/src/*/*.[ch] "$srcdir"/include/gglab/*.h "$srcdir"/tests/*.[ch]; do
	[ -e "$f" ] || continue
	name=${f#"$srcdir"/}
	n=$(wc -l <"$f")
	case " $KNOWN " in
	*" $name "*) [ "$n" -gt 800 ] && echo "note: $name has $n lines (known, being split)"; continue ;;
	esac
	if [ "$n" -le 800 ]; then pass; else fail "$name has $n lines (at most 800)"; fi
done
check "sources were found" test "$PASSED" -gt 50
finish
