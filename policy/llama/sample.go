package llama

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/evolve-go/evolve/policy"
)

// DefaultMaxTokens is the number of new tokens a SampleOptions with
// MaxTokens 0 asks for (llama2.c's run.c generates 256 steps by default).
const DefaultMaxTokens = 256

// SampleOptions configure Sample. The zero value samples up to
// DefaultMaxTokens tokens from the model's distribution (temperature 1);
// greedy decoding is asked for with Greedy.
type SampleOptions struct {
	// MaxTokens is the largest number of new tokens per sequence; 0 means
	// DefaultMaxTokens. A sequence also stops when it fills the model's
	// SeqLen (FinishReason "length").
	MaxTokens int
	// Temperature divides the logits before sampling; 0 means the default
	// 1. It is never a way to ask for greedy decoding: a zero left in a
	// config would make every sample of a group the same.
	Temperature float64
	// Greedy decodes by argmax (the first maximum on ties, as run.c)
	// instead of sampling; Temperature, TopP and TopK are then ignored.
	Greedy bool
	// TopP keeps the smallest set of most probable tokens whose
	// probabilities (at Temperature) sum to at least TopP, and samples from
	// it renormalised (nucleus sampling, Holtzman et al. 2020). 0 means 1
	// (off); otherwise it must lie in (0, 1].
	TopP float64
	// TopK keeps only the TopK most probable tokens (ties broken by lower
	// id); 0 means off.
	TopK int
	// Seed seeds the random draws: sequence i of a call draws from its own
	// PCG stream rand.NewPCG(Seed, i), so a result depends only on the
	// seed, the prompts and the options — not on Workers or on the other
	// sequences. 0 is a valid seed.
	Seed uint64
	// Stop lists strings that end a sequence when its decoded continuation
	// contains one (FinishReason "stop"); the text is cut before the stop
	// string. Empty strings are ignored. Needs Sampler.Tokenizer.
	Stop []string
	// NoStopAtEOS keeps sampling after BOS or EOS instead of stopping there
	// (the default, like run.c, stops when either is sampled).
	NoStopAtEOS bool
}

// Generation is one sampled continuation.
type Generation struct {
	// Tokens are the generated token ids, in order. A BOS or EOS that ended
	// the sequence is included (it was sampled and its log-probability is
	// part of the sequence's); its text is empty. When a stop string ended
	// the sequence, Tokens run up to the token that completed it, though
	// Text stops before the string.
	Tokens []int
	// LogProbs[t] is the policy's log-probability of Tokens[t]:
	// log softmax(logits)[Tokens[t]] at temperature 1 and before any top-k
	// or top-p truncation, whatever Temperature, TopK and TopP drew the
	// token. It equals the teacher-forced Model.LogProbs of the same
	// tokens (within float32 rounding), which is what GRPO/PPO's
	// "old" log-probabilities must be on-policy. Computed in float32 and
	// stored as float64.
	LogProbs []float64
	// Text is the decoded continuation (empty without a tokenizer), cut
	// before the first stop string.
	Text string
	// FinishReason is "stop" (BOS, EOS or a stop string) or "length"
	// (MaxTokens or the model's SeqLen reached).
	FinishReason string
}

// Sampler generates continuations from a Model with a KV cache, B
// sequences at a time: every decoding step runs the batch's rows through
// each weight matrix as one matrix product, and the batch is split among
// Workers goroutines that run independently. A batch smaller than Workers
// (a single stream) is instead computed by workers that share every step —
// each takes some attention heads and some columns of each product — when
// timing shows that this is faster than one worker alone (it is on idle
// cores; not when other processes hold them).
//
// The results do not depend on Workers or on how the steps were shared:
// every value is computed by the same kernels in the same order.
//
// Sampler implements policy.Generator (see Generate). Sample and Generate
// read the model's weights; they must not overlap an update of them
// (an optimizer step). A Sampler holds no other state and is safe for
// concurrent use.
//
// References: Karpathy, llama2.c (run.c: forward, sample, generate).
type Sampler struct {
	// Model is the policy to sample from. Required.
	Model *Model
	// Tokenizer encodes prompts and decodes continuations. Required by
	// Generate and by stop strings; Sample works on token ids without it.
	Tokenizer *Tokenizer
	// Workers is the number of goroutines; 0 means runtime.GOMAXPROCS(0).
	// It changes the speed, never the samples.
	Workers int
	// DefaultMaxTokens replaces the package's DefaultMaxTokens when a
	// request leaves MaxTokens at 0; 0 means the package default.
	DefaultMaxTokens int
}

// NewSampler returns a Sampler of m with tokenizer tok (which may be nil
// for Sample on token ids).
func NewSampler(m *Model, tok *Tokenizer) *Sampler { return &Sampler{Model: m, Tokenizer: tok} }

// ErrEmptyPrompt is returned for a prompt with no token: the model needs at
// least one (BOS) to predict the next.
var ErrEmptyPrompt = errors.New("llama: empty prompt (give at least BOS)")

// validate checks the options, resolves Temperature (0 after it means
// greedy decoding) and returns MaxTokens resolved.
func (s *Sampler) validate(prompts [][]int, opt *SampleOptions) (int, error) {
	if s.Model == nil {
		return 0, errors.New("llama: Sampler.Model is nil")
	}
	c := s.Model.Config
	if len(s.Model.TokenEmbedding) != c.Vocab*c.Dim {
		return 0, errors.New("llama: Sampler.Model has no weights (use Load or New)")
	}
	maxNew := opt.MaxTokens
	switch {
	case maxNew < 0:
		return 0, fmt.Errorf("llama: SampleOptions.MaxTokens = %d, want ≥ 0", maxNew)
	case maxNew == 0 && s.DefaultMaxTokens > 0:
		maxNew = s.DefaultMaxTokens
	case maxNew == 0:
		maxNew = DefaultMaxTokens
	}
	if t := opt.Temperature; t < 0 || math.IsNaN(t) || math.IsInf(t, 0) {
		return 0, fmt.Errorf("llama: SampleOptions.Temperature = %v, want finite ≥ 0 (0: the default 1)", t)
	}
	// From here on, Temperature 0 means greedy.
	opt.Temperature = policy.DecodeTemperature(opt.Temperature, opt.Greedy)
	if p := opt.TopP; !(p >= 0 && p <= 1) {
		return 0, fmt.Errorf("llama: SampleOptions.TopP = %v, want in [0, 1]", p)
	}
	if opt.TopK < 0 {
		return 0, fmt.Errorf("llama: SampleOptions.TopK = %d, want ≥ 0", opt.TopK)
	}
	if s.Workers < 0 {
		return 0, fmt.Errorf("llama: Sampler.Workers = %d, want ≥ 0", s.Workers)
	}
	if s.Tokenizer == nil && hasStop(opt.Stop) {
		return 0, errors.New("llama: stop strings need Sampler.Tokenizer")
	}
	for i, p := range prompts {
		if len(p) == 0 {
			return 0, fmt.Errorf("llama: prompt %d: %w", i, ErrEmptyPrompt)
		}
		if len(p) >= c.SeqLen {
			return 0, fmt.Errorf("llama: prompt %d has %d tokens, leaving no room in SeqLen %d", i, len(p), c.SeqLen)
		}
		for t, tok := range p {
			if tok < 0 || tok >= c.Vocab {
				return 0, fmt.Errorf("llama: prompt %d: token[%d] = %d out of range [0, %d)", i, t, tok, c.Vocab)
			}
		}
	}
	// No sequence can grow past SeqLen: a larger MaxTokens changes nothing
	// (and must not size an allocation).
	return min(maxNew, c.SeqLen), nil
}

func hasStop(stop []string) bool {
	for _, s := range stop {
		if s != "" {
			return true
		}
	}
	return false
}

// Sample continues every prompt (token ids, usually starting with BOS)
// and returns one Generation per prompt, in order. Prompts may differ in
// length; to draw n samples of a prompt, repeat it n times.
//
// It checks ctx between decoding steps and returns ctx's error when it is
// cancelled.
func (s *Sampler) Sample(ctx context.Context, prompts [][]int, opt SampleOptions) ([]Generation, error) {
	maxNew, err := s.validate(prompts, &opt)
	if err != nil {
		return nil, err
	}
	out := make([]Generation, len(prompts))
	if len(prompts) == 0 {
		return out, nil
	}
	c := s.Model.Config
	capacity := 0
	for _, p := range prompts {
		capacity = max(capacity, min(c.SeqLen, len(p)+maxNew))
	}
	e := getInference(s.Model, capacity)
	defer inferencePool.Put(e)
	w := s.Workers
	if w == 0 {
		w = runtime.GOMAXPROCS(0)
	}
	if w > 1 && len(prompts) < w {
		// Fewer sequences than workers: the workers share every step
		// instead of splitting the batch.
		for W := min(w, c.KVHeads); W >= 2; W-- {
			if t := newTeam(e, W, len(prompts), roundUp16(capacity)); t != nil {
				if err := s.run(ctx, e, prompts, out, 0, len(prompts), maxNew, &opt, t); err != nil {
					return nil, err
				}
				return out, nil
			}
		}
	}
	w = max(1, min(w, len(prompts)))
	errs := make([]error, w)
	var wg sync.WaitGroup
	for k := 0; k < w; k++ {
		lo, hi := k*len(prompts)/w, (k+1)*len(prompts)/w
		wg.Add(1)
		go func() {
			defer wg.Done()
			// At most maxRows sequences at a time bound the memory of
			// the KV cache; the samples do not depend on the grouping.
			for c0 := lo; c0 < hi && errs[k] == nil; c0 += maxRows {
				errs[k] = s.run(ctx, e, prompts, out, c0, min(hi, c0+maxRows), maxNew, &opt, nil)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// modePicker chooses, step by step, between a team's shared steps and
// worker 0 computing steps alone: the team is faster on idle cores and much
// slower when other processes hold them (its workers then wait for each
// other at every barrier). At the start of every window it times pickTrial
// steps alone and then up to pickTrial team steps (fewer once the team
// has taken longer than the alone steps), and uses the faster mode for the
// rest of the window (going back to alone steps should a team step take
// four times as long as an alone step did); the window doubles (up to maxPickWindow) each time the team
// loses, so that a busy machine pays for few team trials. The state
// carries over between calls (lastPick). Both modes compute the same
// values: the choice changes only the speed.
type modePicker struct {
	step, window  int // steps into the window; window length (0: not started)
	teamT, aloneT time.Duration
	useTeam       bool
	stalled       bool // a team step of this window stalled
}

// lastPick is the mode picker's state at the end of the last team run.
var lastPick struct {
	sync.Mutex
	p modePicker
}

const (
	pickTrial     = 4
	minPickWindow = 64
	maxPickWindow = 4096
)

// team reports whether the next step runs on the team.
func (p *modePicker) team() bool {
	switch {
	case p.step < pickTrial:
		return false
	case p.step < 2*pickTrial:
		return true
	}
	return p.useTeam
}

// done records the duration of the step just taken.
func (p *modePicker) done(d time.Duration) {
	if p.window == 0 {
		p.window = minPickWindow
	}
	switch {
	case p.step == 0:
		p.aloneT, p.teamT = d, 0
	case p.step < pickTrial:
		p.aloneT += d
	case p.step < 2*pickTrial:
		p.teamT += d
		if p.teamT > p.aloneT {
			// Lost already: end the trial (on a busy machine a team
			// step can take as long as many alone).
			p.step = 2*pickTrial - 1
		}
	case p.useTeam && d > 4*p.aloneT/pickTrial:
		// A team step took four times as long as an alone step did: the
		// cores may no longer be free; take the rest of the window alone
		// (the team won its trial, so the next window is not longer:
		// such stalls come every few milliseconds on a virtual machine).
		p.useTeam, p.stalled = false, true
	}
	p.step++
	if p.step == 2*pickTrial {
		p.useTeam = p.teamT < p.aloneT
	}
	if p.step >= p.window {
		p.step = 0
		if p.useTeam || p.stalled {
			p.window = minPickWindow
		} else {
			p.window = min(2*p.window, maxPickWindow)
		}
		p.stalled = false
	}
}

// team is W workers that compute every decoding step together (see share):
// worker 0 runs the decoding loop and the helpers 1…W−1 follow it, meeting
// at a barrier before and after each step.
type team struct {
	bar    spinBarrier
	shares []share
	// The current step, set by worker 0 before the opening barrier.
	buf                     *stepBuffers
	cache                   *kvCache
	toks, pos, active, need []int
	done                    bool
	wg                      sync.WaitGroup
}

// newTeam returns a team of W workers for up to rows rows of up to
// capacity positions, or nil when the model cannot be split W ways.
func newTeam(e *inference, W, rows, capacity int) *team {
	if W < 2 {
		return nil
	}
	t := &team{shares: make([]share, W)}
	t.bar.n = int32(W)
	for w := range t.shares {
		if !t.shares[w].reset(e, w, W, rows, capacity, &t.bar) {
			return nil
		}
	}
	return t
}

// start launches the helpers.
func (t *team) start(e *inference) {
	for w := 1; w < len(t.shares); w++ {
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			for {
				t.bar.wait()
				if t.done {
					return
				}
				t.work(e, w)
				t.bar.wait()
			}
		}()
	}
}

// work is worker w's part of the current step.
func (t *team) work(e *inference, w int) {
	sh := &t.shares[w]
	e.step(sh, t.buf, t.cache, t.toks, t.pos, t.active)
	if len(t.need) > 0 {
		e.logits(sh, t.buf, t.need)
	}
}

// stop ends the helpers.
func (t *team) stop() {
	t.done = true
	t.bar.wait()
	t.wg.Wait()
}

// maxRows is the largest number of sequences a worker decodes at once.
const maxRows = 64

// seqState is one sequence being decoded.
type seqState struct {
	tokens []int // prompt and generated tokens
	prompt int   // prompt length
	pos    int   // position of the next token to feed
	maxLen int   // len(tokens) at which the sequence stops ("length")
	rng    *rand.Rand
	text   []byte // decoded continuation
	gen    *Generation
}

// run decodes sequences [lo, hi) on the calling goroutine, with the help
// of the team when there is one.
func (s *Sampler) run(ctx context.Context, e *inference, prompts [][]int, out []Generation, lo, hi, maxNew int, opt *SampleOptions, t *team) error {
	n := hi - lo
	capacity := 0
	seqs := make([]*seqState, n)
	for i := range seqs {
		p := prompts[lo+i]
		st := &seqState{
			tokens: append(make([]int, 0, min(e.c.SeqLen, len(p)+maxNew)), p...),
			prompt: len(p),
			maxLen: min(e.c.SeqLen, len(p)+maxNew),
			rng:    rand.New(rand.NewPCG(opt.Seed, uint64(lo+i))),
			gen:    &out[lo+i],
		}
		capacity = max(capacity, st.maxLen)
		seqs[i] = st
	}
	wk, _ := workerPool.Get().(*workerState)
	if wk == nil {
		wk = new(workerState)
	}
	defer workerPool.Put(wk)
	cache, buf, smp, sh := &wk.cache, &wk.buf, &wk.smp, &wk.share
	// Room for a multiple of 16 positions: the attention scores are
	// computed in whole 16-column blocks.
	capacity = roundUp16(capacity)
	cache.reset(e.c, n, capacity)
	buf.reset(e, n)
	smp.reset(e.c.Vocab)
	sh.reset(e, 0, 1, n, capacity, nil)
	var pick modePicker
	if t != nil {
		// The picker's state carries over from call to call, so that a
		// busy machine keeps paying for few team trials.
		lastPick.Lock()
		pick = lastPick.p
		lastPick.Unlock()
		defer func() {
			lastPick.Lock()
			lastPick.p = pick
			lastPick.Unlock()
		}()
		t.buf, t.cache = buf, cache
		t.start(e)
		defer t.stop()
	}
	active := make([]int, n) // slots still decoding
	for i := range active {
		active[i] = i
	}
	var toks, pos, need []int
	ready := false // the helpers spin at the barrier
	for len(active) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		toks, pos = toks[:0], pos[:0]
		need = need[:0]
		for r, i := range active {
			st := seqs[i]
			toks = append(toks, st.tokens[st.pos])
			pos = append(pos, st.pos)
			if st.pos == len(st.tokens)-1 {
				need = append(need, r)
			}
		}
		ld := e.ldV
		onTeam := t != nil && pick.team()
		waking := false
		if onTeam && !ready {
			// The helpers have just started or may have slept through
			// the steps worker 0 took alone: wake them, and take steps
			// alone (untimed) until they spin at the barrier, so that
			// their waking up, which can take longer than many steps, is
			// no part of the team's steps.
			if ready = t.bar.spinning(); !ready {
				t.bar.nudge()
				onTeam, waking = false, true
			}
		}
		if onTeam {
			t0 := time.Now()
			t.toks, t.pos, t.active, t.need = toks, pos, active, need
			t.bar.wait()
			t.work(e, 0)
			t.bar.wait()
			pick.done(time.Since(t0))
		} else {
			t0 := time.Now()
			e.step(sh, buf, cache, toks, pos, active)
			if len(need) > 0 {
				e.logits(sh, buf, need)
			}
			if t != nil && !waking {
				ready = false
				pick.done(time.Since(t0))
			}
		}
		next := active[:0]
		ni := 0
		for r, i := range active {
			st := seqs[i]
			st.pos++
			if ni < len(need) && need[ni] == r {
				lg := buf.logits[ni*ld : ni*ld+e.c.Vocab]
				ni++
				if done, err := s.emit(st, lg, smp, opt); err != nil {
					return err
				} else if done {
					continue
				}
			}
			next = append(next, i)
		}
		active = next
	}
	return nil
}

// emit samples the next token of st from logits, appends it and reports
// whether the sequence is finished (and then fills in its Generation).
func (s *Sampler) emit(st *seqState, logits []float32, smp *tokenSampler, opt *SampleOptions) (bool, error) {
	tok, lp := smp.sample(logits, opt, st.rng)
	prev := st.tokens[len(st.tokens)-1]
	st.tokens = append(st.tokens, tok)
	g := st.gen
	g.Tokens = append(g.Tokens, tok)
	g.LogProbs = append(g.LogProbs, lp)
	finish := ""
	if s.Tokenizer != nil {
		n := len(st.text)
		var err error
		st.text, err = s.Tokenizer.AppendDecoded(st.text, prev, g.Tokens[len(g.Tokens)-1:])
		if err != nil {
			return true, err
		}
		if cut, ok := findStop(st.text, n, opt.Stop); ok {
			st.text = st.text[:cut]
			finish = "stop"
		}
	}
	if finish == "" && !opt.NoStopAtEOS && (tok == BOS || tok == EOS) {
		finish = "stop"
	}
	if finish == "" && len(st.tokens) >= st.maxLen {
		finish = "length"
	}
	if finish == "" {
		return false, nil
	}
	g.Text = string(st.text)
	g.FinishReason = finish
	return true, nil
}

// findStop returns the offset of the first stop string in text that ends
// after offset from (the text before it was checked before), and whether
// there is one.
func findStop(text []byte, from int, stop []string) (int, bool) {
	best := -1
	for _, s := range stop {
		if s == "" {
			continue
		}
		start := max(0, from-len(s)+1)
		if i := strings.Index(string(text[start:]), s); i >= 0 && (best < 0 || start+i < best) {
			best = start + i
		}
	}
	return best, best >= 0
}

// tokenSampler draws tokens from logits; it holds scratch space of one
// vocabulary.
type tokenSampler struct {
	idx []int
	tmp []float32
}

func (ts *tokenSampler) reset(vocab int) {
	ts.idx = grow(ts.idx, vocab)
	ts.tmp = grow(ts.tmp, vocab)
}

// workerState is the memory of one decoding goroutine, pooled between
// calls.
type workerState struct {
	cache kvCache
	buf   stepBuffers
	smp   tokenSampler
	share share
}

var workerPool sync.Pool

// sample draws a token from logits under opt and returns it with its
// log-probability at temperature 1 before truncation (see
// Generation.LogProbs).
//
// Greedy (Temperature 0 once validate resolved it) takes the first maximum. Otherwise the
// probabilities are softmax(logits/Temperature); TopK keeps the TopK
// largest, then TopP the smallest prefix (in decreasing probability, ties
// by lower id) whose mass reaches TopP of the kept mass; the token is the
// first whose cumulative mass exceeds u·(kept mass), u uniform in [0, 1).
func (ts *tokenSampler) sample(logits []float32, opt *SampleOptions, rng *rand.Rand) (int, float64) {
	mx := maxf(logits)
	arg := 0
	for i, v := range logits {
		if v == mx {
			arg = i
			break
		}
	}
	tmp := ts.tmp[:len(logits)]
	copy(tmp, logits)
	sum := expShift(tmp, 1, mx)
	logZ := float64(mx) + math.Log(float64(sum))
	tok := arg
	if opt.Temperature > 0 {
		tok = ts.draw(logits, mx, opt, rng)
	}
	return tok, float64(logits[tok]) - logZ
}

func (ts *tokenSampler) draw(logits []float32, mx float32, opt *SampleOptions, rng *rand.Rand) int {
	// Unnormalised probabilities exp((z − max z)/T), vectorised in float32.
	inv := float32(1 / opt.Temperature)
	if math.IsInf(float64(inv), 0) {
		// A temperature too small for float32 is greedy decoding.
		for i, v := range logits {
			if v == mx {
				return i
			}
		}
	}
	w := ts.tmp[:len(logits)]
	for i, v := range logits {
		w[i] = (v - mx) * inv
	}
	total := float64(expShift(w, 1, 0))
	n := len(w)
	topK := opt.TopK > 0 && opt.TopK < n
	topP := opt.TopP > 0 && opt.TopP < 1
	if !topK && !topP {
		u := float32(rng.Float64() * total)
		var c float32
		for i, v := range w {
			c += v
			if u < c {
				return i
			}
		}
		return lastPositive(w)
	}
	// Candidates in decreasing probability, ties by lower id. Without
	// top-k, a token below (1 − TopP)/(n − 1) of the mass cannot be in the
	// nucleus (llama2.c's sample_topp), which leaves few to sort.
	var cutoff float32
	if topP && !topK && n > 1 {
		cutoff = float32((1 - opt.TopP) / float64(n-1) * total)
	}
	idx := ts.idx[:0]
	for i, v := range w {
		if v >= cutoff {
			idx = append(idx, i)
		}
	}
	less := func(a, b int) int {
		switch {
		case w[a] > w[b]:
			return -1
		case w[a] < w[b]:
			return 1
		}
		return a - b
	}
	keep := len(idx)
	if topK && opt.TopK < keep {
		// Select the TopK best before sorting them.
		keep = opt.TopK
		selectTop(idx, keep, less)
		idx = idx[:keep]
	}
	slices.SortFunc(idx, less)
	kept := total
	if topK {
		kept = 0
		for _, i := range idx {
			kept += float64(w[i])
		}
	}
	if topP {
		var c float64
		for j, i := range idx {
			c += float64(w[i])
			if c >= opt.TopP*kept {
				keep = j + 1
				kept = c
				break
			}
		}
	}
	u := rng.Float64() * kept
	var c float64
	for _, i := range idx[:keep] {
		c += float64(w[i])
		if u < c {
			return i
		}
	}
	return idx[0]
}

// selectTop moves the k smallest elements of idx under cmp to its front
// (in no particular order), by quickselect with a median-of-three pivot.
func selectTop(idx []int, k int, cmp func(a, b int) int) {
	lo, hi := 0, len(idx)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if cmp(idx[mid], idx[lo]) < 0 {
			idx[mid], idx[lo] = idx[lo], idx[mid]
		}
		if cmp(idx[hi], idx[lo]) < 0 {
			idx[hi], idx[lo] = idx[lo], idx[hi]
		}
		if cmp(idx[hi], idx[mid]) < 0 {
			idx[hi], idx[mid] = idx[mid], idx[hi]
		}
		pivot := idx[mid]
		i, j := lo, hi
		for i <= j {
			for cmp(idx[i], pivot) < 0 {
				i++
			}
			for cmp(idx[j], pivot) > 0 {
				j--
			}
			if i <= j {
				idx[i], idx[j] = idx[j], idx[i]
				i++
				j--
			}
		}
		switch {
		case k-1 <= j:
			hi = j
		case k-1 >= i:
			lo = i
		default:
			return
		}
	}
}

// lastPositive returns the last index with positive weight (the fallback
// when rounding leaves u at the total mass).
func lastPositive(p []float32) int {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] > 0 {
			return i
		}
	}
	return 0
}
