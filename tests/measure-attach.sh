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
export XDG_STATE_HOME="$TMP/state" # (no journals or autosaves of its labs left behind)
export XDG_RUNTIME_DIR="$TMP/run" # (nor notes of where they listen)
mkdir -m 700 "$XDG_RUNTIME_DIR"
TM="tmux -L gglab-measure-$$ -f /dev/null"
trap '$TM kill-server >/dev/null 2>&1; rm -rf "$TMP"' EXIT
echo "# cpu: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1) ($(nproc) cores), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# lab: mlp 256x2 relu on Fashion-MNIST n=10000, bs 128, --threads 1 --workers 1 (one core: its"
echo "# evaluations are not split over the workers, so the viewers have the other); $STEPS and $((2 * STEPS)) steps"
for n in "$STEPS" $((2 * STEPS)); do
	printf 'data fashion n=10000\nmodel mlp 256x2 act=relu\nset bs 128\ntrain %d\n' "$n" >"$TMP/s$n.gg"
done

# run COND N: "WALL CPU" seconds of one lab of N steps under COND (plain, listen, viewers);
# CPU: the lab process's user + system time (its trainer, and the server thread if any)
run() {
	local cond=$1 n=$2 sock="$TMP/lab.sock" args=""
	[ "$cond" = plain ] || args="--listen=$sock"
	OPENBLAS_NUM_THREADS=1 /usr/bin/time -f '%e %U %S' -o "$TMP/time" \
		"$GGLAB" --threads 1 --workers 1 --batch "$TMP/s$n.gg" $args 2>"$TMP/err" &
	local lab=$!
	if [ "$cond" = viewers ]; then
		local i=0
		while [ ! -S "$sock" ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
		for v in 1 2; do
			$TM new-session -d -x 100 -y 30 -s "v$v" \
				"env TERM=screen-256color LANG=C.UTF-8 '$GGLAB' attach '$sock' 2>/dev/null"
		done
	fi
	rm -f "$TMP/threads"
	if [ "$cond" = viewers ]; then
		# the CPU of each of the lab's threads and of the viewers (their gglab, shell and
		# tmux processes), sampled once a second to the end with shell builtins only, so
		# that sampling costs this condition nothing the others do not pay: the server
		# thread is the lab's newest (it starts after the trainer)
		local g="" vp="" i=0
		while [ -z "$g" ] && [ $i -lt 500 ]; do g=$(pgrep -P $lab | head -n 1); sleep 0.01; i=$((i + 1)); done
		i=0
		while [ "$(pgrep -f "attach $sock" | wc -l)" -lt 2 ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
		vp=$(pgrep -f "attach $sock")
		( while kill -0 $lab 2>/dev/null; do
			t="" v=0
			for f in /proc/$g/task/*/stat; do
				read -r line <"$f" 2>/dev/null || continue
				set -- $line
				t="$t$1 $((${14} + ${15}))
"
			done
			for c in $vp; do
				read -r line <"/proc/$c/stat" 2>/dev/null || continue
				set -- $line
				v=$((v + ${14} + ${15}))
			done
			# the last sample taken while the lab and its viewers all lived
			[ -n "$t" ] && [ "$v" -gt 0 ] && printf '%s%s\n' "$t" "viewers $v" >"$TMP/threads"
			sleep 1
		done ) &
	fi
	wait $lab || { echo "the lab failed: $(tail -n 3 "$TMP/err")" >&2; return 1; }
	if [ "$cond" = viewers ] && [ -s "$TMP/threads" ]; then
		hz=$(getconf CLK_TCK)
		awk -v hz="$hz" '$1 == "viewers" { v = $2; next } { n++; t[n] = $2; if ($2 > big) big = $2 }
			END { printf "#   lab threads: trainer %.2f s, server %.2f s (%.2f %% of the trainer); both viewers %.2f s of CPU\n",
				big / hz, t[n] / hz, 100 * t[n] / big, v / hz }' "$TMP/threads" >&2
	fi
	if [ "$cond" = viewers ] && ! grep -q "viewer 2 attached" "$TMP/err"; then
		echo "# warning: the viewers did not attach" >&2
	fi
	$TM kill-server >/dev/null 2>&1
	awk '{ printf "%s %.2f", $1, $2 + $3 }' "$TMP/time"
}

command -v /usr/bin/time >/dev/null 2>&1 || { echo "needs /usr/bin/time (Debian: time)" >&2; exit 1; }
for r in $(seq 1 "$ROUNDS"); do
	for cond in plain listen viewers; do
		a=$(run "$cond" "$STEPS") || exit 1
		b=$(run "$cond" $((2 * STEPS))) || exit 1
		echo "$r $cond $a $b" | awk -v n="$STEPS" '{ w = n / ($5 - $3); c = n / ($6 - $4)
			printf "round %d %-8s wall %6.2f - %6.2f s, cpu %6.2f - %6.2f s: %6.1f steps/s, %6.1f steps per cpu s\n", $1, $2, $5, $3, $6, $4, w, c
			printf "%s %.3f %.3f\n", $2, w, c >"/dev/stderr" }' 2>>"$TMP/rates"
	done
done
awk '{ w[$1] += $2; c[$1] += $3; k[$1]++ }
     END { for (x in k) { w[x] /= k[x]; c[x] /= k[x] }
           printf "mean steps/s (wall): plain %.1f, listen %.1f, two viewers %.1f\n", w["plain"], w["listen"], w["viewers"];
           printf "mean steps per cpu s: plain %.1f, listen %.1f, two viewers %.1f\n", c["plain"], c["listen"], c["viewers"];
           printf "two viewers / plain: wall %.3f, cpu %.3f (target >= 0.97); listen / plain: wall %.3f, cpu %.3f\n", w["viewers"] / w["plain"], c["viewers"] / c["plain"], w["listen"] / w["plain"], c["listen"] / c["plain"] }' "$TMP/rates"
