// Package openblas is a gonum blas.Float32 implementation whose Sgemm runs
// OpenBLAS's cblas_sgemm through cgo; every other routine is gonum's
// pure-Go one (embedded). It is built only with the openblas build tag and
// cgo (link flags -lopenblas: Debian's libopenblas-dev), and the model
// (package policy/llama) then uses it for its weight products by default.
//
// OpenBLAS runs its own threads (OPENBLAS_NUM_THREADS, or SetThreads; not
// GOMAXPROCS) and picks its kernels for the CPU it detects at start-up.
// Debian 12's OpenBLAS 0.3.21 predates the AMD Zen 4 of the development
// machine and detects it as Cooperlake; OPENBLAS_CORETYPE=Haswell or
// SkylakeX overrides the detection (docs/PERFORMANCE.md has the measured
// effect). Results differ from the model's built-in kernels in the last
// bits, and may depend on OpenBLAS's thread count and kernel choice.
package openblas
