package preference_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/preference"
)

// dpoCases lists every variant with parameters that exercise it.
var dpoCases = []struct {
	name string
	obj  preference.DPO
}{
	{"sigmoid", preference.DPO{}},
	{"sigmoid_ls", preference.DPO{Beta: 0.5, LabelSmoothing: 0.2}},
	{"cream_ls_above_half", preference.DPO{Beta: 0.5, LabelSmoothing: 0.7}},
	{"ipo", preference.DPO{Variant: preference.IPO, Beta: 0.5}},
	{"ipo_sum", preference.DPO{Variant: preference.IPO, Beta: 0.5, IPOSummed: true}},
	{"hinge", preference.DPO{Variant: preference.Hinge, Beta: 0.3}},
	{"robust", preference.DPO{Variant: preference.Robust, Beta: 0.5, LabelSmoothing: 0.1}},
	{"exo_default_eps", preference.DPO{Variant: preference.ExoPair, Beta: 0.5}},
	{"exo", preference.DPO{Variant: preference.ExoPair, Beta: 0.5, LabelSmoothing: 0.2}},
	{"nca_pair", preference.DPO{Variant: preference.NCAPair, Beta: 0.5}},
	{"bco_pair", preference.DPO{Variant: preference.BCOPair, Beta: 0.5}},
	{"sppo_hard", preference.DPO{Variant: preference.SPPOHard, Beta: 0.5}},
	{"apo_zero", preference.DPO{Variant: preference.APOZero, Beta: 0.5}},
	{"apo_down", preference.DPO{Variant: preference.APODown, Beta: 0.5}},
	{"simpo", preference.DPO{Variant: preference.SimPO, Beta: 2}},
	{"simpo_ls", preference.DPO{Variant: preference.SimPO, Beta: 2, Gamma: 0.3, LabelSmoothing: 0.1}},
}

// Rows 1 and 2 each appear in two pairs (once chosen, once rejected), so
// gradients from several pairs must add up; row 6 is in no pair.
var dpoPairs = []preference.Pair{{Chosen: 0, Rejected: 1}, {Chosen: 2, Rejected: 3}, {Chosen: 4, Rejected: 5}, {Chosen: 1, Rejected: 2}}

func TestDPOFiniteDifferences(t *testing.T) {
	for _, tc := range dpoCases {
		for _, noMask := range []bool{false, true} {
			name := tc.name
			if noMask {
				name += "/no_mask"
			}
			t.Run(name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(1, 2))
				b := randBatch(rng, 7, 9)
				if noMask {
					b.Mask = nil // every token counts
				}
				grad := make([]float64, b.B*b.T)
				st, err := tc.obj.Eval(grad, withPairs(b, nil, dpoPairs))
				if err != nil {
					t.Fatal(err)
				}
				if st.Pairs != len(dpoPairs) || !(st.Loss > -1e300) {
					t.Fatalf("stats = %+v", st)
				}
				for k := 6 * b.T; k < 7*b.T; k++ {
					if grad[k] != 0 {
						t.Fatalf("row in no pair: grad[%d] = %v, want 0", k, grad[k])
					}
				}
				fdCheck(t, b, grad, func() float64 {
					st, err := tc.obj.Eval(nil, withPairs(b, nil, dpoPairs))
					if err != nil {
						t.Fatal(err)
					}
					return st.Loss
				})
				if noMask && st.Tokens != float64(b.B*b.T) {
					t.Errorf("Tokens = %v, want B*T = %d", st.Tokens, b.B*b.T)
				}
			})
		}
	}
}

// A gradient buffer's previous contents must not leak into the result,
// for disjoint pairs and for pairs sharing rows, and a row in no pair gets
// exactly 0. Both give the mean of the gradients of their pairs evaluated
// one at a time.
func TestDPOOverwritesGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	b := randBatch(rng, 7, 5)
	for _, obj := range []preference.DPO{{}, {Variant: preference.SimPO}, {Variant: preference.IPO}} {
		for _, pairs := range [][]preference.Pair{dpoPairs[:3], dpoPairs} {
			// Reference: the mean of single-pair gradients.
			want := make([]float64, b.B*b.T)
			one := make([]float64, b.B*b.T)
			for _, p := range pairs {
				if _, err := obj.Eval(one, withPairs(b, nil, []preference.Pair{p})); err != nil {
					t.Fatal(err)
				}
				for k := range want {
					want[k] += one[k] / float64(len(pairs))
				}
			}
			got := make([]float64, b.B*b.T)
			for k := range got {
				got[k] = 123
			}
			if _, err := obj.Eval(got, withPairs(b, nil, pairs)); err != nil {
				t.Fatal(err)
			}
			for k := range got {
				if math.Abs(got[k]-want[k]) > 1e-15 {
					t.Fatalf("%v, %d pairs: grad[%d] = %v, want %v", obj.Variant, len(pairs), k, got[k], want[k])
				}
				if k >= 6*b.T && got[k] != 0 {
					t.Fatalf("%v, %d pairs: row in no pair: grad[%d] = %v, want 0", obj.Variant, len(pairs), k, got[k])
				}
			}
		}
	}
}

// A hand-computed pair: u_w = 2, u_l = −1 (tokens 0 and 1 of each row;
// token 2 masked), β = 0.1, so Δ = 3 and the loss is log(1 + e^−0.3).
func TestDPOSigmoidByHand(t *testing.T) {
	b := &policy.Batch{B: 2, T: 3,
		LogProbs:    []float64{-1, -2, -7, -3, -1, -9},
		RefLogProbs: []float64{-2, -3, -1, -2, -1, -1},
		Mask:        []float64{1, 1, 0, 1, 1, 0},
	}
	grad := make([]float64, 6)
	st, err := preference.DPO{}.Eval(grad, withPairs(b, nil, []preference.Pair{{Chosen: 0, Rejected: 1}}))
	if err != nil {
		t.Fatal(err)
	}
	wantLoss := math.Log(1 + math.Exp(-0.3))
	if math.Abs(st.Loss-wantLoss) > 1e-15 {
		t.Errorf("loss = %v, want %v", st.Loss, wantLoss)
	}
	g := -0.1 / (1 + math.Exp(0.3)) // −β σ(−0.3)
	want := []float64{g, g, 0, -g, -g, 0}
	for k := range want {
		if math.Abs(grad[k]-want[k]) > 1e-16 {
			t.Errorf("grad[%d] = %v, want %v", k, grad[k], want[k])
		}
	}
	if math.Abs(st.ChosenReward-0.2) > 1e-15 || math.Abs(st.RejectedReward+0.1) > 1e-15 ||
		math.Abs(st.Margin-0.3) > 1e-15 || st.RewardAccuracy != 1 || st.Tokens != 4 {
		t.Errorf("stats = %+v", st)
	}
}

// At lp = ref every implicit reward is 0, so sigmoid DPO's loss is log 2
// whatever the pairs, and no pair is counted as correct.
func TestDPOAtReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	b := randBatch(rng, 6, 4)
	copy(b.RefLogProbs, b.LogProbs)
	st, err := preference.DPO{Beta: 0.7}.Eval(nil, withPairs(b, nil, dpoPairs[:3]))
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(st.Loss-math.Ln2) > 1e-15 || st.RewardAccuracy != 0 || st.Margin != 0 {
		t.Errorf("stats = %+v, want loss log 2, accuracy 0, margin 0", st)
	}
}

// Label smoothing ε mixes the losses of the pair and of its reverse:
// L_ε(w, l) = (1−ε)·L_0(w, l) + ε·L_0(l, w).
func TestDPOLabelSmoothingMixes(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	b := randBatch(rng, 2, 6)
	fwd, rev := []preference.Pair{{Chosen: 0, Rejected: 1}}, []preference.Pair{{Chosen: 1, Rejected: 0}}
	a, _ := preference.DPO{Beta: 0.4}.Eval(nil, withPairs(b, nil, fwd))
	r, _ := preference.DPO{Beta: 0.4}.Eval(nil, withPairs(b, nil, rev))
	s, err := preference.DPO{Beta: 0.4, LabelSmoothing: 0.3}.Eval(nil, withPairs(b, nil, fwd))
	if err != nil {
		t.Fatal(err)
	}
	if want := 0.7*a.Loss + 0.3*r.Loss; math.Abs(s.Loss-want) > 1e-14 {
		t.Errorf("smoothed loss = %v, want %v", s.Loss, want)
	}
}

// Bad caller data gives errors that name the field and index.
func TestDPOErrors(t *testing.T) {
	good := func() *policy.Batch {
		return randBatch(rand.New(rand.NewPCG(9, 9)), 4, 3)
	}
	pairs := []preference.Pair{{Chosen: 0, Rejected: 1}, {Chosen: 2, Rejected: 3}}
	cases := []struct {
		name   string
		obj    preference.DPO
		edit   func(b *policy.Batch) *policy.Batch
		grad   []float64
		pairs  []preference.Pair
		want   string
		target error
	}{
		{name: "nil batch", edit: func(*policy.Batch) *policy.Batch { return nil }, target: policy.ErrEmptyBatch},
		{name: "zero rows", edit: func(b *policy.Batch) *policy.Batch { b.B = 0; return b }, target: policy.ErrEmptyBatch},
		{name: "logprobs length", edit: func(b *policy.Batch) *policy.Batch { b.LogProbs = b.LogProbs[:5]; return b }, want: "len(Batch.LogProbs) = 5"},
		{name: "ref missing", edit: func(b *policy.Batch) *policy.Batch { b.RefLogProbs = nil; return b }, want: "RefLogProbs is nil"},
		{name: "ref length", edit: func(b *policy.Batch) *policy.Batch { b.RefLogProbs = b.RefLogProbs[1:]; return b }, want: "len(Batch.RefLogProbs) = 11"},
		{name: "mask length", edit: func(b *policy.Batch) *policy.Batch { b.Mask = b.Mask[1:]; return b }, want: "len(Batch.Mask) = 11"},
		{name: "grad length", grad: make([]float64, 5), want: "len(grad) = 5"},
		{name: "NaN logprob", edit: func(b *policy.Batch) *policy.Batch { b.LogProbs[2*3+1] = math.NaN(); return b }, want: "Batch.LogProbs[2*T+1] is NaN"},
		{name: "Inf ref under mask", edit: func(b *policy.Batch) *policy.Batch {
			b.Mask[3*3+2] = 0
			b.RefLogProbs[3*3+2] = math.Inf(-1)
			return b
		}, want: "Batch.RefLogProbs[3*T+2] is Inf"},
		{name: "mask value", edit: func(b *policy.Batch) *policy.Batch { b.Mask[1*3+2] = 0.5; return b }, want: "Batch.Mask[1*T+2] = 0.5"},
		{name: "NaN in a row in no pair", pairs: []preference.Pair{{Chosen: 0, Rejected: 1}}, edit: func(b *policy.Batch) *policy.Batch {
			b.LogProbs[3*3] = math.NaN()
			return b
		}, want: "Batch.LogProbs[3*T+0] is NaN"},
		{name: "no pairs", pairs: []preference.Pair{}, target: preference.ErrNoPairs},
		{name: "pair out of range", pairs: []preference.Pair{{Chosen: 0, Rejected: 1}, {Chosen: 2, Rejected: 4}}, want: "Batch.Pairs[1].Rejected = 4"},
		{name: "negative pair index", pairs: []preference.Pair{{Chosen: -1, Rejected: 1}}, want: "Batch.Pairs[0].Chosen = -1"},
		{name: "self pair", pairs: []preference.Pair{{Chosen: 2, Rejected: 2}}, want: "Batch.Pairs[0] joins row 2 with itself"},
		{name: "negative beta", obj: preference.DPO{Beta: -1}, want: "DPO.Beta = -1"},
		{name: "NaN beta", obj: preference.DPO{Beta: math.NaN()}, want: "DPO.Beta = NaN"},
		{name: "Inf beta", obj: preference.DPO{Beta: math.Inf(1)}, want: "DPO.Beta = +Inf"},
		{name: "sigmoid smoothing", obj: preference.DPO{LabelSmoothing: 1.5}, want: "DPO.LabelSmoothing = 1.5"},
		{name: "robust smoothing", obj: preference.DPO{Variant: preference.Robust, LabelSmoothing: 0.5}, want: "want in [0, 0.5)"},
		{name: "exo smoothing", obj: preference.DPO{Variant: preference.ExoPair, LabelSmoothing: 1}, want: "want in (0, 1)"},
		{name: "exo negative smoothing", obj: preference.DPO{Variant: preference.ExoPair, LabelSmoothing: -0.1}, want: "want in (0, 1)"},
		{name: "hinge smoothing", obj: preference.DPO{Variant: preference.Hinge, LabelSmoothing: 0.1}, want: "hinge does not use it"},
		{name: "simpo gamma", obj: preference.DPO{Variant: preference.SimPO, Gamma: -1}, want: "DPO.Gamma = -1"},
		{name: "gamma unused", obj: preference.DPO{Gamma: 1}, want: "sigmoid does not use it"},
		{name: "ipo summed unused", obj: preference.DPO{IPOSummed: true}, want: "IPOSummed"},
		{name: "variant", obj: preference.DPO{Variant: 99}, want: "DPO.Variant = 99"},
		{name: "ipo empty row", obj: preference.DPO{Variant: preference.IPO}, edit: func(b *policy.Batch) *policy.Batch {
			clear(b.Mask[3*3 : 4*3])
			return b
		}, want: "row 3 has no counted token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := good()
			if tc.edit != nil {
				b = tc.edit(b)
			}
			p := pairs
			if tc.pairs != nil {
				p = tc.pairs
			}
			grad := tc.grad
			if grad == nil && b != nil && b.B > 0 {
				grad = make([]float64, b.B*b.T)
			}
			_, err := tc.obj.Eval(grad, withPairs(b, nil, p))
			if err == nil {
				t.Fatal("no error")
			}
			if tc.target != nil && !errors.Is(err, tc.target) {
				t.Errorf("error %q, want %v", err, tc.target)
			}
			if tc.want != "" && !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestVariantString(t *testing.T) {
	if s := preference.ExoPair.String(); s != "exo_pair" {
		t.Errorf("ExoPair.String() = %q", s)
	}
	if s := preference.Variant(-1).String(); s != "Variant(-1)" {
		t.Errorf("Variant(-1).String() = %q", s)
	}
}

// Every mask value other than 0 or 1 is an error, for every kernel that
// reads the mask (with and without the proximal clip, with and without
// the reference).
func TestBadMaskValues(t *testing.T) {
	bad := []float64{0.5, 2, -1, 1 + 0x1p-52, 1 - 0x1p-53, 0x1p-1074, 0x1p-1022, math.Inf(1), math.NaN(), -math.MaxFloat64}
	for _, m := range bad {
		for tok := range 5 { // the unrolled body and the tail
			b := randBatch(rand.New(rand.NewPCG(31, 32)), 2, 5)
			for k := range b.Mask {
				b.Mask[k] = 1
			}
			b.Mask[1*5+tok] = m
			p := []preference.Pair{{Chosen: 0, Rejected: 1}}
			r := []float64{0, 1}
			for name, eval := range map[string]func() error{
				"dpo": func() error { _, err := preference.DPO{}.Eval(nil, withPairs(b, nil, p)); return err },
				"simpo": func() error {
					_, err := preference.DPO{Variant: preference.SimPO}.Eval(nil, withPairs(b, nil, p))
					return err
				},
				"rdp":      func() error { _, err := preference.RDP{}.Eval(nil, withPairs(b, r, p)); return err },
				"rdp_clip": func() error { _, err := preference.RDP{Epsilon: 0.1}.Eval(nil, withPairs(b, r, p)); return err },
				"copg":     func() error { _, err := preference.CoPG{}.Eval(nil, withPairs(b, r, p)); return err },
				"kto": func() error {
					_, err := ktoEval(preference.KTO{}, nil, b, []preference.Label{preference.Desirable, preference.Undesirable})
					return err
				},
			} {
				err := eval()
				if err == nil || !strings.Contains(err.Error(), "Batch.Mask[1*T+") {
					t.Errorf("%s: mask value %v at token %d: error %v, want one naming Batch.Mask", name, m, tok, err)
				}
			}
		}
	}
}
