package reward

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"sync"
	"text/template"

	"github.com/evolve-go/evolve/internal/parallel"
)

// GRMResponse is one numbered response in a GRMInput.
type GRMResponse struct {
	// N is the response's 1-based number as shown to the judge.
	N int
	// Text is the response.
	Text string
}

// GRMInput is the data of a GRMJudge template.
type GRMInput struct {
	// Prompt is the user query.
	Prompt string
	// Responses are the responses to judge, numbered from 1.
	Responses []GRMResponse
	// Min and Max are the score scale.
	Min, Max float64
}

// DefaultGRMPrompt is the template text a GRMJudge uses when its Template
// is nil: principles first, then a critique of each response against them,
// then one score per response in a final \boxed{...} (DeepSeek-GRM's
// output format).
const DefaultGRMPrompt = `You are a skilled and impartial judge of responses to user queries. Below are a query and {{len .Responses}} response(s) to it.

[Query]
{{.Prompt}}
{{range .Responses}}
[Response {{.N}}]
{{.Text}}
{{end}}
First, write the principles that matter most for judging responses to this particular query, each with a weight. Then critique every response against those principles. Finally, give each response a score from {{.Min}} to {{.Max}} (higher is better) and end with exactly one line of the form:
Final Scores: \boxed{s1, ..., sn}
listing the {{len .Responses}} score(s) in the order of the responses.
`

var defaultGRMTemplate = template.Must(template.New("grm").Parse(DefaultGRMPrompt))

// Defaults of GRMJudge.
const (
	// DefaultGRMSamples is the number of judgements sampled per call
	// (DeepSeek-GRM reports k = 8 and k = 32).
	DefaultGRMSamples = 8
	// DefaultGRMParallel is the number of judgements in flight at once.
	DefaultGRMParallel = 4
)

// MetaRM scores one sampled judgement (its reply text) for the meta-RM
// guided vote of GRMJudge: higher means more trustworthy. In DeepSeek-GRM
// it is a pointwise scalar RM trained to tell whether the principles and
// critique are correct.
type MetaRM func(ctx context.Context, in GRMInput, reply string) (float64, error)

// GRMJudge is a generative reward model in the style of DeepSeek-GRM:
// it samples K judgements of one or several responses (each judgement
// generates principles, a critique and a score per response on
// [Min, Max]), and sums each response's scores over the judgements that
// count (voting, the paper's inference-time scaling):
//
//	S_i = Σ_{j ∈ counted} s_{i,j}
//
// Without Meta every parseable judgement counts. With Meta (meta-RM
// guided voting) each parseable judgement gets a meta score and only the
// KMeta best count; judgements tied at the cut are chosen at random with
// Rand.
//
// A judgement whose reply has no list of len(responses) scores inside
// [Min, Max] is asked again, up to Attempts calls; one that stays
// unparseable is dropped (GRMSample.Err says why). When no judgement is
// left, the call fails with a *JudgeError. A Completer or Meta error
// fails the whole call.
//
// References: Liu et al., "Inference-Time Scaling for Generalist Reward
// Modeling" (DeepSeek-GRM, 2025).
type GRMJudge struct {
	// Completer is the judge model; it should sample (temperature > 0)
	// for the K judgements to differ. Required.
	Completer Completer
	// Template renders the judge prompt from a GRMInput; nil means
	// DefaultGRMPrompt.
	Template *template.Template
	// K is the number of sampled judgements; 0 means DefaultGRMSamples.
	K int
	// Parallel bounds the judgements in flight; 0 means
	// DefaultGRMParallel.
	Parallel int
	// Attempts is the number of model calls allowed per judgement; 0
	// means DefaultJudgeAttempts.
	Attempts int
	// Min and Max are the score scale; both zero means 1 and 10 (the
	// paper's discrete scale).
	Min, Max float64
	// Meta, when set, filters the judgements (meta-RM guided voting).
	Meta MetaRM
	// KMeta is the number of judgements kept by Meta; 0 means half of the
	// parseable judgements, rounded up. Ignored without Meta.
	KMeta int
	// Rand breaks ties (at the Meta cut and in Best); nil means ties go to
	// the lowest index, deterministically. The judge draws from it under a
	// package-wide lock, so one GRMJudge may serve concurrent calls (as
	// through a Scorer or a server); the draws are then interleaved in
	// call order, so only a single-goroutine run is reproducible from the
	// seed. Code outside the judge that uses the same *rand.Rand
	// concurrently must not share it.
	Rand *rand.Rand
}

// grmRandMu guards every GRMJudge's use of its Rand: a *rand.Rand is not
// safe for concurrent use, and a judge may be called from many goroutines.
var grmRandMu sync.Mutex

// GRMSample is one sampled judgement.
type GRMSample struct {
	// Reply is the model's last reply.
	Reply string
	// Scores holds one score per response; nil when Err is set.
	Scores []float64
	// Meta is the meta-RM score (0 without Meta).
	Meta float64
	// Counted reports whether the judgement counts in the vote.
	Counted bool
	// Err is why the judgement was dropped (it wraps ErrJudgeReply).
	Err error
}

// GRMResult is the outcome of GRMJudge.Judge.
type GRMResult struct {
	// Scores holds S_i, each response's score summed over the counted
	// judgements.
	Scores []float64
	// Counted is the number of judgements counted.
	Counted int
	// Samples are all K judgements, in sampling order.
	Samples []GRMSample
}

type grmConfig struct {
	k, parallel, attempts, kmeta int
	lo, hi                       float64
}

func (j *GRMJudge) config() (grmConfig, error) {
	c := grmConfig{k: j.K, parallel: j.Parallel, kmeta: j.KMeta}
	switch {
	case c.k < 0:
		return c, fmt.Errorf("reward: grm judge: K is %d", c.k)
	case c.parallel < 0:
		return c, fmt.Errorf("reward: grm judge: Parallel is %d", c.parallel)
	case c.kmeta < 0:
		return c, fmt.Errorf("reward: grm judge: KMeta is %d", c.kmeta)
	}
	if c.k == 0 {
		c.k = DefaultGRMSamples
	}
	if c.parallel == 0 {
		c.parallel = DefaultGRMParallel
	}
	var err error
	if c.attempts, err = judgeAttempts("grm", j.Attempts); err != nil {
		return c, err
	}
	if c.lo, c.hi, err = judgeScale("grm", j.Min, j.Max); err != nil {
		return c, err
	}
	return c, nil
}

// Judge samples K judgements of responses to prompt and votes, as
// documented on GRMJudge.
func (j *GRMJudge) Judge(ctx context.Context, prompt string, responses []string) (*GRMResult, error) {
	cfg, err := j.config()
	if err != nil {
		return nil, err
	}
	if len(responses) == 0 {
		return nil, errors.New("reward: grm judge: no responses")
	}
	if j.Completer == nil {
		return nil, errors.New("reward: grm judge: Completer is nil")
	}
	in := GRMInput{Prompt: prompt, Min: cfg.lo, Max: cfg.hi, Responses: make([]GRMResponse, len(responses))}
	for i, r := range responses {
		in.Responses[i] = GRMResponse{N: i + 1, Text: r}
	}
	text, err := render("grm", j.Template, defaultGRMTemplate, in)
	if err != nil {
		return nil, err
	}
	res, err := j.sample(ctx, cfg, in, text)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("reward: grm judge: %w", err)
	}
	if err := j.vote(cfg, res); err != nil {
		return nil, err
	}
	return res, nil
}

// grmReply is one parsed judgement.
type grmReply struct {
	reply  string
	scores []float64
}

// parseGRMReply returns the parser of a judgement of n responses: a list
// of n scores, each inside [lo, hi].
func parseGRMReply(n int, lo, hi float64) func(reply string) (grmReply, error) {
	return func(reply string) (grmReply, error) {
		s, err := ParseJudgeScores(reply, n)
		if err != nil {
			return grmReply{}, err
		}
		for i, v := range s {
			if v < lo || v > hi {
				return grmReply{}, fmt.Errorf("%w: score %v of response %d is outside [%v, %v]", ErrJudgeReply, v, i+1, lo, hi)
			}
		}
		return grmReply{reply, s}, nil
	}
}

// sample asks for the K judgements, Parallel at a time, and scores each
// with Meta. A judgement that stays unparseable keeps its error in its
// GRMSample; a Completer or Meta error fails the call.
func (j *GRMJudge) sample(ctx context.Context, cfg grmConfig, in GRMInput, text string) (*GRMResult, error) {
	parse := parseGRMReply(len(in.Responses), cfg.lo, cfg.hi)
	res := &GRMResult{Samples: make([]GRMSample, cfg.k), Scores: make([]float64, len(in.Responses))}
	err := parallel.Do(ctx, cfg.k, cfg.parallel, func(ctx context.Context, s int) error {
		smp := &res.Samples[s]
		p, err := askUntil(ctx, "grm", j.Completer, text, cfg.attempts, parse)
		var je *JudgeError
		switch {
		case errors.As(err, &je):
			smp.Reply, smp.Err = je.Reply, je
			return nil
		case err != nil:
			return err
		}
		smp.Reply, smp.Scores = p.reply, p.scores
		if j.Meta == nil {
			return nil
		}
		m, err := j.Meta(ctx, in, p.reply)
		if err == nil && (math.IsNaN(m) || math.IsInf(m, 0)) {
			err = fmt.Errorf("meta score is %v", m)
		}
		if err != nil {
			return fmt.Errorf("reward: grm judge: Meta: judgement %d: %w", s, err)
		}
		smp.Meta = m
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// vote counts the parseable judgements (with Meta, the KMeta best) and
// sums their scores into res.Scores; with none parseable it returns a
// *JudgeError carrying the last reply.
func (j *GRMJudge) vote(cfg grmConfig, res *GRMResult) error {
	valid := make([]int, 0, cfg.k)
	for s := range res.Samples {
		if res.Samples[s].Err == nil {
			valid = append(valid, s)
		}
	}
	if len(valid) == 0 {
		je := &JudgeError{Judge: "grm", Attempts: cfg.k * cfg.attempts}
		if last := res.Samples[len(res.Samples)-1]; last.Err != nil {
			je.Reply = last.Reply
			je.Err = errors.Unwrap(last.Err)
		}
		if je.Err == nil {
			je.Err = fmt.Errorf("%w: no parseable judgement", ErrJudgeReply)
		}
		return je
	}
	counted := valid
	if j.Meta != nil {
		counted = j.metaBest(cfg, res, valid)
	}
	for _, s := range counted {
		smp := &res.Samples[s]
		smp.Counted = true
		for i, v := range smp.Scores {
			res.Scores[i] += v
		}
	}
	res.Counted = len(counted)
	return nil
}

// metaBest returns the KMeta judgements of valid with the highest meta
// scores (half, rounded up, when KMeta is 0), ties at the cut chosen with
// Rand.
func (j *GRMJudge) metaBest(cfg grmConfig, res *GRMResult, valid []int) []int {
	keep := cfg.kmeta
	if keep == 0 {
		keep = (len(valid) + 1) / 2
	}
	keep = min(keep, len(valid))
	if j.Rand != nil {
		grmRandMu.Lock()
		j.Rand.Shuffle(len(valid), func(a, b int) { valid[a], valid[b] = valid[b], valid[a] })
		grmRandMu.Unlock()
	}
	sort.SliceStable(valid, func(a, b int) bool { return res.Samples[valid[a]].Meta > res.Samples[valid[b]].Meta })
	return valid[:keep]
}

// Best judges responses and returns the index of the one with the highest
// summed score (ties broken with Rand; the lowest index when Rand is nil)
// together with the full result.
func (j *GRMJudge) Best(ctx context.Context, prompt string, responses []string) (int, *GRMResult, error) {
	res, err := j.Judge(ctx, prompt, responses)
	if err != nil {
		return -1, nil, err
	}
	best, ties := 0, 1
	if j.Rand != nil {
		grmRandMu.Lock()
		defer grmRandMu.Unlock()
	}
	for i := 1; i < len(res.Scores); i++ {
		switch {
		case res.Scores[i] > res.Scores[best]:
			best, ties = i, 1
		case res.Scores[i] == res.Scores[best]:
			ties++
			// Reservoir choice: each tied index wins with probability
			// 1/ties, so all are equally likely.
			if j.Rand != nil && j.Rand.IntN(ties) == 0 {
				best = i
			}
		}
	}
	return best, res, nil
}

// Score implements Reward for a single response: it judges s.Completion
// alone and returns its mean counted score rescaled to [0, 1],
//
//	(S/counted − Min) / (Max − Min).
func (j *GRMJudge) Score(ctx context.Context, s Sample) (float64, error) {
	res, err := j.Judge(ctx, s.Prompt, []string{s.Completion})
	if err != nil {
		return 0, err
	}
	cfg, _ := j.config()
	mean := res.Scores[0] / float64(res.Counted)
	return (mean - cfg.lo) / (cfg.hi - cfg.lo), nil
}
