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
		s0 += float64(m0 * (a[t] - c[t]))
		s1 += float64(m1 * (a[t+1] - c[t+1]))
		s2 += float64(m2 * (a[t+2] - c[t+2]))
		s3 += float64(m3 * (a[t+3] - c[t+3]))
		n0 += m0 + m1
		n1 += m2 + m3
		bad |= maskBits(m0) | maskBits(m1) | maskBits(m2) | maskBits(m3)
	}
	*l = [4]float64{s0, s1, s2, s3}
	return t, n0 + n1, bad
}

// clip returns d = lp − ref, o = old − ref, d clipped into [o − ε, o + ε],
// and 1 when it was clipped (0 otherwise).
func clip(lp, ref, old, eps float64) (d, o, c, out float64) {
	d = lp - ref
	o = old - ref
	c = d
	if c < o-eps {
		c, out = o-eps, 1
	} else if c > o+eps {
		c, out = o+eps, 1
	}
	return d, o, c, out
}

// clipSumsGo is the body of ClipSums; m nil means all ones.
func clipSumsGo(lp, ref, old, m []float64, eps float64, a *clipLanes) (int, uint64) {
	n4 := len(lp) &^ 3
	lp, ref, old = lp[:n4], ref[:n4], old[:n4]
	var s0, s1, s2, s3, c0, c1, c2, c3, k0, k1, k2, k3, n, clipped float64
	var bad uint64
	if m == nil {
		for t := 0; t < n4; t += 4 {
			d, o, c, out := clip(lp[t], ref[t], old[t], eps)
			s0, c0, k0, clipped = s0+d, c0+c, k0+o, clipped+out
			d, o, c, out = clip(lp[t+1], ref[t+1], old[t+1], eps)
			s1, c1, k1, clipped = s1+d, c1+c, k1+o, clipped+out
			d, o, c, out = clip(lp[t+2], ref[t+2], old[t+2], eps)
			s2, c2, k2, clipped = s2+d, c2+c, k2+o, clipped+out
			d, o, c, out = clip(lp[t+3], ref[t+3], old[t+3], eps)
			s3, c3, k3, clipped = s3+d, c3+c, k3+o, clipped+out
		}
		n = float64(n4)
	} else {
		m = m[:n4]
		for t := 0; t < n4; t += 4 {
			m0, m1, m2, m3 := m[t], m[t+1], m[t+2], m[t+3]
			bad |= maskBits(m0) | maskBits(m1) | maskBits(m2) | maskBits(m3)
			n += (m0 + m1) + (m2 + m3)
			d, o, c, out := clip(lp[t], ref[t], old[t], eps)
			s0, c0, k0, clipped = s0+float64(m0*d), c0+float64(m0*c), k0+o, clipped+float64(m0*out)
			d, o, c, out = clip(lp[t+1], ref[t+1], old[t+1], eps)
			s1, c1, k1, clipped = s1+float64(m1*d), c1+float64(m1*c), k1+o, clipped+float64(m1*out)
			d, o, c, out = clip(lp[t+2], ref[t+2], old[t+2], eps)
			s2, c2, k2, clipped = s2+float64(m2*d), c2+float64(m2*c), k2+o, clipped+float64(m2*out)
			d, o, c, out = clip(lp[t+3], ref[t+3], old[t+3], eps)
			s3, c3, k3, clipped = s3+float64(m3*d), c3+float64(m3*c), k3+o, clipped+float64(m3*out)
		}
	}
	a.s = [4]float64{s0, s1, s2, s3}
	a.sc = [4]float64{c0, c1, c2, c3}
	a.chk = [4]float64{k0, k1, k2, k3}
	a.n, a.clipped = n, clipped
	return n4, bad
}
