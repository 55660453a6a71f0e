// Package cuda runs the fused lm-head log-probs and the GRPO, NFT and DPO
// losses with their gradients on an NVIDIA GPU: CUDA kernels for the
// per-row and per-token loops, cuBLAS for the products, explicit device
// memory (no managed memory) and CUDA errors returned as Go errors. Its
// API mirrors the CPU one with the same inputs and outputs: Head is
// llama.Head (Forward, Backward on llama.HeadRows), GRPO, NFT and DPO are
// policy.Loss implementations of policy.PG, policy.NFT and
// preference.DPO, and Head.Step chains the head, a loss and the head's
// backward pass with the log-probs and their gradient kept on the device.
//
// The package is built only with the cuda build tag and cgo, after the
// kernels are compiled into libevolvecuda.a:
//
//	go generate -tags cuda ./policy/cuda     # nvcc -arch=sm_90 … kernels.cu
//	CGO_ENABLED=1 go test -tags cuda ./policy/cuda
//
// It needs the CUDA toolkit (nvcc, cuda_runtime.h, cublas_v2.h, libcudart,
// libcublas: Debian's nvidia-cuda-toolkit 11.8, which targets sm_90, in
// the contrib and non-free components); elsewhere set CGO_CFLAGS and
// CGO_LDFLAGS to the toolkit's include and lib64 directories. The default
// build and CGO_ENABLED=0 never need it. Without a GPU, Open returns an
// error wrapping ErrNoDevice and the package's tests skip, saying so.
//
// Status: the CUDA path is compiled in CI and reviewed, but has not yet run
// on a GPU; bench/gpu.sh runs its CPU/GPU agreement tests and its
// benchmark against PyTorch on the GPU in one command.
package cuda
