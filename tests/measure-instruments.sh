#!/bin/sh
# measure-instruments.sh — what the instruments cost: training throughput (steps/s, wall
# clock, headless, one BLAS thread) of the same run with instruments off and on. Not part
# of `make check` (timing on a shared machine is a measurement, not a test); prints one
# line per configuration and the ratio to the plain run.
#   usage: tests/measure-instruments.sh [path/to/gglab]
GGLAB=${1:-./gglab}
STEPS=${STEPS:-3000}
run() { # NAME COMMANDS: prints NAME and steps/s
	t0=$(date +%s.%N)
	"$GGLAB" --threads 1 -c "$2; train $STEPS" >/dev/null 2>&1 || { echo "$1: failed"; return; }
	t1=$(date +%s.%N)
	echo "$1 $(echo "$STEPS / ($t1 - $t0)" | bc -l)"
}
base="data fashion n=4000; opt sgd lr=0.01 momentum=0.9; set bs 64"
{
	run mlp_plain "$base; model mlp 256x2"
	run mlp_phdim_stride1 "$base; model mlp 256x2; train 1; phdim on n=1000 k=128 every=20"
	run mlp_phdim_stride10 "$base; model mlp 256x2; train 1; phdim on n=1000 k=128 stride=10 every=20"
	run mlp_phdim_stride50 "$base; model mlp 256x2; train 1; phdim on n=1000 k=64 stride=50 every=20"
	run nais_plain "$base; model nais width=64 stages=8"
	run nais_margins_depth "$base; model nais width=64 stages=8; set tol 0.01 kmax 32"
	run nais_all_stride50 "$base; model nais width=64 stages=8; set tol 0.01 kmax 32; train 1; phdim on n=1000 k=64 stride=50 every=20"
} | awk '{ if ($1 ~ /plain/) base = $2; printf "%-22s %8.1f steps/s  %5.1f%% of plain\n", $1, $2, 100 * $2 / base }'
