package curriculum

import (
	"errors"
	"fmt"
	"math"
)

// ErrBatchNotFilled is returned (wrapped) by FillBatch when the draw limit
// is reached before the batch is full.
var ErrBatchNotFilled = errors.New("curriculum: dynamic sampling could not fill the batch")

// FillStats reports what FillBatch did.
type FillStats struct {
	// Drawn counts the groups drawn, Kept those kept and Dropped those
	// whose rewards were all equal (Drawn = Kept + Dropped).
	Drawn, Kept, Dropped int
}

// FillBatch is DAPO's dynamic sampling: it calls draw for one group at a
// time (a prompt with its sampled completions' rewards), drops every group
// whose rewards are all equal (all solved or all failed: zero GRPO
// advantage, no gradient) and keeps drawing until n groups are kept.
//
// maxDraws bounds the calls to draw; zero means 10·n, after the DAPO
// recipe's example setting in verl (filter_groups.max_num_gen_batches =
// 10 generation batches; here the bound counts groups). When the bound is reached
// first, FillBatch returns the groups kept so far, the stats and an error
// wrapping ErrBatchNotFilled. An error from draw is returned at once
// (wrapped) with the groups kept so far. A NaN reward is missing (see
// Signal) and left out: a group whose present rewards are all equal, or
// with fewer than two present, gives zero advantage and is dropped. A
// group with no reward, or a ±Inf reward, is an error.
//
// References: Yu et al., "DAPO: An Open-Source LLM Reinforcement Learning
// System at Scale" (2025); docs/ALGORITHMS.md §6.
func FillBatch[G any](n, maxDraws int, draw func() (group G, rewards []float64, err error)) ([]G, FillStats, error) {
	var st FillStats
	if n <= 0 {
		return nil, st, fmt.Errorf("curriculum: FillBatch: n = %d, want > 0", n)
	}
	if maxDraws < 0 {
		return nil, st, fmt.Errorf("curriculum: FillBatch: maxDraws = %d, want ≥ 0", maxDraws)
	}
	if maxDraws == 0 {
		maxDraws = 10 * n
	}
	if draw == nil {
		return nil, st, errors.New("curriculum: FillBatch: nil draw")
	}
	kept := make([]G, 0, n)
	for len(kept) < n {
		if st.Drawn == maxDraws {
			return kept, st, fmt.Errorf("%w: %d of %d groups after %d draws (%d dropped)", ErrBatchNotFilled, len(kept), n, st.Drawn, st.Dropped)
		}
		g, rs, err := draw()
		st.Drawn++
		if err != nil {
			return kept, st, fmt.Errorf("curriculum: FillBatch: draw %d: %w", st.Drawn-1, err)
		}
		if len(rs) == 0 {
			return kept, st, fmt.Errorf("curriculum: FillBatch: draw %d returned no rewards", st.Drawn-1)
		}
		for i, r := range rs {
			if math.IsInf(r, 0) {
				return kept, st, fmt.Errorf("curriculum: FillBatch: draw %d: rewards[%d] = %v is not finite", st.Drawn-1, i, r)
			}
		}
		if _, _, same := present(rs); same {
			st.Dropped++
			continue
		}
		kept = append(kept, g)
		st.Kept++
	}
	return kept, st, nil
}
