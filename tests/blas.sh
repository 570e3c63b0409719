#!/bin/sh
# blas.sh — the kernel choice with the real binary: --version names the kernel, the CPU's
# capability and the thread count; a library that fell short is overridden by re-executing
# (GGLAB_BLAS_PRETEND plays the library choosing Prescott); GGLAB_BLAS=keep and a user's
# OPENBLAS_CORETYPE are respected.
. "${srcdir:-.}/tests/lib.sh"

run_gglab --version
expect_rc 0 "--version"
expect_out "blas_core=" "--version names the kernel"
expect_out "cpu=" "--version names the CPU's capability"
expect_out "threads=auto" "--version names the thread count (auto by default)"

run_gglab --threads 2 --version
expect_out "threads=2" "the thread count follows --threads"

run_gglab -c "data xor n=100; show"
expect_err "blas_core=" "show names the kernel"
expect_err "threads=auto" "show names the thread setting"

OPENBLAS_CORETYPE=Prescott run_gglab --version
expect_out "blas_core=Prescott" "a user's OPENBLAS_CORETYPE is used"
expect_out "set by the user" "and said to be the user's"

best=$(env -u OPENBLAS_CORETYPE "$GGLAB" --version | sed -n 's/.*blas_core=\([A-Za-z]*\).*/\1/p')
case "$best" in
Sandybridge|Haswell|Zen|SkylakeX|Cooperlake|SapphireRapids)
	env -u OPENBLAS_CORETYPE GGLAB_BLAS_PRETEND=Prescott "$GGLAB" --version >"$TMP/out" 2>&1
	OUT=$(cat "$TMP/out")
	expect_out "library picked Prescott" "a weaker kernel than the CPU's is overridden"
	check "and the re-executed gglab runs a kernel of the CPU's ($OUT)" sh -c "! grep -q 'blas_core=Prescott' '$TMP/out'"
	env -u OPENBLAS_CORETYPE GGLAB_BLAS=keep GGLAB_BLAS_PRETEND=Prescott "$GGLAB" --version >"$TMP/out" 2>&1
	OUT=$(cat "$TMP/out")
	expect_out "GGLAB_BLAS=keep" "GGLAB_BLAS=keep turns it off"
	;;
*)
	echo "SKIP: this CPU has no kernel better than the baseline ($best): the switch is not exercised"
	;;
esac
finish
