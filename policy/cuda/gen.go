//go:build cuda

package cuda

// The kernels, compiled for the H100/H200 (sm_90) into the static library
// that cuda.go links.
//go:generate nvcc -O3 -arch=sm_90 -Xcompiler -fPIC -lib -o libevolvecuda.a kernels.cu
