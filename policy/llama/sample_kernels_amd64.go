//go:build amd64 && !purego

package llama

// Implemented in sample_amd64.s.

//go:noescape
func smpKern4x16(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)

//go:noescape
func smpKern1x64(k int, a *float32, b *float32, ldb int, c *float32)

//go:noescape
func smpKern1x16(k int, a *float32, b *float32, ldb int, c *float32)

func smpCPUID(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

func smpXGETBV() (eax, edx uint32)

// smpHasAVX2FMA reports whether the CPU and the operating system support
// AVX2 and FMA (CPUID.1:ECX FMA, OSXSAVE, AVX; XCR0 saves XMM and YMM;
// CPUID.7:EBX AVX2).
func smpHasAVX2FMA() bool {
	maxID, _, _, _ := smpCPUID(0, 0)
	if maxID < 7 {
		return false
	}
	_, _, ecx1, _ := smpCPUID(1, 0)
	const fma, osxsave, avx = 1 << 12, 1 << 27, 1 << 28
	if ecx1&(fma|osxsave|avx) != fma|osxsave|avx {
		return false
	}
	if xcr0, _ := smpXGETBV(); xcr0&6 != 6 {
		return false
	}
	_, ebx7, _, _ := smpCPUID(7, 0)
	return ebx7&(1<<5) != 0
}

var smpAsm = smpHasAVX2FMA()

//go:noescape
func smpKern1x8(k int, a *float32, b *float32, ldb int, c *float32)

//go:noescape
func smpExpSum8(x *float32, n int, shift float32) float32

//go:noescape
func smpMax8(x *float32, n int) float32

//go:noescape
func smpKern1x64p(k int, a *float32, b *float32, ps int, c *float32)

//go:noescape
func smpKern1x32p(k int, a *float32, b *float32, ps int, c *float32)

//go:noescape
func smpKern2x8(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)
