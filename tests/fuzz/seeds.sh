#!/bin/sh
# seeds.sh — every fuzz target (built against driver.c, without libFuzzer) goes through its
# whole seed corpus: the harnesses build and run, and the seeds are inputs they accept
# without a crash or a sanitizer report (under --enable-sanitize too).
. "${srcdir:-.}/tests/lib.sh"
for t in idx ckpt load view remote; do
	bin=${builddir:-.}/tests/fuzz/replay_$t
	check "replay_$t is built" test -x "$bin"
	[ -x "$bin" ] || continue
	"$bin" "$srcdir"/tests/fuzz/corpus/$t/* >"$TMP/out" 2>"$TMP/err"
	RC=$?
	ERR=$(cat "$TMP/err")
	expect_rc 0 "the $t seeds"
	n=$(ls "$srcdir"/tests/fuzz/corpus/$t | wc -l)
	check "every $t seed went through ($n)" test "$(grep -c ': ok (' "$TMP/out")" -eq "$n"
done
finish
