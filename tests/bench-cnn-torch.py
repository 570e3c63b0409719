#!/usr/bin/env python3
"""bench-cnn-torch.py — PyTorch's side of the issue-12 speed comparison: the same net as
`gglab bench cnn` (conv3x3 1->32 pad 1, ReLU, maxpool 2; conv3x3 32->64 pad 1, ReLU,
maxpool 2; dense 3136->128, ReLU; dense 128->10), SGD lr 0.05 momentum 0.9, B=128, one
thread, on the full Fashion-MNIST (pixels / 255, reshuffled every epoch).
    tests/bench-cnn-torch.py [SECONDS|epoch] [B] [SEED]
Prints the same key=value line as gglab bench cnn. INIT=he initializes as gglab does
(He normal, zero biases) instead of PyTorch's default; INIT=gglab takes the very weights
`GGLAB_BENCH_SEED=SEED gglab bench cnn` starts from (its xoshiro256** stream, below), and
ORDER=gglab its order of the training images, so that the two differ only in arithmetic."""
import gzip, os, sys, time
import numpy as np
import torch
import torch.nn as nn

torch.set_num_threads(1)
d = os.environ.get("GGLAB_DATA", "/usr/share/datasets/fashion-mnist")

def idx(name, off):
    path = os.path.join(d, name)
    op = gzip.open if os.path.exists(path + ".gz") else open
    with op(path + ".gz" if op is gzip.open else path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=off)

xtr = torch.tensor(idx("train-images-idx3-ubyte", 16).reshape(-1, 1, 28, 28), dtype=torch.float32) / 255
ytr = torch.tensor(idx("train-labels-idx1-ubyte", 8).astype(np.int64))
xte = torch.tensor(idx("t10k-images-idx3-ubyte", 16).reshape(-1, 1, 28, 28), dtype=torch.float32) / 255
yte = torch.tensor(idx("t10k-labels-idx1-ubyte", 8).astype(np.int64))
epoch = len(sys.argv) > 1 and sys.argv[1] == "epoch"
seconds = 10.0 if len(sys.argv) < 2 or epoch else float(sys.argv[1])
B = int(sys.argv[2]) if len(sys.argv) > 2 else 128
torch.manual_seed(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
net = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                    nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
M64 = (1 << 64) - 1

def splitmix64(x):  # returns (new state, output), as src/util/rng.c
    x = (x + 0x9e3779b97f4a7c15) & M64
    z = ((x ^ (x >> 30)) * 0xbf58476d1ce4e5b9) & M64
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
    return x, z ^ (z >> 31)

def derive(seed, stream):  # gg_rng_derive
    h = 0xcbf29ce484222325
    for ch in stream.encode():
        h = ((h ^ ch) * 0x100000001b3) & M64
    return splitmix64(seed ^ h)[1]

class GgRng:  # gg_rng: xoshiro256** seeded with splitmix64
    def __init__(self, seed):
        self.s = []
        for _ in range(4):
            seed, z = splitmix64(seed)
            self.s.append(z)

    def next(self):
        s = self.s
        rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & M64
        r = (rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
        s[3] = rotl(s[3], 45)
        return r

    def below(self, n):
        m = (self.next() >> 32) * n
        if (m & 0xffffffff) < n:
            t = ((1 << 32) - n) % n
            while (m & 0xffffffff) < t:
                m = (self.next() >> 32) * n
        return m >> 32

    def normal(self):
        u1 = ((self.next() >> 11) + 1.0) * (1.0 / 9007199254740992.0)
        u2 = (self.next() >> 11) * (1.0 / 9007199254740992.0)
        return float(np.float32(np.sqrt(-2.0 * np.log(u1)) * np.cos(6.283185307179586 * u2)))

    def shuffle(self, idx):
        for i in range(len(idx) - 1, 0, -1):
            j = self.below(i + 1)
            idx[i], idx[j] = idx[j], idx[i]

seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
if os.environ.get("INIT") == "gglab":  # nn_convnet_init: one stream, the layers in order
    r = GgRng(seed)
    for mod in net:
        if isinstance(mod, (nn.Conv2d, nn.Linear)):
            std = np.sqrt(2.0 / (mod.weight[0].numel()))
            w = np.array([std * r.normal() for _ in range(mod.weight.numel())], np.float32)
            with torch.no_grad():
                mod.weight.copy_(torch.from_numpy(w).reshape(mod.weight.shape))
                mod.bias.zero_()
if os.environ.get("INIT") == "he":  # gglab's initialization: He normal weights, zero biases
    for mod in net:
        if isinstance(mod, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(mod.weight, nonlinearity="relu")
            nn.init.zeros_(mod.bias)
opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
lossf = nn.CrossEntropyLoss()
g = torch.Generator().manual_seed(6 + (int(sys.argv[3]) if len(sys.argv) > 3 else 1))
perm, pos = torch.randperm(len(xtr), generator=g), 0

if os.environ.get("ORDER") == "gglab":  # data_cursor: reshuffled the moment an epoch ends
    cur = GgRng(derive(6 + seed, "data-cursor"))
    order = list(range(len(xtr)))
    cur.shuffle(order)

def batch():
    global perm, pos, order
    if os.environ.get("ORDER") == "gglab":
        i = []
        for _ in range(B):
            i.append(order[pos])
            pos += 1
            if pos == len(order):
                pos = 0
                cur.shuffle(order)
        i = torch.tensor(i)
        return xtr[i], ytr[i]
    if pos + B > len(perm):
        perm, pos = torch.randperm(len(xtr), generator=g), 0
    i = perm[pos:pos + B]
    pos += B
    return xtr[i], ytr[i]

def step():
    x, y = batch()
    opt.zero_grad(set_to_none=True)
    loss = lossf(net(x), y)
    loss.backward()
    opt.step()
    return loss.item()

if not epoch:
    for _ in range(3):
        step()
steps, need, t0, c0 = 0, len(xtr) // B, time.perf_counter(), time.process_time()
while True:
    loss = step()
    steps += 1
    t = time.perf_counter() - t0
    if (steps >= need) if epoch else (t >= seconds):
        break
cpu = time.process_time() - c0
line = "torch B=%d steps=%d seconds=%.2f samples_per_s=%.1f cpu_samples_per_s=%.1f loss=%.4f" % (
    B, steps, t, steps * B / t, steps * B / cpu, loss)
if epoch:
    with torch.no_grad():
        acc = (net(xte).argmax(1) == yte).float().mean().item()
    line += " test_acc=%.4f" % acc
print(line, "threads=%d torch=%s" % (torch.get_num_threads(), torch.__version__))
