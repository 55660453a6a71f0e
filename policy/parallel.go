package policy

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// The fused kernels split a batch into chunks of whole rows of about
// chunkTokens tokens and add the chunks' partial sums in chunk order, so
// the result does not depend on how many goroutines ran them. Batches of
// at least parallelMin tokens are shared with up to GOMAXPROCS−1 worker
// goroutines, started on first use and kept; the caller works too. A task
// comes from a pool, so a call allocates nothing.
const (
	chunkTokens = 1 << 14
	parallelMin = 1 << 15
	maxWorkers  = 7
)

// sums are the running sums of a PG or NFT loop: the weighted loss and,
// over the counted tokens, Σ r, Σ (r − 1 − log r), Σ k, the tokens
// clipped low and high (NFT counts its clipped tokens as high), and chk,
// the sum of every value a fused loop reads: finite exactly when they all
// are (short of an overflow of finite values, which Validate then
// clears). The generic loop leaves chk at 0.
type sums struct {
	loss, ratio, akl, kl, nLow, nHigh, chk float64
}

// count adds a token's clip side (−1 low, +1 high, 0 none).
func (s *sums) count(clip int) {
	if clip < 0 {
		s.nLow++
	} else if clip > 0 {
		s.nHigh++
	}
}

// add adds o to s.
func (s *sums) add(o *sums) {
	s.loss += o.loss
	s.ratio += o.ratio
	s.akl += o.akl
	s.kl += o.kl
	s.nLow += o.nLow
	s.nHigh += o.nHigh
	s.chk += o.chk
}

// stats returns the Stats of s over tokens counted tokens: the loss and
// the means of the per-token sums.
func (s *sums) stats(tokens float64) Stats {
	st := Stats{Loss: s.loss, Tokens: tokens}
	if tokens > 0 {
		st.MeanRatio = s.ratio / tokens
		st.ApproxKL = s.akl / tokens
		st.KLTerm = s.kl / tokens
		st.ClipFracLow = s.nLow / tokens
		st.ClipFracHigh = s.nHigh / tokens
		st.ClipFrac = st.ClipFracLow + st.ClipFracHigh
	}
	return st
}

// partial holds the sums of one chunk, its counted tokens, whether a mask
// entry was neither 0 nor 1, and the first error of its rows.
type partial struct {
	sums
	tokens  float64
	badMask bool
	err     error
}

func (p *partial) stats() Stats { return p.sums.stats(p.tokens) }

// task is one Eval's chunked work: exactly one of pg and nft is set.
type task struct {
	pg      pgKernel
	nft     nftKernel
	B, T    int
	rowsPer int
	nChunks int
	total   float64
	next    atomic.Int64
	parts   []partial
	wg      sync.WaitGroup
}

var (
	taskPool = sync.Pool{New: func() any { return new(task) }}
	workOnce sync.Once
	workCh   chan *task
	nWorkers int
)

func startWorkers() {
	nWorkers = min(runtime.GOMAXPROCS(0)-1, maxWorkers)
	workCh = make(chan *task)
	for range nWorkers {
		go func() {
			for t := range workCh {
				t.work()
				t.wg.Done()
			}
		}()
	}
}

// getTask returns a task for b's rows with agg's batch token count.
func getTask(b *Batch, agg Aggregation) *task {
	t := taskPool.Get().(*task)
	t.B, t.T, t.total = b.B, b.T, 0
	if needsBatchTokens(agg) {
		t.total = b.Tokens()
	}
	t.rowsPer = max(1, chunkTokens/t.T)
	t.nChunks = (t.B + t.rowsPer - 1) / t.rowsPer
	if cap(t.parts) < t.nChunks {
		t.parts = make([]partial, t.nChunks)
	}
	t.parts = t.parts[:t.nChunks]
	return t
}

// finish runs the task, returns it to the pool and then the sums, or
// Validate's error when the kernels met a bad value in b, or else the
// first error of a row.
func (t *task) finish(b *Batch) (partial, error) {
	p := t.run()
	putTask(t)
	if p.badMask || !isFinite(p.chk) {
		if err := b.Validate(); err != nil {
			return partial{}, err
		}
	}
	return p, p.err
}

// putTask drops the task's references to the caller's data and returns it
// to the pool.
func putTask(t *task) {
	t.pg, t.nft = pgKernel{}, nftKernel{}
	clear(t.parts)
	taskPool.Put(t)
}

// row starts row i of a fused row loop: it returns the row's mask (nil
// without one) and weight w_i, and adds its token count L_i = Σ_t m_t (T
// without a mask) to p.tokens, marking p.badMask if a mask entry is not 0
// or 1.
func (p *partial) row(agg Aggregation, mask []float64, i, B, T int, total float64) (m []float64, w float64, err error) {
	Li := float64(T)
	if mask != nil {
		m = mask[i*T : (i+1)*T]
		Li = 0
		for _, v := range m {
			if v*(v-1) != 0 { // v is not 0 or 1 (one predictable branch)
				p.badMask = true
			}
			Li += v
		}
	}
	p.tokens += Li
	w, err = agg.Weight(i, B, T, Li, total)
	return m, w, err
}

// work runs chunks until none is left.
func (t *task) work() {
	for {
		c := int(t.next.Add(1) - 1)
		if c >= t.nChunks {
			return
		}
		i0 := c * t.rowsPer
		i1 := min(i0+t.rowsPer, t.B)
		p := &t.parts[c]
		*p = partial{}
		if t.nft.b != nil {
			t.nft.rows(i0, i1, t.total, p)
		} else {
			t.pg.clipRows(i0, i1, t.total, p)
		}
	}
}

// run does every chunk, with the help of idle workers for a large batch,
// and returns the sums in chunk order (the first error, in row order).
func (t *task) run() partial {
	t.next.Store(0)
	if t.B*t.T >= parallelMin && t.nChunks > 1 && runtime.GOMAXPROCS(0) > 1 {
		workOnce.Do(startWorkers)
		for range min(nWorkers, t.nChunks-1) {
			t.wg.Add(1)
			select {
			case workCh <- t:
			default: // every worker is busy (another Eval): go on alone
				t.wg.Done()
			}
		}
	}
	t.work()
	t.wg.Wait()
	var sum partial
	for i := range t.parts {
		p := &t.parts[i]
		sum.add(&p.sums)
		sum.tokens += p.tokens
		sum.badMask = sum.badMask || p.badMask
		if sum.err == nil {
			sum.err = p.err
		}
	}
	return sum
}
