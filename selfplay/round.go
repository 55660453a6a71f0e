package selfplay

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"text/template"

	"github.com/evolve-go/evolve/internal/parallel"
	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/reward"
)

// clock is a game's round counter and random state.
type clock struct {
	round int
	rng   *rand.PCG
}

// start seeds the random state on first use.
func (c *clock) start(seed uint64) {
	if c.rng == nil {
		c.rng = newRNG(seed)
	}
}

// reset sets the clock to round and the random state s, after checking
// them.
func (c *clock) reset(game string, round int, s rngState) error {
	if round < 0 {
		return fmt.Errorf("selfplay: %s: state round %d, want ≥ 0", game, round)
	}
	rng := newRNG(0)
	if err := loadRNG(rng, s); err != nil {
		return err
	}
	c.round, c.rng = round, rng
	return nil
}

// playRound plays one round of a game whose clock is c (started from
// seed): play gets the number of the round (counting from 1); if it
// fails, the random state is put back as it was, so the game's state is
// that of before the round; if it succeeds, the round counter advances.
func playRound[T any](c *clock, seed uint64, play func(round int) (T, error)) (T, error) {
	c.start(seed)
	saved := saveRNG(c.rng)
	out, err := play(c.round + 1)
	if err != nil {
		var zero T
		_ = loadRNG(c.rng, saved) // saved by saveRNG: cannot fail
		return zero, err
	}
	c.round++
	return out, nil
}

// sizeOr returns v, or def when v is 0; negative v is an error naming the
// game's field.
func sizeOr(game, field string, v, def int) (int, error) {
	if v < 0 {
		return 0, fmt.Errorf("selfplay: %s: %s = %d, want ≥ 0", game, field, v)
	}
	return cmp.Or(v, def), nil
}

// limitOf resolves a Parallelism field: 0 means GOMAXPROCS.
func limitOf(game string, p int) (int, error) {
	return sizeOr(game, "Parallelism", p, runtime.GOMAXPROCS(0))
}

// runTemplate renders t (def when nil) with data.
func runTemplate(t, def *template.Template, data any) (string, error) {
	if t == nil {
		t = def
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("template: %w", err)
	}
	return b.String(), nil
}

// callSeed is the sampling seed of call k (< 16) of a round of a game
// that seeds its players from its Seed and the round rather than from its
// random state (RedTeam, SPC): Seed·2²⁰ ⊕ round·2⁴ ⊕ k.
func callSeed(seed uint64, round int, k uint64) uint64 { return seed<<20 ^ uint64(round)<<4 ^ k }

// drawSeeds draws n generator seeds from rng.
func drawSeeds(rng *rand.PCG, n int) []uint64 {
	s := make([]uint64, n)
	for i := range s {
		s[i] = rng.Uint64()
	}
	return s
}

// generateEach asks gen for n completions of each prompt, one call per
// prompt with seeds[i] and req's other settings, at most limit calls at a
// time. The completions of prompts[i] come back as group i, with Prompt =
// i, so that the groups lay out as policy.NewRollouts expects.
func generateEach(ctx context.Context, game, role string, round int, gen policy.Generator, req policy.GenerateRequest,
	prompts []string, n int, seeds []uint64, limit int) ([][]policy.Completion, error) {
	out := make([][]policy.Completion, len(prompts))
	err := parallel.Do(ctx, len(prompts), limit, func(ctx context.Context, i int) error {
		r := req
		r.Prompts, r.N, r.Seed = []string{prompts[i]}, n, seeds[i]
		g, err := generate(ctx, game, role, round, gen, r)
		if err != nil {
			return err
		}
		out[i] = g[0]
		for j := range out[i] {
			out[i][j].Prompt = i
		}
		return nil
	})
	if err == nil {
		err = roundErr(game, role, round, ctx.Err())
	}
	return out, err
}

// pick returns the groups of groups at idx, in that order, each
// completion's Prompt renumbered to its new group.
func pick(groups [][]policy.Completion, idx []int) [][]policy.Completion {
	out := make([][]policy.Completion, len(idx))
	for k, i := range idx {
		out[k] = renumbered(groups[i], k)
	}
	return out
}

// renumbered returns a copy of group with every Prompt set to k.
func renumbered(group []policy.Completion, k int) []policy.Completion {
	out := append([]policy.Completion(nil), group...)
	for j := range out {
		out[j].Prompt = k
	}
	return out
}

// score scores every completion of groups, as an answer to its group's
// prompt, with r (see scoreSamples).
func score(ctx context.Context, game, role string, round int, r reward.Reward, par int, prompts []string, groups [][]policy.Completion) ([]float64, error) {
	samples, err := reward.Samples(prompts, nil, groups)
	if err != nil {
		return nil, roundErr(game, role, round, err)
	}
	return scoreSamples(ctx, game, role, round, r, par, samples)
}

// scoreSamples scores samples with r through a reward.Scorer (at most par
// calls at a time; 0: GOMAXPROCS) and returns the scores in order, NaN
// where r does not apply. The first failed call is a RoundError of role.
func scoreSamples(ctx context.Context, game, role string, round int, r reward.Reward, par int, samples []reward.Sample) ([]float64, error) {
	scorer := reward.Scorer{Reward: r, Parallelism: par}
	scores, errs, err := scorer.ScoreAll(ctx, samples)
	if err == nil {
		err = ctx.Err()
	}
	for k := 0; err == nil && k < len(errs); k++ {
		if errs[k] != nil && !errors.Is(errs[k], reward.ErrSkip) {
			err = errs[k]
		}
	}
	return scores, roundErr(game, role, round, err)
}
