package selfplay

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/preference"
	"github.com/evolve-go/evolve/reward"
)

// AdditiveRubricPrompt is the LLM-as-a-judge template of Self-Rewarding
// Language Models (Yuan et al. 2024, figure 2) for a reward.PointwiseJudge
// with Min 0 and Max 5: five criteria, a point each, and the verdict
// "Score: <points>".
const AdditiveRubricPrompt = `Review the user's question and the corresponding response using the additive 5-point scoring system described below. Points are accumulated based on the satisfaction of each criterion:
- Add 1 point if the response is relevant and provides some information related to the user's inquiry, even if it is incomplete or contains some irrelevant content.
- Add another point if the response addresses a substantial portion of the user's question, but does not completely resolve the query or provide a direct answer.
- Award a third point if the response answers the basic elements of the user's question in a useful way, regardless of whether it seems to have been written by an AI Assistant or if it has elements typically found in blogs or search results.
- Grant a fourth point if the response is clearly written from an AI Assistant's perspective, addressing the user's question directly and comprehensively, and is well-organized and helpful, even if there is slight room for improvement in clarity, conciseness or focus.
- Bestow a fifth point for a response that is impeccably tailored to the user's question by an AI Assistant, without extraneous information, reflecting expert knowledge, and demonstrating a high-quality, engaging, and insightful answer.

User: {{.Prompt}}
<response>{{.Completion}}</response>

After examining the user's instruction and the response:
- Briefly justify your total score, up to 100 words.
- Conclude with the score using the format: "Score: <total points>"
Remember to assess from the AI Assistant perspective, utilizing web search knowledge as necessary. To evaluate the response in alignment with this additive scoring model, we'll systematically attribute points based on the outlined criteria.
`

// SelfRewarding is the self-rewarding loop: the policy samples N
// responses to each prompt, judges them itself, and learns from the pair
// of its best and worst response of each prompt with DPO; the next round
// samples from the updated policy and judges with it.
//
// Options from the papers that followed:
//   - Temporal self-rewarding: with Anchor (the initial model), the
//     rejected response of a prompt is the lowest-scored among the
//     policy's and the anchor's samples (anchored rejection); with Future
//     (a model one step ahead), the chosen is the future model's best when
//     it scores higher than the policy's best (future-guided chosen). A
//     pair is kept only when chosen scores above rejected.
//   - CREAM: with PrevJudge (the previous iteration's judge), each
//     prompt's pair gets the label smoothing ε = 1 − C, C = (τ + 1)/2,
//     from the Kendall τ between the two judges' scores of the policy's
//     samples (preference.CREAMSmoothing), for DPO.PairSmoothing. When
//     either judge scores all samples alike, τ is undefined and the pair
//     gets ε = 0.5: no evidence that the label is consistent.
//
// The Judge is the policy's own: a reward.PointwiseJudge over a
// reward.GeneratorCompleter of the policy with AdditiveRubricPrompt (Min
// 0, Max 5) reproduces the paper; any reward.Reward is accepted.
//
// References: Yuan et al., "Self-Rewarding Language Models" (2024); Wang
// et al., "Temporal Self-Rewarding Language Models: Decoupling
// Chosen-Rejected via Past-Future" (2025); Wang et al., "CREAM:
// Consistency Regularized Self-Rewarding Language Models" (2024);
// docs/ALGORITHMS.md §5.
type SelfRewarding struct {
	// Policy samples the responses. Required.
	Policy policy.Generator
	// Judge scores a response. Required.
	Judge reward.Reward
	// N is the number of responses per prompt (default 4, the paper's).
	N int
	// Request holds the sampling settings (MaxTokens, Temperature, ...);
	// its Prompts, N and Seed are set per round.
	Request policy.GenerateRequest
	// Anchor, when set, samples N responses per prompt from the initial
	// model for anchored rejection.
	Anchor policy.Generator
	// Future, when set, samples N responses per prompt from a stronger
	// model for future-guided chosen responses.
	Future policy.Generator
	// PrevJudge, when set, is the previous iteration's judge (CREAM).
	PrevJudge reward.Reward
	// Parallelism bounds the concurrent judge calls (0: GOMAXPROCS).
	Parallelism int
	// Seed seeds the sampling of every round.
	Seed uint64

	clock
}

// SelfRewardingRound is one round's outcome.
type SelfRewardingRound struct {
	// Round counts from 1.
	Round int
	// Batch holds each prompt's group: the policy's N samples, then the
	// anchor's and the future model's when set. Rewards are the judge's
	// scores of the policy's samples and NaN for the others (they are not
	// the policy's: a policy-gradient objective leaves them out); Pairs
	// are the chosen and rejected rows of each prompt that has a pair.
	Batch Batch
	// Scores holds the judge's score of every row, the anchor's and the
	// future model's included.
	Scores []float64
	// Smoothing holds CREAM's label smoothing of each pair (nil without
	// PrevJudge): set DPO.PairSmoothing to it.
	Smoothing []float64
	// MeanScore is the mean judged score of the policy's samples.
	MeanScore float64
	// Consistency is CREAM's mean C = (τ + 1)/2 over the prompts with a
	// pair; NaN without PrevJudge.
	Consistency float64
}

// SelfRewardingState is a SelfRewarding game's state.
type SelfRewardingState struct {
	Round int    `json:"round"`
	RNG   []byte `json:"rng"`
}

// State returns the game's state.
func (g *SelfRewarding) State() SelfRewardingState {
	g.start(g.Seed)
	return SelfRewardingState{Round: g.round, RNG: saveRNG(g.rng)}
}

// Restore resumes the game from s.
func (g *SelfRewarding) Restore(s SelfRewardingState) error {
	return g.reset(selfRewardingGame, s.Round, s.RNG)
}

const selfRewardingGame = "self-rewarding"

// n returns N resolved (play rejects a negative N first).
func (g *SelfRewarding) n() int { return cmp.Or(g.N, 4) }

// Round plays one round on prompts.
func (g *SelfRewarding) Round(ctx context.Context, prompts []string) (SelfRewardingRound, error) {
	return playRound(&g.clock, g.Seed, func(round int) (SelfRewardingRound, error) { return g.play(ctx, prompts, round) })
}

// play plays round on prompts.
func (g *SelfRewarding) play(ctx context.Context, prompts []string, round int) (SelfRewardingRound, error) {
	r := SelfRewardingRound{Round: round, Consistency: math.NaN()}
	if g.Judge == nil {
		return r, roundErr(selfRewardingGame, "judge", r.Round, errors.New("the judge is nil"))
	}
	if g.N < 0 {
		return r, fmt.Errorf("selfplay: SelfRewarding.N = %d, want ≥ 0 (0: 4)", g.N)
	}
	groups, models, err := g.sample(ctx, prompts, r.Round)
	if err != nil {
		return r, err
	}
	if r.Scores, err = score(ctx, selfRewardingGame, "judge", r.Round, g.Judge, g.Parallelism, prompts, groups); err != nil {
		return r, err
	}
	r.Batch = Batch{Role: "policy", Prompts: prompts, Groups: groups, Rewards: append([]float64(nil), r.Scores...)}
	n := g.n()
	for i := range r.Batch.Rewards {
		if i%(n*models) >= n {
			r.Batch.Rewards[i] = math.NaN()
		}
	}
	r.MeanScore = nanMean(r.Batch.Rewards)
	r.Batch.Pairs = g.pairs(r.Scores, len(prompts), n, models)
	if g.PrevJudge != nil {
		if r.Smoothing, r.Consistency, err = g.consistency(ctx, prompts, groups, r, n, models); err != nil {
			return r, err
		}
	}
	return r, nil
}

// sample draws N responses of each prompt from the policy and, when set,
// the anchor and the future model, and returns each prompt's group in that
// order with the number of models.
func (g *SelfRewarding) sample(ctx context.Context, prompts []string, round int) ([][]policy.Completion, int, error) {
	players := []struct {
		role string
		gen  policy.Generator
	}{{"policy", g.Policy}, {"anchor", g.Anchor}, {"future", g.Future}}
	req := g.Request
	req.Prompts, req.N = prompts, g.n()
	groups := make([][]policy.Completion, len(prompts))
	models := 0
	seeds := drawSeeds(g.rng, len(players))
	for k, p := range players {
		if p.gen == nil && k > 0 {
			continue
		}
		req.Seed = seeds[k]
		out, err := generate(ctx, selfRewardingGame, p.role, round, p.gen, req)
		if err != nil {
			return nil, 0, err
		}
		for i := range groups {
			for _, c := range out[i] {
				c.Prompt = i
				groups[i] = append(groups[i], c)
			}
		}
		models++
	}
	return groups, models, nil
}

// pairs returns each prompt's (chosen, rejected) rows: the best and the
// worst of the policy's samples, the rejected replaced by the anchor's
// worst when that is lower, the chosen by the future model's best when
// that is higher; a pair whose chosen does not score above its rejected
// is dropped.
func (g *SelfRewarding) pairs(scores []float64, prompts, n, models int) []policy.Pair {
	var out []policy.Pair
	for i := range prompts {
		base := i * n * models
		best, worst := extreme(scores, base, base+n, 1), extreme(scores, base, base+n, -1)
		slot := 1
		if g.Anchor != nil {
			if a := extreme(scores, base+slot*n, base+(slot+1)*n, -1); scores[a] < scores[worst] {
				worst = a
			}
			slot++
		}
		if g.Future != nil {
			if f := extreme(scores, base+slot*n, base+(slot+1)*n, 1); scores[f] > scores[best] {
				best = f
			}
		}
		if scores[best] > scores[worst] {
			out = append(out, policy.Pair{Chosen: best, Rejected: worst})
		}
	}
	return out
}

// extreme returns the row of [lo, hi) with the highest score (sign 1) or
// the lowest (sign −1), the first at a tie; NaN scores lose.
func extreme(scores []float64, lo, hi int, sign float64) int {
	best := -1
	for k := lo; k < hi; k++ {
		if math.IsNaN(scores[k]) {
			continue
		}
		if best < 0 || sign*scores[k] > sign*scores[best] {
			best = k
		}
	}
	if best < 0 {
		return lo
	}
	return best
}

// consistency scores the policy's samples with PrevJudge and returns each
// pair's CREAM smoothing and the mean C.
func (g *SelfRewarding) consistency(ctx context.Context, prompts []string, groups [][]policy.Completion, r SelfRewardingRound, n, models int) ([]float64, float64, error) {
	own := make([][]policy.Completion, len(groups))
	for i, grp := range groups {
		own[i] = grp[:n]
	}
	prev, err := score(ctx, selfRewardingGame, "previous judge", r.Round, g.PrevJudge, g.Parallelism, prompts, own)
	if err != nil {
		return nil, 0, err
	}
	smooth := make([]float64, len(r.Batch.Pairs))
	sumC := 0.0
	for k, p := range r.Batch.Pairs {
		i := p.Chosen / (n * models)
		cur := r.Scores[i*n*models : i*n*models+n]
		eps, err := preference.CREAMSmoothing(prev[i*n:(i+1)*n], cur)
		if err != nil {
			eps = 0.5 // τ undefined (a judge scored every sample alike, or a score is missing)
		}
		smooth[k] = eps
		sumC += 1 - eps
	}
	return smooth, sumC / float64(len(smooth)), nil
}
