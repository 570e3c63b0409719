#!/bin/sh
# measure-attach.sh — what watching costs the lab (issue 14): training throughput of a
# headless lab alone, with --listen and no viewer, and with --listen and two `gglab attach`
# screens (100x30, in a private tmux server, drawing at their default 10 frames/s),
# interleaved round by round. The target: two viewers keep >= 97 % of the throughput of
# none. A benchmark, not a test: it is not part of make check.
#   usage: tests/measure-attach.sh [ROUNDS] [STEPS]   (GGLAB=path)
# Each condition is timed at STEPS and at 2*STEPS steps and the difference used, so loading
# the data and starting (the same in both) cancel out. The viewers run on the same
# machine, so on a machine with few cores their drawing competes with training for CPU.
set -u
GGLAB=${GGLAB:-./gglab}
ROUNDS=${1:-3}
STEPS=${2:-2000}
TMP=$(mktemp -d /tmp/gglab-attach.XXXXXX)
TM="tmux -L gglab-measure-$$ -f /dev/null"
trap '$TM kill-server >/dev/null 2>&1; rm -rf "$TMP"' EXIT
echo "# cpu: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1) ($(nproc) cores), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# lab: mlp 256x2 relu on Fashion-MNIST n=10000, bs 128, --threads 1; $STEPS and $((2 * STEPS)) steps"
for n in "$STEPS" $((2 * STEPS)); do
	printf 'data fashion n=10000\nmodel mlp 256x2 act=relu\nset bs 128\ntrain %d\n' "$n" >"$TMP/s$n.gg"
done

# run COND N: seconds for one lab of N steps under COND (plain, listen, viewers)
run() {
	local cond=$1 n=$2 sock="$TMP/lab.sock" args=""
	[ "$cond" = plain ] || args="--listen=$sock"
	local t0 t1
	t0=$(date +%s.%N)
	OPENBLAS_NUM_THREADS=1 "$GGLAB" --threads 1 --batch "$TMP/s$n.gg" $args 2>"$TMP/err" &
	local lab=$!
	if [ "$cond" = viewers ]; then
		local i=0
		while [ ! -S "$sock" ] && [ $i -lt 200 ]; do sleep 0.01; i=$((i + 1)); done
		for v in 1 2; do
			$TM new-session -d -x 100 -y 30 -s "v$v" \
				"env TERM=screen-256color LANG=C.UTF-8 '$GGLAB' attach '$sock' 2>/dev/null"
		done
	fi
	wait $lab
	t1=$(date +%s.%N)
	if [ "$cond" = viewers ] && ! grep -q "viewer 2 attached" "$TMP/err"; then
		echo "# warning: the viewers did not attach in time" >&2
	fi
	$TM kill-server >/dev/null 2>&1
	echo "$t0 $t1" | awk '{ printf "%.3f", $2 - $1 }'
}

for r in $(seq 1 "$ROUNDS"); do
	for cond in plain listen viewers; do
		a=$(run "$cond" "$STEPS")
		b=$(run "$cond" $((2 * STEPS)))
		echo "$r $cond $a $b" | awk '{ d = $4 - $3; printf "round %d %-8s %6.2f s - %6.2f s: %5.0f steps/s\n", $1, $2, $4, $3, '"$STEPS"' / d }'
	done
done | tee "$TMP/rounds"
awk '{ s[$3] += $NF + 0; n[$3]++ }
     END { for (c in s) m[c] = s[c] / n[c];
           printf "mean steps/s: plain %.0f, listen %.0f, two viewers %.0f\n", m["plain"], m["listen"], m["viewers"];
           printf "two viewers / plain = %.3f (target >= 0.97); listen / plain = %.3f\n", m["viewers"] / m["plain"], m["listen"] / m["plain"] }' \
	"$TMP/rounds"
