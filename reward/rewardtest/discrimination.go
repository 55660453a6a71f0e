package rewardtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/evolve-go/evolve/reward"
)

// Discrimination measures how well a reward separates correct from
// incorrect completions on labelled cases.
type Discrimination struct {
	// Correct and Incorrect count the scored cases of each class.
	Correct, Incorrect int
	// Skipped counts cases the reward returned reward.ErrSkip for, and
	// Failed the ones it returned another error (or a non-finite score)
	// for; neither enters the metrics.
	Skipped, Failed int
	// Threshold is the decision threshold Accuracy was computed at.
	Threshold float64
	// Accuracy is the fraction of scored cases where (score >= Threshold)
	// equals Correct; NaN when no case was scored.
	Accuracy float64
	// AUC is the ROC AUC: the probability that a random correct case
	// scores above a random incorrect one, ties counting 1/2; NaN when a
	// class is empty.
	AUC float64
	// MeanCorrect and MeanIncorrect are the class means; NaN when the
	// class is empty.
	MeanCorrect, MeanIncorrect float64
	// Separation is MeanCorrect - MeanIncorrect, the B-STaR-style measure
	// of how far apart the reward puts the classes; NaN when a class is
	// empty.
	Separation float64
}

// String summarises the metrics on one line.
func (d Discrimination) String() string {
	return fmt.Sprintf("accuracy %.3f at threshold %s, AUC %.3f, separation %.3f (%d correct, %d incorrect, %d skipped, %d failed)",
		d.Accuracy, fmtScore(d.Threshold), d.AUC, d.Separation, d.Correct, d.Incorrect, d.Skipped, d.Failed)
}

// Discriminate scores every case and computes Discrimination against the
// cases' Correct flags, predicting "correct" when score >= threshold. The
// error joins one *Failure per case whose reward returned an error other
// than reward.ErrSkip or a non-finite score; the metrics are computed
// from the remaining cases either way.
//
// References: Zeng et al., "B-STaR: Monitoring and Balancing Exploration
// and Exploitation in Self-Taught Reasoners" (2024), for reward
// discrimination as a quantity to monitor.
func Discriminate(ctx context.Context, r reward.Reward, cases []Case, threshold float64) (Discrimination, error) {
	d := Discrimination{Threshold: threshold}
	if err := validate(ctx, r); err != nil {
		return d, err
	}
	if math.IsNaN(threshold) {
		return d, errors.New("rewardtest: Discriminate: threshold is NaN")
	}
	var pos, neg []float64
	var errs []error
	right := 0
	for i, c := range cases {
		o := score(ctx, r, c.Sample)
		switch {
		case o.skip:
			d.Skipped++
			continue
		case o.err != nil:
			d.Failed++
			errs = append(errs, fail("discrimination", caseName(c, i), o.v, "%s", o))
			continue
		case math.IsNaN(o.v) || math.IsInf(o.v, 0):
			d.Failed++
			errs = append(errs, fail("discrimination", caseName(c, i), o.v, "score %s is not finite", o))
			continue
		}
		if c.Correct {
			pos = append(pos, o.v)
		} else {
			neg = append(neg, o.v)
		}
		if (o.v >= threshold) == c.Correct {
			right++
		}
	}
	d.Correct, d.Incorrect = len(pos), len(neg)
	d.Accuracy = math.NaN()
	if n := len(pos) + len(neg); n > 0 {
		d.Accuracy = float64(right) / float64(n)
	}
	d.AUC = AUC(pos, neg)
	d.MeanCorrect, d.MeanIncorrect = mean(pos), mean(neg)
	d.Separation = d.MeanCorrect - d.MeanIncorrect
	return d, errors.Join(errs...)
}

// mean is the arithmetic mean, NaN for no values.
func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// AUC returns the area under the ROC curve of scores pos (positives) and
// neg (negatives): the fraction of (positive, negative) pairs in which the
// positive scores higher, a tie counting 1/2 (the Mann-Whitney U statistic
// divided by len(pos)·len(neg)). NaN values are ignored; the result is NaN
// when either side has no values. It runs in O(n log n).
func AUC(pos, neg []float64) float64 {
	type item struct {
		v   float64
		pos bool
	}
	items := make([]item, 0, len(pos)+len(neg))
	np, nn := 0, 0
	for _, v := range pos {
		if !math.IsNaN(v) {
			items = append(items, item{v, true})
			np++
		}
	}
	for _, v := range neg {
		if !math.IsNaN(v) {
			items = append(items, item{v, false})
			nn++
		}
	}
	if np == 0 || nn == 0 {
		return math.NaN()
	}
	sort.Slice(items, func(i, j int) bool { return items[i].v < items[j].v })
	// Sum of the (1-based, tie-averaged) ranks of the positives.
	rankSum := 0.0
	for i := 0; i < len(items); {
		j := i
		for j < len(items) && items[j].v == items[i].v {
			j++
		}
		avg := float64(i+1+j) / 2 // mean of ranks i+1..j
		for k := i; k < j; k++ {
			if items[k].pos {
				rankSum += avg
			}
		}
		i = j
	}
	u := rankSum - float64(np)*float64(np+1)/2
	return u / (float64(np) * float64(nn))
}
