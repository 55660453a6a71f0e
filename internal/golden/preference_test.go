package golden

import (
	"encoding/json"
	"testing"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/preference"
)

func init() {
	register("dpo", checkDPO)
	register("rdp", checkRDP)
	register("copg", checkCoPG)
}

// prefTol is the README's tolerance for the float64 losses.
const prefTol = 1e-9

// raggedBatch builds a padded batch from ragged log-probs and optional
// ragged ref/old log-probs and applies the case's ragged mask (padding gets
// mask 0).
func raggedBatch(t *testing.T, logp, old, ref, mask [][]float64) *policy.Batch {
	t.Helper()
	b, err := policy.NewBatch(logp, old, ref, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.Mask = make([]float64, b.B*b.T)
	for i, row := range mask {
		if len(row) != len(logp[i]) {
			t.Fatalf("mask[%d] has %d entries, logp[%d] has %d", i, len(row), i, len(logp[i]))
		}
		copy(b.Mask[i*b.T:], row)
	}
	return b
}

// checkGrad compares a padded gradient with a ragged expected one: real
// tokens within prefTol, masked tokens and padding exactly 0.
func checkGrad(t *testing.T, name string, got []float64, T, row0 int, want, mask [][]float64) {
	t.Helper()
	for i, w := range want {
		g := got[(row0+i)*T : (row0+i+1)*T]
		for tt := range g {
			switch {
			case tt >= len(w):
				if g[tt] != 0 {
					t.Errorf("%s[%d][%d] (padding) = %v, want exactly 0", name, i, tt, g[tt])
				}
			case mask[i][tt] == 0:
				if g[tt] != 0 {
					t.Errorf("%s[%d][%d] (masked) = %v, want exactly 0", name, i, tt, g[tt])
				}
			case !Close(g[tt], w[tt], prefTol):
				t.Errorf("%s[%d][%d] = %.15g, want %.15g", name, i, tt, g[tt], w[tt])
			}
		}
	}
}

var dpoVariants = map[string]preference.Variant{
	"sigmoid": preference.Sigmoid, "ipo": preference.IPO, "hinge": preference.Hinge,
	"robust": preference.Robust, "exo_pair": preference.ExoPair, "nca_pair": preference.NCAPair,
	"bco_pair": preference.BCOPair, "sppo_hard": preference.SPPOHard, "apo_zero": preference.APOZero,
	"apo_down": preference.APODown, "simpo": preference.SimPO,
}

// dec decodes m[key] into v, failing the test when a required key is
// missing or malformed.
func dec(t *testing.T, m map[string]json.RawMessage, key string, v any, optional bool) {
	t.Helper()
	if _, err := Decode(m, key, v, optional); err != nil {
		t.Fatal(err)
	}
}

func checkDPO(t *testing.T, c *Case) {
	var (
		variant         string
		beta, ls, gamma float64
		lengthNormalize = true
		cl, rl, cr, rr  [][]float64
		cm, rm          [][]float64
		loss            float64
		gradC, gradR    [][]float64
	)
	dec(t, c.Params, "variant", &variant, false)
	dec(t, c.Params, "beta", &beta, false)
	dec(t, c.Params, "label_smoothing", &ls, true)
	dec(t, c.Params, "gamma", &gamma, true)
	dec(t, c.Params, "length_normalize", &lengthNormalize, true)
	dec(t, c.Inputs, "chosen_logp", &cl, false)
	dec(t, c.Inputs, "rejected_logp", &rl, false)
	dec(t, c.Inputs, "chosen_ref", &cr, false)
	dec(t, c.Inputs, "rejected_ref", &rr, false)
	dec(t, c.Inputs, "chosen_mask", &cm, false)
	dec(t, c.Inputs, "rejected_mask", &rm, false)
	dec(t, c.Expect, "loss", &loss, false)
	dec(t, c.Expect, "grad_chosen", &gradC, false)
	dec(t, c.Expect, "grad_rejected", &gradR, false)

	v, ok := dpoVariants[variant]
	if !ok {
		t.Fatalf("unknown dpo variant %q", variant)
	}
	n := len(cl)
	// One batch: chosen rows 0..n-1, rejected rows n..2n-1.
	b := raggedBatch(t, append(append([][]float64{}, cl...), rl...), nil,
		append(append([][]float64{}, cr...), rr...), append(append([][]float64{}, cm...), rm...))
	b.Pairs = make([]preference.Pair, n)
	for i := range b.Pairs {
		b.Pairs[i] = preference.Pair{Chosen: i, Rejected: n + i}
	}
	obj := preference.DPO{Variant: v, Beta: beta, LabelSmoothing: ls, Gamma: gamma}
	if v == preference.IPO {
		obj.IPOSummed = !lengthNormalize
	}
	grad := make([]float64, b.B*b.T)
	st, err := obj.Eval(grad, b)
	if err != nil {
		t.Fatal(err)
	}
	if !Close(st.Loss, loss, prefTol) {
		t.Errorf("loss = %.15g, want %.15g", st.Loss, loss)
	}
	if st.Pairs != n {
		t.Errorf("Stats.Pairs = %d, want %d", st.Pairs, n)
	}
	checkGrad(t, "grad_chosen", grad, b.T, 0, gradC, cm)
	checkGrad(t, "grad_rejected", grad, b.T, n, gradR, rm)
}

// checkGroupLoss runs an RDP or CoPG case: one batch of every row, every
// pair (i, j), i < j, of rows sharing a group id (ties included, as the
// reference implementations pool them), one reward per row.
func checkGroupLoss(t *testing.T, c *Case, withOld bool, obj policy.Loss) {
	var (
		logp, old, ref, mask, want [][]float64
		rewards                    []float64
		groups                     []int
		loss                       float64
	)
	dec(t, c.Inputs, "logp", &logp, false)
	if withOld {
		dec(t, c.Inputs, "old_logp", &old, false)
	}
	dec(t, c.Inputs, "ref_logp", &ref, false)
	dec(t, c.Inputs, "mask", &mask, false)
	dec(t, c.Inputs, "rewards", &rewards, false)
	dec(t, c.Inputs, "groups", &groups, false)
	dec(t, c.Expect, "loss", &loss, false)
	dec(t, c.Expect, "grad_logp", &want, false)
	b := raggedBatch(t, logp, old, ref, mask)
	b.Rewards = rewards
	for i := range groups {
		for j := i + 1; j < len(groups); j++ {
			if groups[i] == groups[j] {
				b.Pairs = append(b.Pairs, preference.Pair{Chosen: i, Rejected: j})
			}
		}
	}
	grad := make([]float64, b.B*b.T)
	st, err := obj.Eval(grad, b)
	if err != nil {
		t.Fatal(err)
	}
	if !Close(st.Loss, loss, prefTol) {
		t.Errorf("loss = %.15g, want %.15g", st.Loss, loss)
	}
	checkGrad(t, "grad_logp", grad, b.T, 0, want, mask)
}

func checkRDP(t *testing.T, c *Case) {
	var (
		beta, eps float64
		reduce    string
	)
	dec(t, c.Params, "beta", &beta, false)
	dec(t, c.Params, "eps", &eps, false)
	dec(t, c.Params, "reduce", &reduce, false)
	obj := preference.RDP{Beta: beta, Epsilon: eps}
	switch reduce {
	case "sum":
		obj.Reduce = preference.Sum
	case "mean":
		obj.Reduce = preference.Mean
	default:
		t.Fatalf("unknown reduce %q", reduce)
	}
	checkGroupLoss(t, c, true, obj)
}

func checkCoPG(t *testing.T, c *Case) {
	var beta float64
	dec(t, c.Params, "beta", &beta, false)
	checkGroupLoss(t, c, false, preference.CoPG{Beta: beta})
}
