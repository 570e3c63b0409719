#!/bin/sh
# measure-runs.sh — K runs side by side: the total training throughput of K runs (one MLP
# on Fashion-MNIST with K seeds, trained together with `train -a`) against one run on one
# core (--workers 1, row "1w"), K = 1 2 4 8, interleaved round by round. The target is
# >= 0.85 * min(K, cores) x one run's on one core. K = 1 is one run alone with the
# defaults, whose step may split over the cores. A benchmark, not a test: it is not part
# of make check.
#   usage: tests/measure-runs.sh [ROUNDS] [STEPS]   (GGLAB=path, KS="1 2 4 8", ARGS="--threads auto")
set -u
GGLAB=${GGLAB:-./gglab}
ROUNDS=${1:-3}
STEPS=${2:-300}
KS=${KS:-1 2 4 8}
ARGS=${ARGS:-}
TMP=$(mktemp -d /tmp/gglab-runs.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
cores=$(nproc)
echo "# cpu: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1) ($cores cores)"
"$GGLAB" $ARGS --version | sed -n 's/^/# gglab: /p'
echo "# each run: mlp 256x2 relu, bs 128, $STEPS steps; gglab $ARGS"
# Each K is timed at STEPS and at 2*STEPS steps and the difference is used, so loading the
# data and the evaluations at the start and the end (the same in both) cancel out.
for K in $KS; do
	for n in "$STEPS" $((2 * STEPS)); do
		{
			echo "data fashion n=10000"
			echo "model mlp 256x2 act=relu"
			echo "set bs 128 eval 100000"
			i=2
			while [ "$i" -le "$K" ]; do echo "run new r$i seed=$i"; i=$((i + 1)); done
			echo "train -a $n"
		} >"$TMP/k$K-$n.gg"
	done
done
timed() { # timed FILE [ARGS...]: seconds, or nothing on failure
	f=$1
	shift
	t0=$(date +%s.%N)
	"$GGLAB" $ARGS "$@" --batch "$f" >/dev/null 2>"$TMP/err" || return 1
	t1=$(date +%s.%N)
	echo "$t0 $t1" | awk '{ print $2 - $1 }'
}
echo "round K seconds_for_${STEPS}_more_steps samples_per_s"
for r in $(seq 1 "$ROUNDS"); do
	for K in 1w $KS; do
		k=${K%w}
		extra=
		[ "$K" = 1w ] && extra="--workers 1"
		a=$(timed "$TMP/k$k-$STEPS.gg" $extra) && b=$(timed "$TMP/k$k-$((2 * STEPS)).gg" $extra) ||
			{ echo "$r $K failed: $(tail -n 1 "$TMP/err")"; continue; }
		echo "$r $K $a $b" | awk -v s="$STEPS" -v k="$k" '{ t = $4 - $3; printf "%s %s %.2f %.0f\n", $1, $2, t, k * s * 128 / t }'
	done
done | tee "$TMP/rows"
echo "# median samples/s, speed-up over one run on one core (1w), target 0.85*min(K,$cores):"
base=$(awk '$2 == "1w" { print $4 }' "$TMP/rows" | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }')
for K in $KS; do
	awk -v k="$K" '$2 == k { print $4 }' "$TMP/rows" | sort -n | awk -v k="$K" -v b="${base:-0}" -v c="$cores" '
		{ v[NR] = $1 } END { if (!NR || !b) exit; m = v[int((NR + 1) / 2)]; t = 0.85 * ((k < c) ? k : c)
		printf "#   K=%s: %.0f samples/s, %.2fx (target %.2fx) %s\n", k, m, m / b, t, (m / b >= t) ? "ok" : "BELOW" }'
done
