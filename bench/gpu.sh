#!/usr/bin/env bash
# gpu.sh — the GPU checks of the cuda build tag in one command, for a machine with an NVIDIA GPU:
#
#   1. builds the kernels (go generate -tags cuda ./policy/cuda: nvcc -arch=sm_90) unless nvcc is missing
#      and policy/cuda/libevolvecuda.a is already there (built elsewhere and copied in);
#   2. runs the package's CPU/GPU agreement tests (fused head with one and several tiles, entropy
#      included; GRPO, DAPO, dual clip, NFT, DPO, cDPO losses, statistics and gradients; Head.Step
#      against the CPU chain) — verbose, so that a skip for want of a GPU is visible;
#   3. runs BenchmarkStep (Head.Step with GRPO: lm-head + loss + backward on the device) and
#      bench/torch_gpu.py (PyTorch eager on the same shapes, when a CUDA build of torch is importable),
#      and prints tokens/s side by side with PyTorch's peak GPU memory.
#
# usage: bench/gpu.sh [-python python3] [-benchtime 10x]
set -euo pipefail
cd "$(dirname "$0")/.."
python=python3
benchtime=10x
while [ $# -gt 0 ]; do
	case $1 in
	-python) python=$2; shift 2 ;;
	-benchtime) benchtime=$2; shift 2 ;;
	*) echo "usage: $0 [-python python3] [-benchtime 10x]" >&2; exit 2 ;;
	esac
done
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || echo "# no nvidia-smi"
if command -v nvcc >/dev/null; then
	nvcc --version | tail -1
	go generate -tags cuda ./policy/cuda
elif [ ! -f policy/cuda/libevolvecuda.a ]; then
	echo "gpu.sh: no nvcc and no policy/cuda/libevolvecuda.a: install the CUDA toolkit or copy the library in" >&2
	exit 1
fi
export CGO_ENABLED=1
tests=$(mktemp)
trap 'rm -f "$tests"' EXIT
echo "# CPU/GPU agreement tests"
go test -count=1 -tags cuda -v -run . ./policy/cuda 2>&1 | tee "$tests" | grep -E '^(=== RUN|--- |PASS|FAIL|ok|\s+cuda_test)'
if grep -q -- '--- SKIP' "$tests"; then
	echo "gpu.sh: tests skipped (no usable GPU): see above" >&2
	exit 1
fi
echo "# BenchmarkStep (Go, Head.Step with GRPO)"
go test -count=1 -tags cuda -run '^$' -bench '^BenchmarkStep$' -benchtime "$benchtime" ./policy/cuda | grep -E '^Benchmark'
if "$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
	echo "# PyTorch eager on the GPU (bench/torch_gpu.py)"
	"$python" bench/torch_gpu.py
else
	echo "# $python has no CUDA build of torch: PyTorch's column is left out"
fi
