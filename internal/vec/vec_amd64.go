//go:build amd64 && !purego

package vec

import "github.com/evolve-go/evolve/internal/cpu"

// Assembly bodies (vec_amd64.s), used when the CPU and the operating system
// support AVX2. Each processes the elements up to the last multiple of four
// of its first slice; the Go wrappers in vec.go do the rest. Build with
// -tags purego to use the portable bodies instead.

//go:noescape
func diffSumAVX2(a, c []float64, l *[4]float64)

//go:noescape
func maskedDiffSumAVX2(a, c, m []float64, l *[4]float64) (n float64, bad uint64)

//go:noescape
func sumAVX2(a []float64, l *[2]float64)

//go:noescape
func maskedSumAVX2(a, m []float64, l *[2]float64) (n float64, bad uint64)

//go:noescape
func fillAVX2(g []float64, c float64)

//go:noescape
func scaleMaskAVX2(g, m []float64, c float64)

//go:noescape
func clipSumsAVX2(lp, ref, old []float64, eps float64, a *clipLanes)

//go:noescape
func maskedClipSumsAVX2(lp, ref, old, m []float64, eps float64, a *clipLanes) (bad uint64)

//go:noescape
func clipGradAVX2(g, lp, ref, old []float64, eps, c, both float64)

//go:noescape
func maskedClipGradAVX2(g, lp, ref, old, m []float64, eps, c, both float64)

// useAsm reports whether the assembly bodies are in use; tests switch it
// off to compare them with the portable ones.
var useAsm = cpu.AVX2

//go:noescape
func expDiffAVX2(dst, a, b []float64, lim float64, tab *[expN]uint64, c *[8]float64)

//go:noescape
func tokenClipAVX2(g, lp, old, ref, m []float64, k *tokenClipConsts, tab *[expN]uint64, kl int, s *TokenClipSums)

//go:noescape
func nftAVX2(g, lp, old, m []float64, k *nftConsts, etab *[expN]uint64, ltab, linv *[LogN]float64, correct int, s *NFTSums)
