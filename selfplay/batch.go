package selfplay

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/evolve-go/evolve/internal/nanmean"
	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/preference"
)

// Batch is what one role of a game learns from after a round: its
// completions grouped by the prompt they answer, one reward per
// completion, and pairs for the pairwise objectives.
type Batch struct {
	// Role names the role ("solver", "attacker", ...).
	Role string
	// Prompts holds the prompt of each group.
	Prompts []string
	// Groups holds the completions of each prompt, as a policy.Generator
	// returns them.
	Groups [][]policy.Completion
	// Rewards holds one reward per completion in the row order of
	// policy.NewRollouts (group by group); NaN marks a completion left
	// out of the learning signal.
	Rewards []float64
	// Pairs are the best-vs-worst pairs of each group by reward
	// (preference.BestWorstPairs), rows in the same order.
	Pairs []policy.Pair
}

// newBatch returns the batch of role with its best-vs-worst pairs.
func newBatch(role string, prompts []string, groups [][]policy.Completion, rewards []float64) (Batch, error) {
	b := Batch{Role: role, Prompts: prompts, Groups: groups, Rewards: rewards}
	var err error
	b.Pairs, err = preference.BestWorstPairs(nil, rewards, groupIDs(groups))
	return b, err
}

// groupIDs returns the group of each completion in row order.
func groupIDs(groups [][]policy.Completion) []int {
	var ids []int
	for i, g := range groups {
		for range g {
			ids = append(ids, i)
		}
	}
	return ids
}

// Len returns the number of completions.
func (b *Batch) Len() int { return len(b.Rewards) }

// Rollouts lays the batch out for policy.Trainer: policy.NewRollouts of
// its groups with its rewards and pairs. Completions without tokens (some
// servers report none) cannot be laid out: train such a role where it is
// served.
func (b *Batch) Rollouts() (*policy.Rollouts, error) {
	r, err := policy.NewRollouts(b.Groups, 0)
	if err != nil {
		return nil, fmt.Errorf("selfplay: %s batch: %w", b.Role, err)
	}
	if len(b.Rewards) != r.B {
		return nil, fmt.Errorf("selfplay: %s batch: %d rewards for %d completions", b.Role, len(b.Rewards), r.B)
	}
	r.Rewards = append([]float64(nil), b.Rewards...)
	r.Pairs = append([]policy.Pair(nil), b.Pairs...)
	return r, nil
}

// RoundError reports the failure of a game's player or judge.
type RoundError struct {
	Game  string // the game ("eva", "agent0", ...)
	Role  string // the role whose call failed ("solver", "judge", ...)
	Round int    // the round, counting from 1
	Err   error
}

func (e *RoundError) Error() string {
	return fmt.Sprintf("selfplay: %s round %d: %s: %v", e.Game, e.Round, e.Role, e.Err)
}

func (e *RoundError) Unwrap() error { return e.Err }

// roundErr wraps err (if not nil) as a *RoundError; a context error is
// wrapped too, so errors.Is(err, context.Canceled) holds.
func roundErr(game, role string, round int, err error) error {
	if err == nil {
		return nil
	}
	var re *RoundError
	if errors.As(err, &re) {
		return err
	}
	return &RoundError{Game: game, Role: role, Round: round, Err: err}
}

// generate asks gen for n completions of each prompt, checking the shape
// of the answer, and names the role and round in errors.
func generate(ctx context.Context, game, role string, round int, gen policy.Generator, req policy.GenerateRequest) ([][]policy.Completion, error) {
	if gen == nil {
		return nil, roundErr(game, role, round, errors.New("the player is nil"))
	}
	if err := ctx.Err(); err != nil {
		return nil, roundErr(game, role, round, err)
	}
	out, err := gen.Generate(ctx, req)
	if err != nil {
		return nil, roundErr(game, role, round, err)
	}
	n := max(req.N, 1)
	if len(out) != len(req.Prompts) {
		return nil, roundErr(game, role, round, fmt.Errorf("the generator returned %d groups for %d prompts", len(out), len(req.Prompts)))
	}
	for i, g := range out {
		if len(g) != n {
			return nil, roundErr(game, role, round, fmt.Errorf("the generator returned %d completions of prompt %d, want %d", len(g), i, n))
		}
	}
	return out, nil
}

// nanMean is the mean of the non-NaN entries of v (NaN when there are
// none).
func nanMean(v []float64) float64 { return nanmean.Of(v) }

// rngState is a game's random state in its JSON form.
type rngState []byte

// newRNG returns a PCG seeded from seed.
func newRNG(seed uint64) *rand.PCG { return rand.NewPCG(seed, 0x5e1f) }

// saveRNG returns the state of p.
func saveRNG(p *rand.PCG) rngState {
	b, _ := p.MarshalBinary() // PCG's MarshalBinary cannot fail
	return b
}

// loadRNG restores p from s.
func loadRNG(p *rand.PCG, s rngState) error {
	if err := p.UnmarshalBinary(s); err != nil {
		return fmt.Errorf("selfplay: random state: %w", err)
	}
	return nil
}
