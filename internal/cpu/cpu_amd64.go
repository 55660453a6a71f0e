//go:build amd64 && !purego

package cpu

func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

func xgetbv() (eax, edx uint32)

func init() {
	maxID, _, _, _ := cpuid(0, 0)
	if maxID < 7 {
		return
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const fma, osxsave, avx = 1 << 12, 1 << 27, 1 << 28
	if ecx1&(osxsave|avx) != osxsave|avx {
		return
	}
	xcr0, _ := xgetbv()
	if xcr0&6 != 6 { // XMM and YMM state saved by the OS
		return
	}
	_, ebx7, _, _ := cpuid(7, 0)
	AVX2 = ebx7&(1<<5) != 0
	FMA = ecx1&fma != 0
	// AVX-512 Foundation, with the opmask and ZMM state saved by the OS.
	AVX512F = ebx7&(1<<16) != 0 && xcr0&0xe0 == 0xe0
}

// fmaLoopAVX2 runs n iterations of 12 independent 8-lane fused
// multiply-adds (192 FLOP each); see BenchmarkFMAPeak.
//
//go:noescape
func fmaLoopAVX2(n int)

// fmaLoopAVX512 runs n iterations of 12 independent 16-lane fused
// multiply-adds (384 FLOP each).
//
//go:noescape
func fmaLoopAVX512(n int)
