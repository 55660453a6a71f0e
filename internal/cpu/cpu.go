// Package cpu reports the x86 vector extensions that the assembly kernels
// of the project need, with the operating system's support for them
// checked too (the YMM registers saved on context switches).
//
// Both are false on other architectures and in builds with the purego tag,
// where the kernels' portable Go twins run instead.
package cpu

// AVX2 reports whether AVX2 instructions can run.
var AVX2 bool

// FMA reports whether FMA3 (fused multiply-add) instructions can run.
var FMA bool

// AVX512F reports whether AVX-512 Foundation instructions can run (the
// CPU has them and the operating system saves the ZMM and opmask state).
// No kernel uses them yet; the peak benchmark (BenchmarkFMAPeak) does.
var AVX512F bool
