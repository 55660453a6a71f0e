package policy

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// userClip is PPOClip written as a user would write it outside the
// package: the exported Term and Check only.
type userClip struct{ lo, hi float64 }

func (u userClip) Check() error { return nil }
func (u userClip) Term(r, a, _ float64) (l, dr, dlp float64, clip int) {
	unclipped, clipped := r*a, min(max(r, u.lo), u.hi)*a
	if unclipped <= clipped {
		return -unclipped, -unclipped, 0, 0
	}
	switch {
	case r > u.hi:
		clip = 1
	case r < u.lo:
		clip = -1
	}
	return -clipped, 0, 0, clip
}

// userMean is SeqMeanTokenMean written outside the package.
type userMean struct{}

func (userMean) Check() error { return nil }
func (userMean) Weight(_, B, _ int, seqTokens, _ float64) (float64, error) {
	return 1 / (float64(B) * seqTokens), nil
}

// A surrogate and an aggregation of a user's, written from the formulas,
// give the package's PPOClip and SeqMeanTokenMean results, at token and
// at sequence level, and their gradient passes finite differences.
func TestUserSurrogateAndAggregation(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, level := range []RatioLevel{TokenLevel, SequenceLevel} {
		for _, kl := range kls {
			b := randBatch(rng, 5, 9, 0.3)
			want := PG{Surrogate: PPOClip{Level: level}, KL: kl, Agg: SeqMeanTokenMean{}}
			var got Loss = PG{Surrogate: userClip{0.8, 1.2}, KL: kl, Agg: userMean{}}
			if level == SequenceLevel {
				// A user surrogate runs at sequence level only inside PG's
				// PPOClip field; compare PPOClip with a user aggregation.
				got = PG{Surrogate: PPOClip{Level: level}, KL: kl, Agg: userMean{}}
			}
			g1, g2 := make([]float64, b.B*b.T), make([]float64, b.B*b.T)
			st1, err1 := want.Eval(g1, b)
			st2, err2 := got.Eval(g2, b)
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			if !statsClose(st2, st1) {
				t.Errorf("level %d %+v: user %+v, package %+v", level, kl, st2, st1)
			}
			for j := range g1 {
				if math.Abs(g1[j]-g2[j]) > 1e-14*max(1, math.Abs(g1[j])) {
					t.Fatalf("level %d %+v: grad[%d] user %v, package %v", level, kl, j, g2[j], g1[j])
				}
			}
			if !nearKink(b, level == SequenceLevel, 1e-5, 0.8, 1.2) {
				checkFD(t, "user surrogate", got, b)
			}
		}
	}
}

// NFT takes its correctness from Batch.Rewards and its rates from
// Batch.Groups, giving what it gives with NFT.Correct and NFT.Rate set by
// hand; a NaN reward leaves a row out.
func TestNFTFromBatchSignals(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	b, correct, _ := nftBatch(rng, 8, 5, 0.2)
	b.Groups = []int{7, 7, 7, 7, 2, 2, 2, 2}
	rate := make([]float64, 8)
	if err := GroupRates(rate, correct, b.Groups); err != nil {
		t.Fatal(err)
	}
	g1, g2 := make([]float64, 40), make([]float64, 40)
	st1, err := NFT{Correct: correct, Rate: rate}.Eval(g1, b)
	if err != nil {
		t.Fatal(err)
	}
	b.Rewards = correct
	st2, err := NFT{}.Eval(g2, b)
	if err != nil {
		t.Fatal(err)
	}
	if st1 != st2 {
		t.Errorf("from the batch %+v, by hand %+v", st2, st1)
	}
	compare(t, "NFT from Batch.Rewards", g2, g1)

	// Row 3 unscored: gradient 0 there, and the rate of group 7 is the
	// mean over rows 0–2.
	b.Rewards = append([]float64(nil), correct...)
	b.Rewards[3] = math.NaN()
	if _, err := (NFT{}).Eval(g2, b); err != nil {
		t.Fatal(err)
	}
	for j := 15; j < 20; j++ {
		if g2[j] != 0 {
			t.Errorf("unscored row: grad[%d] = %v, want 0", j, g2[j])
		}
	}
	want := (correct[0] + correct[1] + correct[2]) / 3
	if err := GroupRates(rate, b.Rewards, b.Groups); err != nil || rate[0] != want || rate[3] != want {
		t.Errorf("GroupRates with a NaN: %v (%v), want %v for group 7", rate, err, want)
	}
}

func TestValidateSignals(t *testing.T) {
	for _, tc := range []struct {
		edit func(b *Batch)
		want string
	}{
		{func(b *Batch) { b.Rewards = []float64{1} }, "len(Batch.Rewards) = 1, want B = 3"},
		{func(b *Batch) { b.Rewards = []float64{1, math.Inf(-1), 0} }, "Batch.Rewards[1] is Inf"},
		{func(b *Batch) { b.Groups = []int{1, 2} }, "len(Batch.Groups) = 2, want B = 3"},
		{func(b *Batch) { b.Pairs = []Pair{{0, 1}, {2, 3}} }, "Batch.Pairs[1] = {2, 3}"},
		{func(b *Batch) { b.Pairs = []Pair{{1, 1}} }, "Batch.Pairs[0] = {1, 1}"},
		{func(b *Batch) { b.Pairs = []Pair{{-1, 0}} }, "Batch.Pairs[0] = {-1, 0}"},
	} {
		b := randBatch(rand.New(rand.NewPCG(1, 2)), 3, 2, 0.1)
		b.Rewards = []float64{1, math.NaN(), 0} // NaN: missing, allowed
		if err := b.Validate(); err != nil {
			t.Fatal(err)
		}
		tc.edit(b)
		if err := b.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate() = %v, want an error containing %q", err, tc.want)
		}
	}
}
