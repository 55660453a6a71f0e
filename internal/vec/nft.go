package vec

import "math"

// logTable[j] = log c_j and logInv[j] = 1/c_j for the centres
// c_j = 1 + (j + 1/2)/LogN of LogN sub-intervals of [1, 2): the tables of
// the table-driven logarithm of NFTRow and package policy's NFT.
var logTable, logInv = func() (l, inv [LogN]float64) {
	for j := range l {
		c := 1 + (float64(j)+0.5)*(1.0/LogN)
		l[j] = math.Log(c)
		inv[j] = 1 / c
	}
	return l, inv
}()

// The logarithm's constants: log x = e·ln2 + log c_j + log1p((m − c_j)/c_j)
// for x = 2^e·m, m in [1, 2), and j the top 7 bits of m's fraction, with
// ln2 = Ln2Hi + Ln2Lo (fdlibm's split) and log1p from its degree-6 Taylor
// polynomial.
const (
	LogN  = 128
	Ln2Hi = 6.93147180369123816490e-01
	Ln2Lo = 1.90821492927058770002e-10
)

// LogTables returns the logarithm's tables, log c_j and 1/c_j, for
// reading only.
func LogTables() (tab, inv *[LogN]float64) { return &logTable, &logInv }

// NFTParams are the constants of one row of NFTRow.
type NFTParams struct {
	Correct bool
	// Incorrect rows: x = Inv − A·R and the loss −log max(x, Eps).
	Inv, A, Eps float64
	GCorrect    float64 // gradient of a correct row's counted token
	GNeg        float64 // gradient scale of an incorrect row: GNeg·R/max(x, Eps)
	Lim         float64 // clamp of the log-ratios, in (0, 700]
}

// NFTSums are NFTRow's sums over a row, in four lanes but for Clipped, a
// count.
type NFTSums struct {
	Loss, Ratio, AKL, Chk [4]float64
	Clipped               float64
}

// NFTRow is the token loop of package policy's NFT (same per-token
// arithmetic, with ExpSmall and the logarithm of LogTables). Over the first
// len(lp) &^ 3 tokens, with the mask m (0 skips a token, any other value
// counts it; nil counts every token), ρ = lp − old, ρ_c = ρ clamped to
// ±Lim and R = e^ρ_c, it sets s, lane t mod 4, to the sums of
//
//	Loss: −ρ (correct) or −log max(Inv − A·R, Eps) (incorrect),
//	Ratio: R, AKL: R − 1 − ρ_c, Chk: ρ over every token, counted or not,
//	Clipped: incorrect tokens with Inv − A·R ≤ Eps,
//
// and writes g_t = GCorrect (correct) or live·GNeg·R/max(x, Eps), live 0
// where ρ was clamped, for counted tokens and 0 for skipped ones, unless g
// is nil. It returns the tokens done; the caller does the rest.
func NFTRow(g, lp, old, m []float64, p *NFTParams, s *NFTSums) int {
	n4 := len(lp) &^ 3
	g, lp, old, m = head(g, n4), lp[:n4], old[:n4], head(m, n4)
	if useAsm {
		var k nftConsts
		k.set(p)
		c := 0
		if p.Correct {
			c = 1
		}
		nftAVX2(g, lp, old, m, &k, &expBits, &logTable, &logInv, c, s)
		return n4
	}
	nftGo(g, lp, old, m, p, s)
	return n4
}

// nftConsts are the constants of the assembly body, each in four lanes:
// lim, −lim, the eight of expConsts, Inv, A, Eps, GCorrect, GNeg, the
// mantissa mask, 2⁵², 2⁵² + 1023, 1/128, 1/3, −1/2, −1/4, 1/5, −1/6,
// Ln2Hi, Ln2Lo, and the integer 127.
type nftConsts [27][4]float64

func (k *nftConsts) set(p *NFTParams) {
	bits := math.Float64frombits
	vals := [27]float64{p.Lim, -p.Lim, expConsts[0], expConsts[1], expConsts[2], expConsts[3],
		expConsts[4], expConsts[5], expConsts[6], expConsts[7], p.Inv, p.A, p.Eps, p.GCorrect, p.GNeg,
		bits(1<<52 - 1), 0x1p52, 0x1p52 + 1023, 1.0 / LogN, 1.0 / 3, -0.5, -0.25, 0.2, -1.0 / 6,
		Ln2Hi, Ln2Lo, bits(LogN - 1)}
	for i, v := range vals {
		k[i] = [4]float64{v, v, v, v}
	}
}

// nftGo is NFTRow's portable body, token by token.
func nftGo(g, lp, old, m []float64, p *NFTParams, s *NFTSums) {
	*s = NFTSums{}
	lim, inv, a, eps := p.Lim, p.Inv, p.A, p.Eps
	for t := range lp {
		k := t & 3
		rho := lp[t] - old[t]
		s.Chk[k] += rho
		if m != nil && m[t] == 0 {
			if g != nil {
				g[t] = 0
			}
			continue
		}
		if p.Correct {
			s.Loss[k] -= rho
			rc := max(-lim, min(lim, rho))
			R := ExpSmall(rc)
			s.Ratio[k] += R
			s.AKL[k] += R - 1 - rc
			if g != nil {
				g[t] = p.GCorrect
			}
			continue
		}
		rc, live := rho, 1.0
		if rc > lim {
			rc, live = lim, 0
		} else if rc < -lim {
			rc, live = -lim, 0
		}
		R := ExpSmall(rc)
		s.Ratio[k] += R
		s.AKL[k] += R - 1 - rc
		x := inv - float64(a*R)
		xm := max(x, eps)
		if x <= eps {
			s.Clipped++
		}
		bits := math.Float64bits(xm)
		e := float64(int64(bits>>52) - 1023)
		j := (bits >> (52 - 7)) & (LogN - 1)
		v := (math.Float64frombits(bits&(1<<52-1)|1023<<52) - (1 + float64((float64(j)+0.5)*(1.0/LogN)))) * logInv[j]
		v2 := v * v
		q := v + float64(v2*((-0.5+float64(v*(1.0/3)))+float64(v2*((-0.25+float64(v*0.2))+float64(v2*(-1.0/6))))))
		s.Loss[k] -= float64(e*Ln2Hi) + (logTable[j] + (q + float64(e*Ln2Lo)))
		if g != nil {
			g[t] = live * p.GNeg * R / xm
		}
	}
}
