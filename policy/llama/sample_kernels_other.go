//go:build !amd64 || purego

package llama

func smpKern4x16(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int) {
	panic("llama: no assembly kernels in this build")
}

func smpKern1x64(k int, a *float32, b *float32, ldb int, c *float32) {
	panic("llama: no assembly kernels in this build")
}

func smpKern1x16(k int, a *float32, b *float32, ldb int, c *float32) {
	panic("llama: no assembly kernels in this build")
}

func smpKern1x8(k int, a *float32, b *float32, ldb int, c *float32) {
	panic("llama: no assembly kernels in this build")
}

func smpKern1x64p(k int, a *float32, b *float32, ps int, c *float32) {
	panic("llama: no assembly kernels in this build")
}

func smpKern1x32p(k int, a *float32, b *float32, ps int, c *float32) {
	panic("llama: no assembly kernels in this build")
}

func smpKern2x8(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int) {
	panic("llama: no assembly kernels in this build")
}
