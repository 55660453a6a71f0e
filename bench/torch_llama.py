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

With --config DIM,HIDDEN,LAYERS,HEADS,KVHEADS,VOCAB,SEQLEN instead of MODEL.bin the weights are drawn at
random like the Go benchmarks' llama.New (matrices N(0, 0.02²), RMSNorm gains 1, shared classifier): the
tinyllamas shapes of BenchmarkTrainShape. --cases picks the cases to run (default all three). Each case
also prints the process's peak resident memory so far (maxrss_mb) and the resident memory after loading
torch, before the model (base_mb); train also the best repetition (best_tokens_per_s) and tokens per second
of the process's CPU time (cpu_tokens_per_s: with one thread, the rate other load on the machine does not
dilute; with more, it counts OpenMP's and OpenBLAS's spinning threads too). OpenBLAS's threads are set to --threads too.

usage: torch_llama.py (MODEL.bin | --config D,H,L,NH,NKV,V,S) [--tokens FILE] [--threads 1] [--batch 16]
                      [--seq 256] [--new 128] [--single-new 256] [--reps 5] [--cases train,sample,single]
"""
import argparse, ctypes, math, resource, statistics, struct, time
import torch

ap = argparse.ArgumentParser()
ap.add_argument("model", nargs="?")
ap.add_argument("--config")
ap.add_argument("--cases", default="train,sample,single")
ap.add_argument("--tokens")
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--batch", type=int, default=16)
ap.add_argument("--seq", type=int, default=256)
ap.add_argument("--new", type=int, default=128)
ap.add_argument("--single-new", type=int, default=256)
ap.add_argument("--reps", type=int, default=5)
a = ap.parse_args()
if (a.model is None) == (a.config is None):
    ap.error("give MODEL.bin or --config")
cases = set(a.cases.split(","))
torch.set_num_threads(a.threads)
try:
    ctypes.CDLL("libopenblas.so.0").openblas_set_num_threads(a.threads)
except OSError:
    pass


def rss_mb(field="VmRSS"):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


base_mb = rss_mb()
if a.config:
    dim, hid, L, H, KV, V, S = map(int, a.config.split(","))
    shared = True
    gen = torch.Generator().manual_seed(1)
else:
    d = open(a.model, "rb").read()
    dim, hid, L, H, KV, V, S = struct.unpack_from("<7i", d, 0)
    shared = V > 0
    V = abs(V)
    w = torch.frombuffer(bytearray(d[28:]), dtype=torch.float32)
hs, kvd = dim // H, dim * KV // H
o = 0


def take(*shape, gain=False):
    global o
    n = math.prod(shape)
    if a.config:
        t = torch.ones(*shape) if gain else torch.randn(*shape, generator=gen) * 0.02
        t.requires_grad_(True)
        return t
    t = w[o:o + n].reshape(*shape).clone().requires_grad_(True)
    o += n
    return t


emb = take(V, dim); ra = take(L, dim, gain=True); wq = take(L, dim, dim); wk = take(L, kvd, dim)
wv = take(L, kvd, dim); wo = take(L, dim, dim); rf = take(L, dim, gain=True); w1 = take(L, hid, dim)
w2 = take(L, dim, hid); w3 = take(L, hid, dim); rfin = take(dim, gain=True)
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


def mem():
    return f"maxrss_mb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} base_mb={base_mb:.0f}"


times, cpu = [], []
for _ in range(a.reps if "train" in cases else 0):
    for p in params:
        p.grad = None
    t0, c0 = time.perf_counter(), time.process_time()
    lp = torch.log_softmax(forward(toks[:, :-1], torch.arange(a.seq)), -1)
    loss = -lp.gather(-1, toks[:, 1:].unsqueeze(-1)).sum()
    loss.backward()
    times.append(time.perf_counter() - t0)
    cpu.append(time.process_time() - c0)
if times:
    m, n = statistics.median(times), a.batch * a.seq
    print(f"case=train B={a.batch} T={a.seq} threads={a.threads} seconds={m:.4f} tokens_per_s={n/m:.0f} "
          f"best_tokens_per_s={n/min(times):.0f} cpu_tokens_per_s={n/statistics.median(cpu):.0f} {mem()}", flush=True)


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


if "sample" in cases:
    m = decode(a.batch, a.new, max(1, a.reps // 2))
    print(f"case=sample B={a.batch} new={a.new} threads={a.threads} seconds={m:.4f} tokens_per_s={a.batch*a.new/m:.0f} {mem()}")
if "single" in cases:
    m = decode(1, a.single_new, max(1, a.reps // 2))
    print(f"case=single B=1 new={a.single_new} threads={a.threads} seconds={m:.4f} tokens_per_s={a.single_new/m:.0f} {mem()}")
