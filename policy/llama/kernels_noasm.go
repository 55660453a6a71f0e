//go:build !amd64 || purego

package llama

// useAsm reports whether assembly kernels are in use: never on this build.
const useAsm = false

func expShiftAVX2(x []float32, scale, shift float32) float32 { panic("unreachable") }

func maxAVX2(x []float32) float32 { panic("unreachable") }

func softmaxGradAVX2(p, ds []float32, d, scale float32) { panic("unreachable") }

func swigluAVX2(h, a, b, e []float32) { panic("unreachable") }

func swigluGradAVX2(da, db, d, a, b, e []float32) { panic("unreachable") }
