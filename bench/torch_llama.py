#!/usr/bin/python3
"""PyTorch (CPU, eager) baseline for the llama2.c-format model, fed exactly the inputs of the Go benchmarks
of package policy/llama, so that bench/compare_llama.sh can print the ratio.

train  (Go: BenchmarkTrainStep): forward + backward of the summed token log-probs of B sequences of T+1
       tokens (teacher forcing, T scored tokens each), float32; the tokens are read from --tokens (B*(T+1)
       little-endian int32, written by compare_llama.sh with the Go benchmark's generator: PCG(0, 0),
       token = 3 + IntN(vocab-3)); without --tokens they are drawn with torch.randint.
sample (Go: BenchmarkSample): B sequences decoded together from BOS with a KV cache, greedy, --new tokens.
single (Go: BenchmarkDecodeSingle): one sequence from BOS, greedy, --single-new tokens.
Each case prints `case=NAME ... tokens_per_s=N` (median of --reps). The forward pass is llama2.c's
(RMSNorm eps 1e-5, RoPE on consecutive pairs, grouped-query attention, SwiGLU, shared classifier).

usage: torch_llama.py MODEL.bin [--tokens FILE] [--threads 1] [--batch 16] [--seq 256] [--new 128]
                      [--single-new 256] [--reps 5]
"""
import argparse, math, statistics, struct, time
import torch

ap = argparse.ArgumentParser()
ap.add_argument("model")
ap.add_argument("--tokens")
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--batch", type=int, default=16)
ap.add_argument("--seq", type=int, default=256)
ap.add_argument("--new", type=int, default=128)
ap.add_argument("--single-new", type=int, default=256)
ap.add_argument("--reps", type=int, default=5)
a = ap.parse_args()
torch.set_num_threads(a.threads)
d = open(a.model, "rb").read()
dim, hid, L, H, KV, V, S = struct.unpack_from("<7i", d, 0)
shared = V > 0
V = abs(V)
w = torch.frombuffer(bytearray(d[28:]), dtype=torch.float32)
hs, kvd = dim // H, dim * KV // H
o = 0


def take(*shape):
    global o
    n = math.prod(shape)
    t = w[o:o + n].reshape(*shape).clone().requires_grad_(True)
    o += n
    return t


emb = take(V, dim); ra = take(L, dim); wq = take(L, dim, dim); wk = take(L, kvd, dim); wv = take(L, kvd, dim)
wo = take(L, dim, dim); rf = take(L, dim); w1 = take(L, hid, dim); w2 = take(L, dim, hid); w3 = take(L, hid, dim)
rfin = take(dim)
o += S * hs  # legacy freq_cis_real and freq_cis_imag
cls = emb if shared else take(V, dim)
params = [emb, ra, wq, wk, wv, wo, rf, w1, w2, w3, rfin] + ([] if shared else [cls])
rep = H // KV
i = torch.arange(0, dim, 2)
freq = 1.0 / (10000.0 ** ((i % hs).float() / hs))


def rope(x, pos):  # x: B x T x dim' ; pos: T
    a_ = pos.float().unsqueeze(1) * freq[: x.shape[-1] // 2]
    c, s = torch.cos(a_), torch.sin(a_)
    x0, x1 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x0 * c - x1 * s, x0 * s + x1 * c), -1).flatten(-2)


def rms(x, g):
    return g * x * torch.rsqrt((x * x).mean(-1, keepdim=True) + 1e-5)


def forward(tok, pos, cache=None):
    B, T = tok.shape
    x = emb[tok]
    for l in range(L):
        xb = rms(x, ra[l])
        q = rope(xb @ wq[l].T, pos).view(B, T, H, hs).transpose(1, 2)
        k = rope(xb @ wk[l].T, pos).view(B, T, KV, hs).transpose(1, 2)
        v = (xb @ wv[l].T).view(B, T, KV, hs).transpose(1, 2)
        if cache is not None:
            if cache[l] is not None:
                k = torch.cat([cache[l][0], k], 2)
                v = torch.cat([cache[l][1], v], 2)
            cache[l] = (k, v)
        k = k.repeat_interleave(rep, 1)
        v = v.repeat_interleave(rep, 1)
        att = q @ k.transpose(-1, -2) / math.sqrt(hs)
        if T > 1:
            att = att + torch.full((T, k.shape[2]), float("-inf")).triu(1 + k.shape[2] - T)
        y = (torch.softmax(att, -1) @ v).transpose(1, 2).reshape(B, T, dim)
        x = x + y @ wo[l].T
        xb = rms(x, rf[l])
        x = x + (torch.nn.functional.silu(xb @ w1[l].T) * (xb @ w3[l].T)) @ w2[l].T
    return rms(x, rfin) @ cls.T


if a.tokens:
    raw = open(a.tokens, "rb").read()
    n = a.batch * (a.seq + 1)
    if len(raw) != 4 * n:
        raise SystemExit(f"{a.tokens}: {len(raw)} bytes, want {4 * n} (B={a.batch} x T+1={a.seq + 1} int32)")
    toks = torch.tensor(struct.unpack(f"<{n}i", raw), dtype=torch.long).view(a.batch, a.seq + 1)
else:
    toks = torch.randint(3, V, (a.batch, a.seq + 1), generator=torch.Generator().manual_seed(0))
times = []
for _ in range(a.reps):
    for p in params:
        p.grad = None
    t0 = time.perf_counter()
    lp = torch.log_softmax(forward(toks[:, :-1], torch.arange(a.seq)), -1)
    loss = -lp.gather(-1, toks[:, 1:].unsqueeze(-1)).sum()
    loss.backward()
    times.append(time.perf_counter() - t0)
m = statistics.median(times)
print(f"case=train B={a.batch} T={a.seq} threads={a.threads} seconds={m:.4f} tokens_per_s={a.batch*a.seq/m:.0f}")


def decode(B, new, reps):
    times = []
    with torch.no_grad():
        for _ in range(reps):
            cache = [None] * L
            cur = torch.ones(B, 1, dtype=torch.long)
            t0 = time.perf_counter()
            for t in range(new):
                logits = forward(cur, torch.tensor([t]), cache)
                cur = logits[:, -1].argmax(-1, keepdim=True)
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


m = decode(a.batch, a.new, max(1, a.reps // 2))
print(f"case=sample B={a.batch} new={a.new} threads={a.threads} seconds={m:.4f} tokens_per_s={a.batch*a.new/m:.0f}")
m = decode(1, a.single_new, max(1, a.reps // 2))
print(f"case=single B=1 new={a.single_new} threads={a.threads} seconds={m:.4f} tokens_per_s={a.single_new/m:.0f}")
