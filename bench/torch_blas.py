#!/usr/bin/python3
"""Checks the BLAS under Debian's PyTorch before it serves as a baseline.

Debian's python3-torch is built with BLAS_INFO=generic: its matrix products call whatever libblas.so.3 the
system's alternatives point at. With only the reference BLAS installed they run at about 6 GFLOP/s, a
baseline no user has; `apt-get install -y libopenblas0-pthread` switches libblas.so.3 to OpenBLAS
(130-160 GFLOP/s on the development machine). This script prints the BLAS library loaded into the
process, OpenBLAS's core type and configuration when it is OpenBLAS, and the best of --reps timings of a
1024x1024 float32 matmul at --threads threads, and exits with status 1 when the library is not OpenBLAS or
the matmul runs below --min GFLOP/s (a loaded machine can be slower: lower --min, and say so).

OpenBLAS's own threads are set with openblas_set_num_threads (OPENBLAS_NUM_THREADS does the same from the
environment); OPENBLAS_CORETYPE overrides the detected core (docs/PERFORMANCE.md).

usage: torch_blas.py [--threads 1] [--min 50] [--reps 7]
"""
import argparse, ctypes, os, sys, time
import torch

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--min", type=float, default=50)
ap.add_argument("--reps", type=int, default=7)
a = ap.parse_args()


def blas_threads(n):
    """Sets OpenBLAS's thread count where the loaded BLAS is OpenBLAS; returns its core and config."""
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
    except OSError:
        return None, None
    lib.openblas_set_num_threads(n)
    lib.openblas_get_corename.restype = ctypes.c_char_p
    lib.openblas_get_config.restype = ctypes.c_char_p
    return lib.openblas_get_corename().decode(), lib.openblas_get_config().decode()


torch.set_num_threads(a.threads)
core, config = blas_threads(a.threads)
x, y = torch.randn(1024, 1024), torch.randn(1024, 1024)
x @ y  # loads the BLAS
libs = sorted({l.split()[-1] for l in open("/proc/self/maps") if "blas" in l.lower() and "/" in l})
best = 0.0
for _ in range(a.reps):
    t0 = time.perf_counter()
    for _ in range(4):
        x @ y
    best = max(best, 4 * 2 * 1024**3 / (time.perf_counter() - t0) / 1e9)
openblas = any("openblas" in l for l in libs)
print(f"torch={torch.__version__} threads={a.threads} blas={','.join(os.path.basename(l) for l in libs) or 'none'} "
      f"openblas_core={core} coretype_env={os.environ.get('OPENBLAS_CORETYPE', '')} matmul1024_gflops={best:.1f}")
if config:
    print(f"openblas_config={config!r}")
if not openblas:
    sys.exit("torch_blas.py: PyTorch's BLAS is not OpenBLAS: apt-get install -y libopenblas0-pthread")
if best < a.min:
    sys.exit(f"torch_blas.py: matmul at {best:.1f} GFLOP/s < --min {a.min}: not a baseline to compare against")
