#!/bin/sh
# bench-vs-torch.sh — training throughput of gglab against PyTorch on the bench MLP
# (784-512x3-10, ReLU, SGD momentum 0.9 lr 0.01, Fashion-MNIST), interleaved round by
# round so both see the same machine, each program with its defaults (as a user runs
# them). Prints samples/s per batch size and round, with the steal time of each run, then
# the median ratio and its range. A benchmark, not a test: it is not part of make check.
#   usage: tests/bench-vs-torch.sh [ROUNDS] [SECONDS]   (GGLAB=path, BATCHES="32 128 ...")
set -u
GGLAB=${GGLAB:-./gglab}
ROUNDS=${1:-3}
SECS=${2:-3}
BATCHES=${BATCHES:-32 128 1024 4096}
PY=
for p in python3 /usr/bin/python3; do # Debian's python3-torch is for Debian's python
	if "$p" -c 'import torch' 2>/dev/null; then PY=$p; break; fi
done
if [ -z "$PY" ]; then
	echo "SKIP: python3-torch is not installed (apt-get install python3-torch)"
	exit 0
fi
TMP=$(mktemp -d /tmp/gglab-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
cat >"$TMP/torch_mlp.py" <<'PY'
import gzip, os, sys, time
import numpy as np, torch
B, secs = int(sys.argv[1]), float(sys.argv[2])
d = os.environ.get("GGLAB_DATA", "/usr/share/datasets/fashion-mnist")
raw = gzip.open(os.path.join(d, "train-images-idx3-ubyte.gz")).read()[16:]
lab = gzip.open(os.path.join(d, "train-labels-idx1-ubyte.gz")).read()[8:]
x = torch.from_numpy(np.frombuffer(raw, np.uint8).reshape(-1, 784).astype(np.float32) / 255)
y = torch.from_numpy(np.frombuffer(lab, np.uint8).astype(np.int64))
net = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 512),
                          torch.nn.ReLU(), torch.nn.Linear(512, 512), torch.nn.ReLU(),
                          torch.nn.Linear(512, 10))
opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
lossf = torch.nn.CrossEntropyLoss()
n = x.shape[0]
perm = torch.randperm(n)
def step(i):
    idx = perm[(i * B) % (n - B):(i * B) % (n - B) + B]
    opt.zero_grad()
    loss = lossf(net(x[idx]), y[idx])
    loss.backward()
    opt.step()
for i in range(3):
    step(i)
i, t0 = 0, time.perf_counter()
while time.perf_counter() - t0 < secs:
    step(i); i += 1
t = time.perf_counter() - t0
print("%.0f %d" % (i * B / t, torch.get_num_threads()))
PY
model=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)
echo "# cpu: $model ($(nproc) cores)"
"$GGLAB" --version | sed -n 's/^/# gglab: /p'
"$GGLAB" bench 1 1024 | grep '^batch=' | sed 's/.*\(sgemm_gflops=[^ ]*\).*/# gglab sgemm at 1024^3: \1/'
# torch's own thread count is its intra-op pool's; its products run on the BLAS it links,
# whose threads are its own (Debian's: OpenBLAS, every core unless OPENBLAS_NUM_THREADS)
echo "# torch: $("$PY" -c '
import ctypes, torch
try:
    blas = "openblas threads %d" % ctypes.CDLL("libopenblas.so.0").openblas_get_num_threads()
except (OSError, AttributeError):
    blas = "blas threads unknown"
print(torch.__version__, "intra-op threads", torch.get_num_threads(), blas)')"
# steal: the CPU time the hypervisor gave other guests (/proc/stat, in 1/100 s), summed over
# the cores; a round with much of it measured a busy host, not the program.
steal() { awk '/^cpu / { print $9 }' /proc/stat; }
echo "round batch gglab_samples_per_s torch_samples_per_s ratio gglab_threads steal_gglab_s steal_torch_s"
for r in $(seq 1 "$ROUNDS"); do
	for b in $BATCHES; do
		s0=$(steal)
		line=$("$GGLAB" bench "$SECS" "$b" | grep '^batch=')
		s1=$(steal)
		g=$(echo "$line" | sed -n 's/.*samples_per_s=\([0-9]*\).*/\1/p')
		th=$(echo "$line" | sed -n 's/.* threads=\([0-9]*\).*/\1/p')
		t=$("$PY" "$TMP/torch_mlp.py" "$b" "$SECS" | cut -d' ' -f1)
		s2=$(steal)
		st=$(echo "$s0 $s1 $s2" | awk '{ printf "%.2f %.2f", ($2 - $1) / 100, ($3 - $2) / 100 }')
		[ -n "$g" ] && [ -n "$t" ] || { echo "$r $b ${g:-?} ${t:-?} ? ${th:-?} $st"; continue; }
		echo "$r $b $g $t $(echo "$g $t" | awk '{printf "%.2f", $1 / $2}') $th $st"
	done
done | tee "$TMP/rows"
echo "# ratio per batch size (gglab / torch): median, and the lowest and highest round"
for b in $BATCHES; do
	awk -v b="$b" '$2 == b && $5 != "?" { print $5 }' "$TMP/rows" | sort -n |
		awk -v b="$b" '{ v[NR] = $1 } END { if (NR) printf "#   B=%s: %.2f (%d rounds, %.2f to %.2f)\n", b, v[int((NR + 1) / 2)], NR, v[1], v[NR] }'
done
awk 'NR > 0 { s += $7 + $8 } END { printf "# steal over all rounds: %.1f s\n", s }' "$TMP/rows"
