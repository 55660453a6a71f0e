//go:build !amd64 || purego

package vec

// useAsm reports whether the assembly bodies are in use: never on this build.
const useAsm = false

func diffSumAVX2(a, c []float64, l *[4]float64) { panic("unreachable") }

func maskedDiffSumAVX2(a, c, m []float64, l *[4]float64) (float64, uint64) { panic("unreachable") }

func sumAVX2(a []float64, l *[2]float64) { panic("unreachable") }

func maskedSumAVX2(a, m []float64, l *[2]float64) (float64, uint64) { panic("unreachable") }

func fillAVX2(g []float64, c float64) { panic("unreachable") }

func scaleMaskAVX2(g, m []float64, c float64) { panic("unreachable") }

func clipSumsAVX2(lp, ref, old []float64, eps float64, a *clipLanes) { panic("unreachable") }

func maskedClipSumsAVX2(lp, ref, old, m []float64, eps float64, a *clipLanes) uint64 {
	panic("unreachable")
}

func clipGradAVX2(g, lp, ref, old []float64, eps, c, both float64) { panic("unreachable") }

func maskedClipGradAVX2(g, lp, ref, old, m []float64, eps, c, both float64) { panic("unreachable") }

func expDiffAVX2(dst, a, b []float64, lim float64, tab *[expN]uint64, c *[8]float64) {
	panic("unreachable")
}

func tokenClipAVX2(g, lp, old, ref, m []float64, k *tokenClipConsts, tab *[expN]uint64, kl int, s *TokenClipSums) {
	panic("unreachable")
}

func nftAVX2(g, lp, old, m []float64, k *nftConsts, etab *[expN]uint64, ltab, linv *[LogN]float64, correct int, s *NFTSums) {
	panic("unreachable")
}
