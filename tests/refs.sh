#!/bin/sh
# refs.sh — behaviour kept through redesigns: each script in tests/ref/ is run headless and
# its exports must equal, byte for byte, the ones recorded from an earlier main (tests/ref/
# NAME.csv and NAME.jsonl). The Haswell BLAS kernel is forced so that an Intel and an AMD
# machine do the same float arithmetic; a CPU without AVX2+FMA cannot run it, and the test
# says it skipped. To re-record after a deliberate change of an export: REFS_RECORD=1.
. "${srcdir:-.}/tests/lib.sh"

if ! grep -qw avx2 /proc/cpuinfo || ! grep -qw fma /proc/cpuinfo; then
	echo "SKIP: the references need the Haswell kernel (AVX2+FMA), which this CPU lacks"
	echo "0 passed, 0 failed"
	exit 77
fi
export OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=1
for gg in "$srcdir"/tests/ref/*.gg; do
	name=$(basename "$gg" .gg)
	sed "s|\$OUT|$TMP/$name|g" "$gg" >"$TMP/$name.gg"
	run_gglab --batch "$TMP/$name.gg" --threads 1
	expect_rc 0 "$name.gg runs"
	for ext in csv jsonl; do
		if [ "${REFS_RECORD:-0}" = 1 ]; then
			cp "$TMP/$name.$ext" "$srcdir/tests/ref/$name.$ext"
		fi
		check "$name.$ext is byte-identical to the reference" cmp "$TMP/$name.$ext" "$srcdir/tests/ref/$name.$ext"
	done
done
finish
