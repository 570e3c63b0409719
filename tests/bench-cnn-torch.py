#!/usr/bin/env python3
"""bench-cnn-torch.py — PyTorch's side of the issue-12 speed comparison: the same net as
`gglab bench cnn` (conv3x3 1->32 pad 1, ReLU, maxpool 2; conv3x3 32->64 pad 1, ReLU,
maxpool 2; dense 3136->128, ReLU; dense 128->10), SGD lr 0.05 momentum 0.9, B=128, one
thread, on the full Fashion-MNIST (pixels / 255, reshuffled every epoch).
    tests/bench-cnn-torch.py [SECONDS|epoch] [B] [SEED]
Prints the same key=value line as gglab bench cnn. INIT=he initializes as gglab does
(He normal, zero biases) instead of PyTorch's default."""
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
if os.environ.get("INIT") == "he":  # gglab's initialization: He normal weights, zero biases
    for mod in net:
        if isinstance(mod, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(mod.weight, nonlinearity="relu")
            nn.init.zeros_(mod.bias)
opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
lossf = nn.CrossEntropyLoss()
g = torch.Generator().manual_seed(6 + (int(sys.argv[3]) if len(sys.argv) > 3 else 1))
perm, pos = torch.randperm(len(xtr), generator=g), 0

def batch():
    global perm, pos
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
