#!/bin/sh
# headers.sh — every header compiles on its own: a file that includes it (twice, for the
# guard) and nothing else builds without a warning, with the project's include paths.
# Not checked: src/nn/optim_kernels.h, a template that optim.c includes once per
# instruction set (it is no header of its own).
. "${srcdir:-.}/tests/lib.sh"

CC=${CC:-cc}
srcdir=$(cd "$srcdir" && pwd)
for h in "$srcdir"/include/gglab/*.h "$srcdir"/src/*/*.h; do
	case $h in */optim_kernels.h) continue ;; esac
	printf '#include "%s"\n#include "%s"\n' "$h" "$h" >"$TMP/one.c"
	# shellcheck disable=SC2086
	if $CC -std=c11 -D_GNU_SOURCE -I"$srcdir/include" ${GG_CPPFLAGS:-} -Wall -Wextra \
		-Wstrict-prototypes -Werror -fsyntax-only "$TMP/one.c" 2>"$TMP/cc.err"; then
		pass
	else
		fail "${h#"$srcdir"/} does not compile on its own: $(head -3 "$TMP/cc.err")"
	fi
done
check "headers were found" test "$PASSED" -gt 10
finish
