#!/bin/sh
# measure-tui.sh — what the screen costs (not a test: it prints numbers for the notes).
#   1. training throughput with the screen at --fps 10 vs --batch, same script, best of N;
#   2. bytes per second written to the terminal in steady state at 80×24 and 200×60
#      (tmux pipe-pane counts what gglab writes, after a warm-up);
#   3. time from start to the first frame.
# Usage: GGLAB=./gglab GGLAB_DATA=data/fashion-mini sh tests/measure-tui.sh [REPS] [SECONDS]
set -u
GGLAB=${GGLAB:-./gglab}
REPS=${1:-3}
SECS=${2:-10}
command -v tmux >/dev/null 2>&1 || { echo "tmux is needed" >&2; exit 1; }
TMP=$(mktemp -d /tmp/gglab-measure.XXXXXX)
SOCK=gglab-measure-$$
trap 'tmux -L "$SOCK" kill-server >/dev/null 2>&1; rm -rf "$TMP"' EXIT
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
now() { date +%s.%N; }
export LANG=C.UTF-8 LC_ALL=C.UTF-8 XDG_STATE_HOME="$TMP/state" OPENBLAS_NUM_THREADS=1
export GGLAB_DATA="${GGLAB_DATA:-}"

# run_screen W H ARGS...: runs gglab ARGS in a W×H pane; the pane's script records the
# start and end times.
run_screen() {
	w=$1 h=$2
	shift 2
	cat >"$TMP/run.sh" <<EOF
#!/bin/sh
export TERM=screen-256color
date +%s.%N >'$TMP/t0'
'$GGLAB' --threads 1 $*
date +%s.%N >'$TMP/t1'
exec sleep 3600
EOF
	chmod +x "$TMP/run.sh"
	rm -f "$TMP/t0" "$TMP/t1"
	tm kill-server >/dev/null 2>&1
	sleep 0.2
	tm new-session -d -x "$w" -y "$h" -s m "$TMP/run.sh"
}

wait_file() {
	while [ ! -s "$1" ]; do sleep 0.05; done
}

# ---- 1. throughput ----------------------------------------------------------------------
STEPS=${STEPS:-4000}
printf 'data fashion n=2000\nmodel mlp 256x2\nset bs 64\ntrain %s\nquit\n' "$STEPS" >"$TMP/fixed.gg"
best_batch=999999
best_screen=999999
i=0
while [ $i -lt "$REPS" ]; do
	t0=$(now)
	"$GGLAB" --threads 1 --batch "$TMP/fixed.gg" >/dev/null 2>&1
	t1=$(now)
	b=$(echo "$t1 - $t0" | bc)
	run_screen 80 24 --fps 10 -x "$TMP/fixed.gg"
	wait_file "$TMP/t1"
	s=$(echo "$(cat "$TMP/t1") - $(cat "$TMP/t0")" | bc)
	echo "run $((i + 1)): --batch ${b}s, screen ${s}s"
	best_batch=$(echo "if ($b < $best_batch) $b else $best_batch" | bc)
	best_screen=$(echo "if ($s < $best_screen) $s else $best_screen" | bc)
	i=$((i + 1))
done
echo "throughput: $STEPS steps; best --batch ${best_batch}s ($(echo "scale=0; $STEPS / $best_batch" | bc) steps/s), best screen ${best_screen}s ($(echo "scale=0; $STEPS / $best_screen" | bc) steps/s)"
echo "screen / batch throughput: $(echo "scale=1; 100 * $best_batch / $best_screen" | bc) %"

# ---- 2. bytes per second ------------------------------------------------------------------
for size in 80x24 200x60; do
	w=${size%x*}
	h=${size#*x}
	run_screen "$w" "$h"
	sleep 3 # warm-up: the first frames paint the whole screen
	tm pipe-pane -o -t m "cat >>'$TMP/bytes'"
	: >"$TMP/bytes"
	sleep "$SECS"
	tm pipe-pane -t m
	n=$(wc -c <"$TMP/bytes")
	echo "terminal output at $size: $n bytes in ${SECS}s = $(echo "scale=0; $n / $SECS" | bc) bytes/s"
	tm send-keys -t m -l quit
	tm send-keys -t m Enter
	wait_file "$TMP/t1"
done

# ---- 3. first frame -------------------------------------------------------------------------
i=0
while [ $i -lt "$REPS" ]; do
	run_screen 80 24
	wait_file "$TMP/t0"
	until tm capture-pane -p -t m 2>/dev/null | head -1 | grep -q "step"; do
		sleep 0.01
	done
	t=$(now)
	echo "first frame: $(echo "scale=3; ($t - $(cat "$TMP/t0")) * 1000" | bc | sed 's/\..*//') ms after start (10 ms polling)"
	tm send-keys -t m -l quit
	tm send-keys -t m Enter
	wait_file "$TMP/t1"
	i=$((i + 1))
done
