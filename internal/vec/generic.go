package vec

// Portable bodies of the four-lane sums: each processes the elements up to
// the last multiple of four into the lanes and returns how many it did; the
// caller adds the rest to lane 0. Lanes are local variables so that they
// stay in registers.

func diffSumGo(a, c []float64, l *[4]float64) int {
	c = c[:len(a)]
	var s0, s1, s2, s3 float64
	t := 0
	for ; t+4 <= len(a); t += 4 {
		s0 += a[t] - c[t]
		s1 += a[t+1] - c[t+1]
		s2 += a[t+2] - c[t+2]
		s3 += a[t+3] - c[t+3]
	}
	*l = [4]float64{s0, s1, s2, s3}
	return t
}

func maskedDiffSumGo(a, c, m []float64, l *[4]float64) (int, float64, uint64) {
	c = c[:len(a)]
	m = m[:len(a)]
	var s0, s1, s2, s3, n0, n1 float64
	var bad uint64
	t := 0
	for ; t+4 <= len(a); t += 4 {
		m0, m1, m2, m3 := m[t], m[t+1], m[t+2], m[t+3]
		s0 += m0 * (a[t] - c[t])
		s1 += m1 * (a[t+1] - c[t+1])
		s2 += m2 * (a[t+2] - c[t+2])
		s3 += m3 * (a[t+3] - c[t+3])
		n0 += m0 + m1
		n1 += m2 + m3
		bad |= maskBits(m0) | maskBits(m1) | maskBits(m2) | maskBits(m3)
	}
	*l = [4]float64{s0, s1, s2, s3}
	return t, n0 + n1, bad
}

// clipSumsGo is the body of ClipSums; m nil means all ones.
func clipSumsGo(lp, ref, old, m []float64, eps float64, a *clipLanes) (int, uint64) {
	ref = ref[:len(lp)]
	old = old[:len(lp)]
	var bad uint64
	n4 := len(lp) &^ 3
	for t := 0; t < n4; t += 4 {
		for k := range 4 {
			mt := 1.0
			if m != nil {
				mt = m[t+k]
				bad |= maskBits(mt)
			}
			d := lp[t+k] - ref[t+k]
			o := old[t+k] - ref[t+k]
			c := d
			if c < o-eps {
				c = o - eps
				a.clipped += mt
			} else if c > o+eps {
				c = o + eps
				a.clipped += mt
			}
			a.s[k] += mt * d
			a.sc[k] += mt * c
			a.chk[k] += o
			a.n += mt
		}
	}
	return n4, bad
}
