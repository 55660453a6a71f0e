package llama

import "math"

// smpMatmul computes C[m×n] += A[m×k] · B[k×n] for row-major A (rows lda
// apart), B (rows ldb apart) and C (rows ldc apart), on the calling
// goroutine. B is a transposed weight matrix ([in][out]), so a row of C is
// a batch row's layer output.
//
// Each element of C accumulates its k products in order p = 0…k-1 whatever
// the row blocking (4-row tiles, single rows, the column tail), so the
// result of a row does not depend on how many rows are batched with it —
// the property that makes seeded sampling independent of the batch split.
// On amd64 with AVX2 and FMA the 16-column blocks run in assembly (one
// fused multiply-add per product) and so does an 8-column block after them
// (four partial sums over p, added at the end); elsewhere, and for the columns past the
// last multiple of 16, in Go.
func smpMatmul(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m <= 0 || n <= 0 || k <= 0 {
		return
	}
	// The kernels do not check bounds: check the extreme elements once.
	_ = a[(m-1)*lda+k-1]
	_ = b[(k-1)*ldb+n-1]
	_ = c[(m-1)*ldc+n-1]
	n16 := 0
	if smpAsm {
		n16 = n &^ 15
		i := 0
		for ; i+4 <= m; i += 4 {
			for j := 0; j < n16; j += 16 {
				smpKern4x16(k, &a[i*lda], lda, &b[j], ldb, &c[i*ldc+j], ldc)
			}
		}
		for ; i < m; i++ {
			j := 0
			for ; j+64 <= n16; j += 64 {
				smpKern1x64(k, &a[i*lda], &b[j], ldb, &c[i*ldc+j])
			}
			for ; j < n16; j += 16 {
				smpKern1x16(k, &a[i*lda], &b[j], ldb, &c[i*ldc+j])
			}
		}
		if n-n16 >= 8 {
			// An 8-column block, per row (four partial sums over p).
			for i := 0; i < m; i++ {
				smpKern1x8(k, &a[i*lda], &b[n16], ldb, &c[i*ldc+n16])
			}
			n16 += 8
		}
	}
	if n16 < n {
		smpMatmulGo(m, n16, n, k, a, lda, b, ldb, c, ldc)
	}
}

// smpMatmulGo is the portable kernel: columns [j0, j1) of C += A·B.
func smpMatmulGo(m, j0, j1, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	w := j1 - j0
	for i := 0; i < m; i++ {
		crow := c[i*ldc+j0 : i*ldc+j1 : i*ldc+j1]
		arow := a[i*lda : i*lda+k : i*lda+k]
		for p, av := range arow {
			brow := b[p*ldb+j0 : p*ldb+j0+w : p*ldb+j0+w]
			for j, bv := range brow {
				crow[j] += av * bv
			}
		}
	}
}

// smpExp returns e^x in float32 with a relative error below 2e-7 for
// x ∈ [−87, 88] and 0 below −87: Cody–Waite range reduction x = n·ln2 + r,
// |r| ≤ ln2/2, and Cephes' degree-6 polynomial for e^r.
//
// References: Moshier, Cephes Math Library (expf.c).
func smpExp(x float32) float32 {
	if x < -87 {
		return 0
	}
	if x > 88 {
		x = 88
	}
	const (
		log2e = 1.44269504088896341
		c1    = 0.693359375
		c2    = -2.12194440e-4
		round = 12582912 // 1.5·2²³: adding and subtracting it rounds to an integer
	)
	t := x*log2e + round
	n := t - round
	r := x - n*c1 - n*c2
	z := r * r
	y := ((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+1.6666665459e-1)*r + 5.0000001201e-1
	y = y*z + r + 1
	return y * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// smpExpSum sets x[i] = e^(x[i]−shift) and returns the sum (vectorised
// with AVX2 where available; see smpExp for the accuracy).
func smpExpSum(x []float32, shift float32) float32 {
	n8 := 0
	var s float32
	if smpAsm {
		n8 = len(x) &^ 7
		if n8 > 0 {
			s = smpExpSum8(&x[0], n8, shift)
		}
	}
	for i := n8; i < len(x); i++ {
		v := smpExp(x[i] - shift)
		x[i] = v
		s += v
	}
	return s
}

// smpMax returns the largest element of x (len(x) > 0, no NaN).
func smpMax(x []float32) float32 {
	mx := x[0]
	n8 := 0
	if smpAsm && len(x) >= 8 {
		n8 = len(x) &^ 7
		mx = smpMax8(&x[0], n8)
	}
	for _, v := range x[n8:] {
		if v > mx {
			mx = v
		}
	}
	return mx
}

// smpRMSNorm writes g ⊙ x / sqrt(mean(x²) + 1e-5) into y (llama2.c's
// rmsnorm, in float32).
func smpRMSNorm(y, x, g []float32) {
	x = x[:len(g)]
	y = y[:len(g)]
	var ss float32
	for _, v := range x {
		ss += v * v
	}
	ss = ss/float32(len(x)) + 1e-5
	s := float32(1 / math.Sqrt(float64(ss)))
	for i, v := range x {
		y[i] = g[i] * (s * v)
	}
}
