package llama

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
	if useAsm {
		n16 = n &^ 15
		// Column blocks outside, row tiles inside: a k×16 block of B stays
		// in L1 while every tile of A goes past it.
		m4 := m &^ 3
		if m4 > 0 {
			for j := 0; j < n16; j += 16 {
				for i := 0; i < m4; i += 4 {
					smpKern4x16(k, &a[i*lda], lda, &b[j], ldb, &c[i*ldc+j], ldc)
				}
			}
		}
		for i := m4; i < m; i++ {
			j := 0
			for ; j+64 <= n16; j += 64 {
				smpKern1x64(k, &a[i*lda], &b[j], ldb, &c[i*ldc+j])
			}
			for ; j < n16; j += 16 {
				smpKern1x16(k, &a[i*lda], &b[j], ldb, &c[i*ldc+j])
			}
		}
		if n-n16 >= 8 {
			// An 8-column block, two rows or one at a time (four partial
			// sums over p, the same for either kernel).
			i := 0
			for ; i+2 <= m; i += 2 {
				smpKern2x8(k, &a[i*lda], lda, &b[n16], ldb, &c[i*ldc+n16], ldc)
			}
			if i < m {
				smpKern1x8(k, &a[i*lda], &b[n16], ldb, &c[i*ldc+n16])
			}
			n16 += 8
		}
	} else {
		// The portable kernel on 8-column blocks.
		n16 = n &^ 7
		for j := 0; j < n16; j += 8 {
			for i := 0; i < m; i++ {
				smpKern1x8Go(a[i*lda:i*lda+k], b[j:], ldb, c[i*ldc+j:i*ldc+j+8])
			}
		}
	}
	if n16 < n {
		smpMatmulGo(m, n16, n, k, a, lda, b, ldb, c, ldc)
	}
}

// smpMatmulGo is the portable kernel for the last columns: columns
// [j0, j1) of C += A·B. Like every Go kernel here it rounds each product
// to float32 before adding it (an explicit conversion, which forbids fusing
// the two into a multiply-add), so all of them agree element by element.
func smpMatmulGo(m, j0, j1, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	w := j1 - j0
	for i := 0; i < m; i++ {
		crow := c[i*ldc+j0 : i*ldc+j1 : i*ldc+j1]
		arow := a[i*lda : i*lda+k : i*lda+k]
		for p, av := range arow {
			brow := b[p*ldb+j0 : p*ldb+j0+w : p*ldb+j0+w]
			for j, bv := range brow {
				crow[j] += float32(av * bv)
			}
		}
	}
}

// smpKern1x8Go computes c[0:8] += Σ_p a[p]·b[p*ldb : p*ldb+8] with eight
// accumulators in registers.
func smpKern1x8Go(a, b []float32, ldb int, c []float32) {
	c = c[:8]
	c0, c1, c2, c3, c4, c5, c6, c7 := c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
	for p, av := range a {
		bp := b[p*ldb : p*ldb+8 : p*ldb+8]
		c0 += float32(av * bp[0])
		c1 += float32(av * bp[1])
		c2 += float32(av * bp[2])
		c3 += float32(av * bp[3])
		c4 += float32(av * bp[4])
		c5 += float32(av * bp[5])
		c6 += float32(av * bp[6])
		c7 += float32(av * bp[7])
	}
	c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7] = c0, c1, c2, c3, c4, c5, c6, c7
}

// smpPanel is the column width of a packed matrix's panels.
const smpPanel = 16

// packed is a k×n matrix (n output columns; a transposed weight matrix) in
// panels of 16 columns: panel P holds columns [16P, 16P+16) as k
// contiguous rows of 16 floats (columns past n are 0). A product streams
// each panel sequentially, which the hardware prefetcher follows, instead
// of striding across a wide row-major matrix; a single row's kernels read
// four or two panels side by side.
type packed struct {
	k, n int
	w    []float32
}

// pack fills p with the transpose of the matrices srcs, side by side
// along the output dimension, each starting at a multiple of 16 columns:
// srcs[s] is [rows_s][k] row-major (a weight matrix [out][in]) and its row
// r becomes column off_s + r, off_0 = 0, off_{s+1} = roundUp16(off_s +
// rows_s). Columns between the sources are 0.
func (p *packed) pack(k int, srcs ...[]float32) {
	n := 0
	for i, s := range srcs {
		if i > 0 {
			n = roundUp16(n)
		}
		n += len(s) / k
	}
	n16 := roundUp16(n)
	p.k, p.n = k, n
	p.w = grow(p.w, k*n16)
	clear(p.w)
	j := 0
	for _, s := range srcs {
		j = roundUp16(j)
		for r := 0; r < len(s)/k; r++ {
			base, ld := p.panel(j)
			col := base + j%smpPanel
			for i, v := range s[r*k : (r+1)*k] {
				p.w[col+i*ld] = v
			}
			j++
		}
	}
}

// panel returns the offset and the width (row stride) of the panel that
// holds column j.
func (p *packed) panel(j int) (base, ld int) {
	P := j / smpPanel
	return P * smpPanel * p.k, min(smpPanel, roundUp16(p.n)-P*smpPanel)
}

// smpMatmulPackedCols computes the columns [j0, j1) of C[m×n] += A[m×k] · B
// for the packed B (k×n); j0 must be a multiple of 16 and j1 one too or
// b.n. It keeps the guarantees of smpMatmul: each element accumulates its
// products in order p = 0…k−1 whatever the row blocking, so it comes out
// the same whichever column range computes it. When C's rows have room
// for n rounded up to 16, the padding columns in range receive += 0.
func smpMatmulPackedCols(m int, a []float32, lda int, b *packed, c []float32, ldc int, j0, j1 int) {
	n, k := b.n, b.k
	if m <= 0 || n <= 0 || k <= 0 || j0 >= j1 {
		return
	}
	_ = a[(m-1)*lda+k-1]
	_ = b.w[k*roundUp16(n)-1]
	_ = c[(m-1)*ldc+n-1]
	// The whole panels, and the zero padding columns too when C has room
	// for them (rather than finish in the scalar loop below).
	n16 := n &^ 15
	if full := roundUp16(n); ldc >= full && len(c) >= (m-1)*ldc+full {
		n16 = full
	}
	n16 = max(j0, min(n16, roundUp16(j1)))
	if useAsm {
		m4 := m &^ 3
		for j := j0; j < n16 && m4 > 0; j += 16 {
			base, ld := b.panel(j)
			w := b.w[base+j%smpPanel:]
			for i := 0; i < m4; i += 4 {
				smpKern4x16(k, &a[i*lda], lda, &w[0], ld, &c[i*ldc+j], ldc)
			}
		}
		ps := smpPanel * k
		for i := m4; i < m; i++ {
			for j := j0; j < n16; {
				base, _ := b.panel(j)
				switch {
				case j+64 <= n16:
					smpKern1x64p(k, &a[i*lda], &b.w[base], ps, &c[i*ldc+j])
					j += 64
				case j+32 <= n16:
					smpKern1x32p(k, &a[i*lda], &b.w[base], ps, &c[i*ldc+j])
					j += 32
				default:
					smpKern1x16(k, &a[i*lda], &b.w[base], smpPanel, &c[i*ldc+j])
					j += 16
				}
			}
		}
	} else {
		// The portable kernel on 8-column halves of whole panels.
		for j := j0; j < n16; j += 16 {
			base, _ := b.panel(j)
			for i := 0; i < m; i++ {
				arow := a[i*lda : i*lda+k]
				smpKern1x8Go(arow, b.w[base:], smpPanel, c[i*ldc+j:i*ldc+j+8])
				smpKern1x8Go(arow, b.w[base+8:], smpPanel, c[i*ldc+j+8:i*ldc+j+16])
			}
		}
	}
	// The columns past the last multiple of 16.
	for i := 0; i < m; i++ {
		arow := a[i*lda : i*lda+k : i*lda+k]
		for lo := n16; lo < min(n, j1); {
			base, ld := b.panel(lo)
			hi := min(n, j1, lo-lo%smpPanel+ld)
			crow := c[i*ldc+lo : i*ldc+hi : i*ldc+hi]
			for p, av := range arow {
				brow := b.w[base+p*ld+lo%smpPanel : base+p*ld+lo%smpPanel+len(crow)]
				for j, bv := range brow {
					crow[j] += float32(av * bv)
				}
			}
			lo = hi
		}
	}
}
