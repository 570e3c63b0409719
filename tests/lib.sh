# lib.sh — shared by the shell tests: counters, checks, and a private temporary directory.
# Each test script sources it, calls the check functions, and ends with `finish`, which
# prints "N passed, N failed" and sets the exit status.
set -u
GGLAB=${GGLAB:-./gglab}
srcdir=${srcdir:-.}
PASSED=0
FAILED=0
TMP=$(mktemp -d /tmp/gglab-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

pass() { PASSED=$((PASSED + 1)); }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $*" >&2; }

# check DESCRIPTION COMMAND...: the command must succeed
check() {
	local what=$1; shift
	if "$@"; then pass; else fail "$what"; fi
}

# run_gglab ARGS...: runs gglab, leaving $OUT, $ERR and $RC
run_gglab() {
	"$GGLAB" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
	RC=$?
	OUT=$(cat "$TMP/out")
	ERR=$(cat "$TMP/err")
}

# expect_rc N DESCRIPTION
expect_rc() {
	if [ "$RC" -eq "$1" ]; then pass; else fail "$2: exit status $RC, expected $1; stderr: $ERR"; fi
}

# expect_err PHRASE DESCRIPTION: stderr contains PHRASE (fixed string)
expect_err() {
	if printf '%s' "$ERR" | grep -qF -- "$1"; then pass; else fail "$2: stderr lacks '$1': $ERR"; fi
}

expect_out() {
	if printf '%s' "$OUT" | grep -qF -- "$1"; then pass; else fail "$2: stdout lacks '$1': $OUT"; fi
}

# two_runs FILE: the figure tests' subject, a short seeded script of two runs on xor (r1 at
# bs 32, then big forked from it at bs 128 and lr 0.3: a marker); the caller appends to it
two_runs() {
	cat >"$1" <<'GG'
data xor n=400
model mlp 16x1
opt sgd lr=0.1
set bs 32
train 120
fork big
set bs 128 lr 0.3
train -a 200
GG
}

finish() {
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}
