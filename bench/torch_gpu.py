#!/usr/bin/env python3
"""PyTorch (CUDA, eager + autograd) baseline of the cuda package's Head.Step (Go: BenchmarkStep): the
lm-head's logits z = H·Wᵀ for B×T rows, log_softmax, the targets' log-probs, GRPO's loss (token-level
PPO clip 0.2, k3 KL with β = 0.04 against reference log-probs, seq-mean-token-mean over a ragged mask)
and its backward pass into H and W, float32 products and float32 loss (PyTorch's usual training dtype;
the Go loss runs in float64). It prints per shape tokens/s (median of --reps after a warm-up) and the
peak GPU memory PyTorch allocated (torch.cuda.max_memory_allocated), on the shapes of BenchmarkStep.

usage: torch_gpu.py [--reps 10]
"""
import argparse, statistics, time
import torch

ap = argparse.ArgumentParser()
ap.add_argument("--reps", type=int, default=10)
a = ap.parse_args()
if not torch.cuda.is_available():
    raise SystemExit("torch_gpu.py: torch.cuda.is_available() is False (a CUDA build of PyTorch and a GPU are needed)")
dev = torch.device("cuda")
torch.backends.cuda.matmul.allow_tf32 = False  # full float32 products, as cuBLAS runs them for the Go side


def grpo(lp, old, ref, mask, adv, lo=0.8, hi=1.2, beta=0.04):
    rho = (lp - old).clamp(-20, 20)
    r = rho.exp()
    A = adv[:, None]
    surr = -torch.minimum(r * A, r.clamp(lo, hi) * A)
    x = (ref - lp).clamp(-20, 20)
    k3 = (x.exp() - x - 1).clamp(max=10)
    tok = (surr + beta * k3) * mask
    return (tok.sum(1) / mask.sum(1)).mean()


for B, T, H, V in [(8, 1024, 288, 32000), (8, 1024, 768, 32000), (4, 1024, 4096, 128256)]:
    g = torch.Generator(device=dev).manual_seed(1)
    N = B * T
    h = torch.randn(N, H, device=dev, generator=g).requires_grad_(True)
    w = (0.02 * torch.randn(V, H, device=dev, generator=g)).requires_grad_(True)
    tgt = torch.randint(0, V, (N,), device=dev, generator=g)
    lens = torch.randint(1, T + 1, (B,), device=dev, generator=g)
    mask = (torch.arange(T, device=dev)[None, :] < lens[:, None]).float()
    adv = torch.randn(B, device=dev, generator=g)
    with torch.no_grad():
        base = torch.log_softmax(h @ w.T, -1).gather(1, tgt[:, None]).view(B, T)
    old = base + 0.1 * torch.randn(B, T, device=dev, generator=g)
    ref = base + 0.2 * torch.randn(B, T, device=dev, generator=g)
    times = []
    torch.cuda.reset_peak_memory_stats()
    for rep in range(a.reps + 1):
        h.grad = w.grad = None
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        lp = torch.log_softmax(h @ w.T, -1).gather(1, tgt[:, None]).view(B, T)
        grpo(lp, old, ref, mask, adv).backward()
        torch.cuda.synchronize()
        if rep:
            times.append(time.perf_counter() - t0)
    m = statistics.median(times)
    print(f"case=step B={B} T={T} H={H} V={V} seconds={m:.5f} tokens_per_s={N / m:.0f} "
          f"peak_mb={torch.cuda.max_memory_allocated() / 2**20:.0f} device={torch.cuda.get_device_name()!r}", flush=True)
    del h, w, base, old, ref
    torch.cuda.empty_cache()
