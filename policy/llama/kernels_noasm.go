//go:build !amd64 || purego

package llama

// useAsm reports whether assembly kernels are in use: never on this build.
const useAsm = false

func expShiftAVX2(x []float32, scale, shift float32) float32 { panic("unreachable") }

func maxAVX2(x []float32) float32 { panic("unreachable") }

func softmaxGradAVX2(p, ds []float32, d, scale float32) { panic("unreachable") }

func swigluAVX2(h, a, b, e []float32) { panic("unreachable") }

func swigluGradAVX2(da, db, d, a, b, e []float32) { panic("unreachable") }

func smpKern4x16(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int) {
	panic("unreachable")
}

func smpKern1x64(k int, a *float32, b *float32, ldb int, c *float32) { panic("unreachable") }

func smpKern1x16(k int, a *float32, b *float32, ldb int, c *float32) { panic("unreachable") }

func smpKern1x8(k int, a *float32, b *float32, ldb int, c *float32) { panic("unreachable") }

func smpKern1x64p(k int, a *float32, b *float32, ps int, c *float32) { panic("unreachable") }

func smpKern1x32p(k int, a *float32, b *float32, ps int, c *float32) { panic("unreachable") }

func smpKern2x8(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int) {
	panic("unreachable")
}
