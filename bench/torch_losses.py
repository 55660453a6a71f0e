#!/usr/bin/python3
"""PyTorch baseline for the loss benchmarks of evolve (CPU, eager, autograd).

Reads the inputs the Go benchmarks use, as written by
`go run ./internal/benchdata/cmd/dump -out DIR` (benchdata.WriteLosses: B and
T as two little-endian int64, then LogProbs, Old, Ref, Mask (B*T each) and
Advantages (B) as little-endian float64), and times loss + backward for the
same objectives with the same settings as the Go benchmarks:

  grpo  token-level PPO clip (ratio clipped to [0.8, 1.28]), k3 KL
        (x = ref - lp, e^x - x - 1) with coefficient 0.04, seq-mean-token-mean
        (policy.BenchmarkGRPO)
  nft   rate 0.4 for every sequence, correct = advantage > 0, eps 1,
        omega = 1 - rate, sum of masked token losses / (B*T)
        (policy.BenchmarkNFT)
  rdp   pairs (2i, 2i+1), beta 0.5, proximal eps 0.1, summed log-ratios,
        rewards = advantages, loss = mean over pairs of max(l, l_clip)
        (preference.BenchmarkRDP)
  dpo   sigmoid DPO, beta 0.1, chosen = even rows, rejected = odd rows
        (preference.BenchmarkDPO)

One line per case and size:
  case=NAME B=.. T=.. threads=.. seconds=.. tokens_per_s=.. loss=..
where seconds is the median over --reps timed repetitions (after one warm-up)
of forward + backward, and the loss lets a reader check that both sides
compute the same number.

usage: torch_losses.py [--threads 1] [--reps 9] [--cases grpo,nft,rdp,dpo] FILE...
Needs Debian's python3-torch (apt-get install python3-torch); run it with
/usr/bin/python3.
"""
import argparse
import statistics
import struct
import time

import torch
import torch.nn.functional as F


def read_inputs(path):
    with open(path, "rb") as f:
        data = f.read()
    B, T = struct.unpack_from("<qq", data, 0)
    n = B * T
    flat = torch.frombuffer(bytearray(data[16:]), dtype=torch.float64)
    if flat.numel() != 4 * n + B:
        raise SystemExit(f"{path}: {flat.numel()} values, want {4 * n + B} for B={B} T={T}")
    lp, old, ref, mask = (flat[k * n:(k + 1) * n].reshape(B, T).clone() for k in range(4))
    adv = flat[4 * n:].clone()
    return B, T, lp, old, ref, mask, adv


def grpo(lp, old, ref, mask, adv):
    a = adv[:, None]
    ratio = torch.exp(lp - old)
    surrogate = torch.maximum(-a * ratio, -a * torch.clamp(ratio, 1 - 0.2, 1 + 0.28))
    x = ref - lp
    per_token = surrogate + 0.04 * (torch.exp(x) - x - 1)
    return ((per_token * mask).sum(dim=1) / mask.sum(dim=1)).mean()


def nft(lp, old, ref, mask, adv):
    rate = 0.4
    B, T = lp.shape
    R = torch.exp(lp - old)
    correct = (adv > 0).to(lp.dtype)[:, None]
    x = (1 - rate * R) / (1 - rate)
    # Straight-through max: the value of max(x, 1), the gradient of x.
    x_st = x + (torch.clamp(x, min=1.0) - x).detach()
    per_token = (correct * -torch.log(R) + (1 - correct) * -torch.log(x_st)) * (1 - rate)
    return (per_token * mask).sum() / (B * T)


def rdp(lp, old, ref, mask, adv):
    beta, eps = 0.5, 0.1
    h = lp - ref
    o = old - ref
    h_clip = torch.minimum(torch.maximum(h, o - eps), o + eps)
    hs = (h * mask).sum(dim=1)
    hcs = (h_clip * mask).sum(dim=1)
    target = (adv[0::2] - adv[1::2]) / beta
    l = (hs[0::2] - hs[1::2] - target) ** 2
    l_clip = (hcs[0::2] - hcs[1::2] - target) ** 2
    return torch.maximum(l, l_clip).mean()


def dpo(lp, old, ref, mask, adv):
    u = ((lp - ref) * mask).sum(dim=1)
    return -F.logsigmoid(0.1 * (u[0::2] - u[1::2])).mean()


CASES = {"grpo": grpo, "nft": nft, "rdp": rdp, "dpo": dpo}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    for path in a.files:
        B, T, lp0, old, ref, mask, adv = read_inputs(path)
        for name in a.cases.split(","):
            fn = CASES[name]
            times = []
            for rep in range(a.reps + 1):
                lp = lp0.clone().requires_grad_(True)
                t0 = time.perf_counter()
                loss = fn(lp, old, ref, mask, adv)
                loss.backward()
                _ = lp.grad
                dt = time.perf_counter() - t0
                if rep > 0:  # the first repetition warms up
                    times.append(dt)
            med = statistics.median(times)
            print(f"case={name} B={B} T={T} threads={a.threads} seconds={med:.6f} "
                  f"tokens_per_s={B * T / med:.0f} loss={loss.item():.12g}", flush=True)


if __name__ == "__main__":
    main()
