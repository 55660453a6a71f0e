package llama

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// The matrix products of the forward and backward passes all reduce to one
// operation, C[m×n] (+)= A[m×k] · B[k×n], with A addressed through a row
// and a column stride (so that A may be a transposed view, as in the weight
// gradient dW += dYᵀ X), B row-major or given by its transpose, and C
// row-major: gemmPar behind Kernels.Sgemm for the weight products, gemmAt
// on the calling goroutine for the attention's blocks. Rows of C are split
// among goroutines in blocks of gemmMR rows and the reduction over k always
// runs in the same blocks and order, so a result does not depend on the
// number of goroutines. The inner kernels compute gemmMR×16, ×8 or ×4 tiles
// of C over a block of k, in registers (AVX2/FMA assembly on amd64 when the
// CPU has it; plain Go otherwise).

const (
	gemmMR = 4   // rows of C per kernel tile
	gemmKC = 256 // block of the reduction dimension kept hot in cache
)

// workers is the number of goroutines the kernels use.
func workers() int { return max(1, runtime.GOMAXPROCS(0)) }

// parallelFor splits [0, n) into chunks whose boundaries are multiples of
// align (except n itself) and runs f on each, on up to workers()
// goroutines, waiting for all. Chunks are claimed dynamically, so a
// goroutine slowed by other load on the machine holds up little; every
// caller computes each element the same way whatever chunk it falls in, so
// results do not depend on the number of goroutines.
func parallelFor(n, align int, f func(lo, hi int)) {
	parallelForW(n, align, func(_, lo, hi int) { f(lo, hi) })
}

// chunksPerWorker is how many chunks parallelFor makes per goroutine.
const chunksPerWorker = 4

// parallelForW is parallelFor passing f the index w < workers() of the
// goroutine running it, for per-goroutine scratch space.
func parallelForW(n, align int, f func(w, lo, hi int)) {
	nw := workers()
	blocks := (n + align - 1) / align
	if nw > blocks {
		nw = blocks
	}
	if nw <= 1 {
		if n > 0 {
			f(0, 0, n)
		}
		return
	}
	chunks := min(blocks, nw*chunksPerWorker)
	bound := func(c int) int { return min(n, (c*blocks/chunks)*align) }
	var next atomic.Int64
	run := func(w int) {
		for {
			c := int(next.Add(1) - 1)
			if c >= chunks {
				return
			}
			if lo, hi := bound(c), bound(c+1); lo < hi {
				f(w, lo, hi)
			}
		}
	}
	var wg sync.WaitGroup
	wg.Add(nw - 1)
	for w := 1; w < nw; w++ {
		go func(w int) {
			defer wg.Done()
			run(w)
		}(w)
	}
	run(0)
	wg.Wait()
}

// scratch is one goroutine's working memory, kept by a Tape between calls.
type scratch struct {
	a, b, c, d, e []float32
}

// scratchFor returns per-goroutine scratch space for parallelForW.
func (tp *Tape) scratchFor() []scratch {
	if len(tp.work) < workers() {
		tp.work = make([]scratch, workers())
	}
	return tp.work
}

// maxf returns the largest element of the non-empty x (NaNs ignored).
func maxf(x []float32) float32 {
	if useAsm && len(x) >= 8 {
		n8 := len(x) &^ 7
		m := maxAVX2(x[:n8])
		for _, v := range x[n8:] {
			if v > m {
				m = v
			}
		}
		return m
	}
	m := x[0]
	for _, v := range x {
		if v > m {
			m = v
		}
	}
	return m
}

// gemmB is the B operand of gemmSerial: B(p,j) = b[p*ldb+j], or, when tb,
// B(p,j) = b[j*ldb+p] (B given by its transpose, row-major n×k). panels,
// when not nil, holds the whole 16-column tiles of B packed by packB
// (always, when tb); rem holds, when tb, the last n mod 16 columns of B
// row-major (k × n mod 16), for the edge kernels.
type gemmB struct {
	b      []float32
	ldb    int
	tb     bool
	panels []float32
	rem    []float32
}

// edge returns the row-major source of B's columns from j0 = n &^ 15 on:
// B(p, j) = s[p*ld + j − off].
func (g *gemmB) edge(n int) (s []float32, ld, off int) {
	if g.tb {
		return g.rem, n - n&^15, n &^ 15
	}
	return g.b, g.ldb, 0
}

// gemmPar computes C += A·B (acc) or C = A·B (!acc, C's previous contents
// ignored) for C of m×n, A(i,p) = a[i*rsa+p*csa], B(p,j) = b[p*ldb+j] or,
// when tb, b[j*ldb+p], C(i,j) = c[i*ldc+j], with the rows split among the
// workers when the product is large enough to repay it. With at least
// gemmPackRows rows, or B transposed, the whole 16-column tiles of B are
// first packed into panels (packB), which every worker then reads
// sequentially.
func gemmPar(m, n, k int, a []float32, rsa, csa int, b []float32, ldb int, tb bool, c []float32, ldc int, acc bool) {
	if m <= 0 || n <= 0 || k <= 0 {
		return
	}
	// The kernels do not check bounds: check the extreme elements once,
	// here rather than on a worker goroutine.
	_ = a[(m-1)*rsa+(k-1)*csa]
	if tb {
		_ = b[(n-1)*ldb+k-1]
	} else {
		_ = b[(k-1)*ldb+n-1]
	}
	_ = c[(m-1)*ldc+n-1]
	g := gemmB{b: b, ldb: ldb, tb: tb}
	if tb || (m >= gemmPackRows && n >= 16 && m*n*k >= 1<<15) {
		g.panels = packB(b, ldb, tb, k, n&^15)
		defer putPack(g.panels)
	}
	if r := n - n&^15; tb && r > 0 {
		g.rem = getPack(k * r)
		defer putPack(g.rem)
		for jj := range r {
			for p, v := range b[(n&^15+jj)*ldb : (n&^15+jj)*ldb+k] {
				g.rem[p*r+jj] = v
			}
		}
	}
	if m*n*k < 1<<15 {
		gemmSerial(0, m, n, k, a, rsa, csa, &g, c, ldc, acc)
		return
	}
	parallelFor(m, gemmMR, func(lo, hi int) {
		gemmSerial(lo, hi, n, k, a, rsa, csa, &g, c, ldc, acc)
	})
}

// gemmPackRows is the least number of rows of C for which gemmPar packs a
// row-major B: below it the packing's pass over B is not repaid.
const gemmPackRows = 32

// packFree holds the packing buffers between products. Unlike a
// sync.Pool it keeps them across garbage collections: a training step
// reuses the same few buffers (the largest a few MB) and makes no garbage.
var packFree struct {
	sync.Mutex
	bufs [][]float32
}

// getPack returns a buffer of n floats (contents undefined).
func getPack(n int) []float32 {
	packFree.Lock()
	var b []float32
	if k := len(packFree.bufs); k > 0 {
		b = packFree.bufs[k-1]
		packFree.bufs = packFree.bufs[:k-1]
	}
	packFree.Unlock()
	return grow(b, n)
}

// putPack returns a buffer of getPack.
func putPack(b []float32) {
	packFree.Lock()
	packFree.bufs = append(packFree.bufs, b)
	packFree.Unlock()
}

// packB copies the first n16 (a multiple of 16) columns of the k×n16 block
// of B (B(p,j) = b[p*ldb+j], or b[j*ldb+p] when tb) into panels, on every
// worker: for each block of gemmKC rows starting at p0, its 16-column
// tiles one after the other, each kk×16 row-major: B(p, 16t+j) goes to
// p0·n16 + t·kk·16 + (p−p0)·16 + j. The kernels then read each tile's rows
// 64 bytes apart.
func packB(b []float32, ldb int, tb bool, k, n16 int) []float32 {
	dst := getPack(k * n16)
	if tb {
		// Transposed: each row of b is a column of B, read contiguously.
		parallelFor(n16, 16, func(lo, hi int) {
			for j := lo; j < hi; j++ {
				t, jj, col := j/16, j%16, b[j*ldb:j*ldb+k]
				for p0 := 0; p0 < k; p0 += gemmKC {
					kk := min(gemmKC, k-p0)
					out := dst[p0*n16+t*kk*16+jj:]
					for p, v := range col[p0 : p0+kk] {
						out[p*16] = v
					}
				}
			}
		})
		return dst
	}
	parallelFor(k, 16, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			p0 := p - p%gemmKC
			kk := min(gemmKC, k-p0)
			row := b[p*ldb : p*ldb+n16]
			out := dst[p0*n16+(p-p0)*16:]
			for t := 0; t < n16; t += 16 {
				copy(out[t*kk:t*kk+16], row[t:t+16])
			}
		}
	})
	return dst
}

// gemmAt is gemmPar with a row-major B on the calling goroutine, for
// products too small to split (the attention blocks).
func gemmAt(m, n, k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, acc bool) {
	if m <= 0 || n <= 0 || k <= 0 {
		return
	}
	// The kernels do not check bounds: check the extreme elements once.
	_ = a[(m-1)*rsa+(k-1)*csa]
	_ = b[(k-1)*ldb+n-1]
	_ = c[(m-1)*ldc+n-1]
	gemmSerial(0, m, n, k, a, rsa, csa, &gemmB{b: b, ldb: ldb}, c, ldc, acc)
}

// gemmSerial computes rows [lo, hi) of C (+)= A·B on the calling goroutine.
// lo must be a multiple of gemmMR. When A is a transposed view (csa ≠ 1)
// each strip of gemmMR rows × gemmKC is first copied into a contiguous
// buffer, so that the kernels read it sequentially. No packing changes the
// arithmetic: each element of C accumulates its products in the same
// order, whatever the layout of A and B.
func gemmSerial(lo, hi, n, k int, a []float32, rsa, csa int, g *gemmB, c []float32, ldc int, acc bool) {
	var apk []float32
	if csa != 1 && n > 16 && hi-lo >= gemmMR {
		apk = getPack(gemmMR * gemmKC)
		defer putPack(apk)
	}
	n16 := n &^ 15
	eb, eld, eoff := g.edge(n)
	for p0 := 0; p0 < k; p0 += gemmKC {
		kk := min(gemmKC, k-p0)
		ac := 0
		if acc || p0 > 0 {
			ac = 1
		}
		var bt []float32
		bld, bts := g.ldb, 16
		if g.panels != nil {
			bt, bld, bts = g.panels[p0*n16:], 16, kk*16
		} else if n16 > 0 {
			bt = g.b[p0*g.ldb:]
		}
		i := lo
		for ; i+gemmMR <= hi; i += gemmMR {
			as, ars, acs := a[i*rsa+p0*csa:], rsa, csa
			if apk != nil {
				packA(apk[:gemmMR*kk], as, rsa, csa)
				as, ars, acs = apk, 1, gemmMR
			}
			if n16 > 0 {
				kern4x16(kk, as, ars, acs, bt, bld, c[i*ldc:], ldc, ac, n16/16, 4*bts)
			}
			j := n16
			for ; j+8 <= n; j += 8 {
				kern4x8(kk, as, ars, acs, eb[p0*eld+j-eoff:], eld, c[i*ldc+j:], ldc, ac)
			}
			for ; j+4 <= n; j += 4 {
				kern4x4(kk, as, ars, acs, eb[p0*eld+j-eoff:], eld, c[i*ldc+j:], ldc, ac)
			}
			if j < n {
				gemmScalar(i, i+gemmMR, j, n, p0, kk, a, rsa, csa, eb, eld, eoff, false, c, ldc, ac)
			}
		}
		if i < hi {
			gemmScalar(i, hi, 0, n, p0, kk, a, rsa, csa, g.b, g.ldb, 0, g.tb, c, ldc, ac)
		}
	}
}

// packA copies a strip of gemmMR rows of A (len(dst)/gemmMR reduction
// indices; A(r, p) = a[r*rsa+p*csa]) into dst, gemmMR values per p:
// dst[p*gemmMR+r] = A(r, p).
func packA(dst, a []float32, rsa, csa int) {
	for p := 0; p < len(dst)/gemmMR; p++ {
		q := p * csa
		d := dst[p*gemmMR : p*gemmMR+gemmMR : p*gemmMR+gemmMR]
		d[0], d[1], d[2], d[3] = a[q], a[q+rsa], a[q+2*rsa], a[q+3*rsa]
	}
}

// gemmScalar is the edge case of gemmSerial: rows [i0,i1), columns [j0,j1),
// reduction indices [p0, p0+kk), with B(p,j) = b[p*ldb+j−off], or
// b[(j−off)*ldb+p] when tb; every product is rounded before it is added.
func gemmScalar(i0, i1, j0, j1, p0, kk int, a []float32, rsa, csa int, b []float32, ldb, off int, tb bool, c []float32, ldc int, acc int) {
	for i := i0; i < i1; i++ {
		crow := c[i*ldc : i*ldc+j1]
		if acc == 0 {
			clear(crow[j0:])
		}
		for p := p0; p < p0+kk; p++ {
			av := a[i*rsa+p*csa]
			if tb {
				for j := j0; j < j1; j++ {
					crow[j] += av * b[(j-off)*ldb+p]
				}
				continue
			}
			brow := b[p*ldb : p*ldb+j1-off]
			for j := j0; j < j1; j++ {
				crow[j] += av * brow[j-off]
			}
		}
	}
}

// kern4x16, kern4x8 and kern4x4 are the gemm tile kernels: the portable
// Go ones, replaced at start-up by assembly where the CPU supports it.
var (
	kern4x16 = kern4x16Go
	kern4x8  = kern4x8Go
	kern4x4  = kern4x4Go
)

// kern4x16Go is the portable kernel: nt tiles of 4×16 side by side, C at c
// (row stride ldc) += A(4×k) · B(k×16·nt) when acc is 1, = A·B when acc is
// 0, tile t of B starting bts bytes after tile t−1.
func kern4x16Go(k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, acc int, nt int, bts int) {
	for t := range nt {
		kernGo(k, 16, a, rsa, csa, b[t*bts/4:], ldb, c[16*t:], ldc, acc)
	}
}

func kern4x8Go(k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, acc int) {
	kernGo(k, 8, a, rsa, csa, b, ldb, c, ldc, acc)
}

func kern4x4Go(k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, acc int) {
	kernGo(k, 4, a, rsa, csa, b, ldb, c, ldc, acc)
}

// kernGo computes a 4×w tile four columns at a time with 16 accumulators.
func kernGo(k, w int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, acc int) {
	for j := 0; j < w; j += 4 {
		c0 := c[j : j+4 : j+4]
		c1 := c[ldc+j : ldc+j+4 : ldc+j+4]
		c2 := c[2*ldc+j : 2*ldc+j+4 : 2*ldc+j+4]
		c3 := c[3*ldc+j : 3*ldc+j+4 : 3*ldc+j+4]
		if acc == 0 {
			clear(c0)
			clear(c1)
			clear(c2)
			clear(c3)
		}
		s00, s01, s02, s03 := c0[0], c0[1], c0[2], c0[3]
		s10, s11, s12, s13 := c1[0], c1[1], c1[2], c1[3]
		s20, s21, s22, s23 := c2[0], c2[1], c2[2], c2[3]
		s30, s31, s32, s33 := c3[0], c3[1], c3[2], c3[3]
		for p := 0; p < k; p++ {
			bp := b[p*ldb+j : p*ldb+j+4 : p*ldb+j+4]
			b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
			ap := p * csa
			a0, a1, a2, a3 := a[ap], a[ap+rsa], a[ap+2*rsa], a[ap+3*rsa]
			s00 += a0 * b0
			s01 += a0 * b1
			s02 += a0 * b2
			s03 += a0 * b3
			s10 += a1 * b0
			s11 += a1 * b1
			s12 += a1 * b2
			s13 += a1 * b3
			s20 += a2 * b0
			s21 += a2 * b1
			s22 += a2 * b2
			s23 += a2 * b3
			s30 += a3 * b0
			s31 += a3 * b1
			s32 += a3 * b2
			s33 += a3 * b3
		}
		c0[0], c0[1], c0[2], c0[3] = s00, s01, s02, s03
		c1[0], c1[1], c1[2], c1[3] = s10, s11, s12, s13
		c2[0], c2[1], c2[2], c2[3] = s20, s21, s22, s23
		c3[0], c3[1], c3[2], c3[3] = s30, s31, s32, s33
	}
}

// transpose writes the transpose of the r×c row-major matrix src into dst
// starting at column off of a row-major matrix with ld columns:
// dst[j*ld+off+i] = src[i*c+j].
func transpose(dst []float32, ld, off int, src []float32, r, c int) {
	for i := 0; i < r; i++ {
		row := src[i*c : i*c+c]
		for j, v := range row {
			dst[j*ld+off+i] = v
		}
	}
}

// expf returns e^x in float32 with a relative error below 2e-7 for
// x ∈ [−87, 88] (0 below): Cody–Waite range reduction x = n·ln2 + r,
// |r| ≤ ln2/2, and Cephes' degree-6 polynomial for e^r.
//
// References: Moshier, Cephes Math Library (expf.c).
func expf(x float32) float32 {
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

// dot returns Σ a[i]·b[i] over len(a) elements in float32.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpy computes y += α·x over len(x) elements.
func axpy(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

// expShift sets x[i] = exp(x[i]·scale − shift) (as expf, 8 lanes at a time
// in assembly where available) and returns Σ x[i] summed in float32.
func expShift(x []float32, scale, shift float32) float32 {
	n8, s := 0, float32(0)
	if useAsm {
		n8 = len(x) &^ 7
		if n8 > 0 {
			s = expShiftAVX2(x[:n8], scale, shift)
		}
	}
	for i := n8; i < len(x); i++ {
		v := expf(x[i]*scale - shift)
		x[i] = v
		s += v
	}
	return s
}

// expMasked sets x[j] = exp(x[j]·scale − shift) for j < valid and x[j] = 0
// for valid ≤ j < len(x), and returns the sum over j < valid (to within
// len(x)−valid times e⁻⁸⁷, from the masked lanes). Computing whole vectors
// of 8 (len(x) a multiple of 8) spares the scalar tail of expShift.
// scale must be positive.
func expMasked(x []float32, valid int, scale, shift float32) float32 {
	for j := valid; j < len(x); j++ {
		x[j] = -1e30
	}
	s := expShift(x, scale, shift)
	clear(x[valid:])
	return s
}

// softmaxGrad sets ds[j] = p[j]·(ds[j] − d)·scale for j < len(p): the
// gradient of the scores of a softmax row with probabilities p, given
// ds[j] = ∂loss/∂p_j on entry and d = Σ_j p_j·∂loss/∂p_j.
func softmaxGrad(p, ds []float32, d, scale float32) {
	ds = ds[:len(p)]
	n8 := 0
	if useAsm {
		n8 = len(p) &^ 7
		if n8 > 0 {
			softmaxGradAVX2(p[:n8], ds[:n8], d, scale)
		}
	}
	for j := n8; j < len(p); j++ {
		ds[j] = p[j] * (ds[j] - d) * scale
	}
}
