package curriculum

import (
	"errors"
	"fmt"
	"math"
)

// BalanceScore is B-STaR's per-query balance score
//
//	bs = min(n'/n*, 1) · (n'/n),
//
// with n the number of responses selected for the query (for example those
// whose reward passes the threshold), n' the correct ones among them (the
// paper counts unique correct responses: deduplicate before counting) and
// n* the number of correct responses wanted per query (zero means 8, the
// paper's default). The first factor rewards exploration (enough correct
// responses), the second exploitation (a clean selection). A query with
// nothing selected scores 0.
//
// References: Zeng et al., "B-STaR: Monitoring and Balancing Exploration
// and Exploitation in Self-Taught Reasoners" (ICLR 2025); docs/ALGORITHMS.md §5.
func BalanceScore(correct, selected, nStar int) (float64, error) {
	if nStar < 0 {
		return 0, fmt.Errorf("curriculum: BalanceScore: nStar = %d, want ≥ 0", nStar)
	}
	if nStar == 0 {
		nStar = 8
	}
	if selected < 0 || correct < 0 || correct > selected {
		return 0, fmt.Errorf("curriculum: BalanceScore: correct = %d, selected = %d, want 0 ≤ correct ≤ selected", correct, selected)
	}
	if selected == 0 {
		return 0, nil
	}
	c := float64(correct)
	return math.Min(c/float64(nStar), 1) * c / float64(selected), nil
}

// ScoredSample is one sampled response as B-STaR's chooser sees it: the
// reward model's score and whether the answer is correct.
type ScoredSample struct {
	Score   float64
	Correct bool
}

// TemperatureSamples holds the responses sampled at one temperature:
// Queries[q] are the responses to query q.
type TemperatureSamples struct {
	Temperature float64
	Queries     [][]ScoredSample
}

// BStarChoice is the configuration ChooseBStar picked.
type BStarChoice struct {
	Temperature, Threshold float64
	// Score is the mean balance score of the choice.
	Score float64
	// Grid[i][j] is the mean balance score of temperature i (in the
	// order given) with threshold j.
	Grid [][]float64
}

// ChooseBStar picks B-STaR's sampling temperature and reward threshold:
// for every temperature and every threshold θ, each query's selected
// responses are those with Score ≥ θ, its balance score is computed
// (BalanceScore with nStar, zero meaning 8) and averaged over the queries;
// the (temperature, threshold) with the largest mean wins, the first in
// the order given on ties.
//
// References: Zeng et al., "B-STaR" (ICLR 2025), §4.
func ChooseBStar(samples []TemperatureSamples, thresholds []float64, nStar int) (BStarChoice, error) {
	var ch BStarChoice
	if len(samples) == 0 {
		return ch, errors.New("curriculum: ChooseBStar: no temperatures")
	}
	if len(thresholds) == 0 {
		return ch, errors.New("curriculum: ChooseBStar: no thresholds")
	}
	for j, th := range thresholds {
		if math.IsNaN(th) {
			return ch, fmt.Errorf("curriculum: ChooseBStar: thresholds[%d] is NaN", j)
		}
	}
	if _, err := BalanceScore(0, 0, nStar); err != nil {
		return ch, err
	}
	best := math.Inf(-1)
	ch.Grid = make([][]float64, len(samples))
	for i, ts := range samples {
		if math.IsNaN(ts.Temperature) || math.IsInf(ts.Temperature, 0) || ts.Temperature < 0 {
			return ch, fmt.Errorf("curriculum: ChooseBStar: samples[%d].Temperature = %v, want finite ≥ 0", i, ts.Temperature)
		}
		if len(ts.Queries) == 0 {
			return ch, fmt.Errorf("curriculum: ChooseBStar: samples[%d] has no queries", i)
		}
		for q, rs := range ts.Queries {
			for r, s := range rs {
				if math.IsNaN(s.Score) {
					return ch, fmt.Errorf("curriculum: ChooseBStar: samples[%d].Queries[%d][%d].Score is NaN", i, q, r)
				}
			}
		}
		ch.Grid[i] = make([]float64, len(thresholds))
		for j, th := range thresholds {
			tot := 0.0
			for _, rs := range ts.Queries {
				n, c := 0, 0
				for _, s := range rs {
					if s.Score >= th {
						n++
						if s.Correct {
							c++
						}
					}
				}
				bs, _ := BalanceScore(c, n, nStar)
				tot += bs
			}
			m := tot / float64(len(ts.Queries))
			ch.Grid[i][j] = m
			if m > best {
				best = m
				ch.Temperature, ch.Threshold, ch.Score = ts.Temperature, th, m
			}
		}
	}
	return ch, nil
}
