package golden

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/evolve-go/evolve/policy"
)

func init() {
	register("advantage", checkAdvantage)
	register("gae", checkGAE)
	register("policy_loss", checkPolicyLoss)
	register("nft", checkNFT)
}

const polTol = 1e-9

// polDecode is Decode that fails the test on error.
func polDecode(t *testing.T, m map[string]json.RawMessage, key string, v any, optional bool) {
	t.Helper()
	if _, err := Decode(m, key, v, optional); err != nil {
		t.Fatal(err)
	}
}

func polCloseAll(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !Close(got[i], want[i], polTol) {
			t.Errorf("%s[%d] = %.17g, want %.17g", what, i, got[i], want[i])
		}
	}
}

func checkAdvantage(t *testing.T, c *Case) {
	var name, std string
	var eps float64
	polDecode(t, c.Params, "estimator", &name, false)
	polDecode(t, c.Params, "std", &std, true)
	polDecode(t, c.Params, "eps", &eps, true)
	var rewards, want []float64
	var groups []int
	polDecode(t, c.Inputs, "rewards", &rewards, false)
	polDecode(t, c.Inputs, "groups", &groups, false)
	polDecode(t, c.Expect, "advantages", &want, false)
	kind := policy.Unbiased
	switch std {
	case "", "unbiased":
	case "population":
		kind = policy.Population
	default:
		t.Fatalf("unknown std %q", std)
	}
	var est policy.AdvantageEstimator
	switch name {
	case "group_norm":
		est = policy.GroupNorm{Std: kind, Eps: eps}
	case "group_mean":
		est = policy.GroupMean{}
	case "group_mean_batch_std":
		est = policy.GroupMeanBatchStd{Std: kind, Eps: eps}
	case "rloo":
		est = policy.RLOO{}
	case "rpp_baseline":
		est = policy.RPPBaseline{Eps: eps}
	default:
		t.Fatalf("unknown estimator %q", name)
	}
	got := make([]float64, len(rewards))
	if err := est.Advantages(got, rewards, groups); err != nil {
		t.Fatal(err)
	}
	polCloseAll(t, "advantages", got, want)
}

// pad lays ragged rows out as a B×T row-major slice, padding with 0.
func polPad(rows [][]float64, T int) []float64 {
	out := make([]float64, len(rows)*T)
	for i, r := range rows {
		copy(out[i*T:], r)
	}
	return out
}

func polWidth(rows [][]float64) int {
	T := 0
	for _, r := range rows {
		T = max(T, len(r))
	}
	return T
}

// checkRagged compares a B×T result with ragged expected rows: the
// counted tokens within tolerance, and everything else exactly 0 when
// zeroMasked is set (mask may be nil: only padding is then masked).
func polRagged(t *testing.T, what string, got []float64, want, mask [][]float64, T int, zeroMasked bool) {
	t.Helper()
	for i, row := range want {
		for j := 0; j < T; j++ {
			g := got[i*T+j]
			masked := j >= len(row) || (mask != nil && mask[i][j] == 0)
			if masked {
				if zeroMasked && g != 0 {
					t.Errorf("%s[%d][%d] = %v at a masked token, want exactly 0", what, i, j, g)
				}
				if j >= len(row) {
					continue
				}
			}
			if !Close(g, row[j], polTol) {
				t.Errorf("%s[%d][%d] = %.17g, want %.17g", what, i, j, g, row[j])
			}
		}
	}
}

func checkGAE(t *testing.T, c *Case) {
	var gamma, lambda float64
	polDecode(t, c.Params, "gamma", &gamma, false)
	polDecode(t, c.Params, "lambda", &lambda, false)
	var rew, val, wantA, wantR [][]float64
	polDecode(t, c.Inputs, "token_rewards", &rew, false)
	polDecode(t, c.Inputs, "values", &val, false)
	polDecode(t, c.Expect, "advantages", &wantA, false)
	polDecode(t, c.Expect, "returns", &wantR, false)
	B, T := len(rew), polWidth(rew)
	mask := make([][]float64, B)
	for i, r := range rew {
		mask[i] = make([]float64, len(r))
		for j := range mask[i] {
			mask[i][j] = 1
		}
	}
	adv, ret := make([]float64, B*T), make([]float64, B*T)
	if err := (policy.GAE{Gamma: gamma, Lambda: lambda}).Advantages(adv, ret, polPad(rew, T), polPad(val, T), polPad(mask, T), B, T); err != nil {
		t.Fatal(err)
	}
	polRagged(t, "advantages", adv, wantA, nil, T, true)
	polRagged(t, "returns", ret, wantR, nil, T, true)
}

func polAgg(t *testing.T, c *Case) policy.Aggregation {
	var agg string
	var n float64
	polDecode(t, c.Params, "agg", &agg, false)
	polDecode(t, c.Params, "norm_len", &n, true)
	switch agg {
	case "token-mean":
		return policy.TokenMean{}
	case "seq-mean-token-mean":
		return policy.SeqMeanTokenMean{}
	case "seq-mean-token-sum":
		return policy.SeqMeanTokenSum{}
	case "seq-mean-token-sum-norm":
		if n <= 0 {
			t.Fatalf("seq-mean-token-sum-norm without norm_len")
		}
		return policy.SeqMeanTokenSumNorm{N: n}
	}
	t.Fatalf("unknown agg %q", agg)
	return nil
}

// batch builds the padded batch of a loss case, with the case's mask.
func polBatch(t *testing.T, c *Case, withRef bool) (*policy.Batch, [][]float64) {
	var logp, old, ref, mask [][]float64
	polDecode(t, c.Inputs, "logp", &logp, false)
	polDecode(t, c.Inputs, "old_logp", &old, false)
	if withRef {
		polDecode(t, c.Inputs, "ref_logp", &ref, false)
	}
	polDecode(t, c.Inputs, "mask", &mask, false)
	b, err := policy.NewBatch(logp, old, ref, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.Mask = polPad(mask, b.T)
	return b, mask
}

func polCheckLoss(t *testing.T, c *Case, loss policy.Loss, b *policy.Batch, mask [][]float64) {
	var want float64
	var wantGrad [][]float64
	polDecode(t, c.Expect, "loss", &want, false)
	polDecode(t, c.Expect, "grad_logp", &wantGrad, false)
	grad := make([]float64, b.B*b.T)
	for i := range grad {
		grad[i] = math.NaN() // every element must be written
	}
	st, err := loss.Eval(grad, b)
	if err != nil {
		t.Fatal(err)
	}
	if !Close(st.Loss, want, polTol) {
		t.Errorf("loss = %.17g, want %.17g", st.Loss, want)
	}
	polRagged(t, "grad_logp", grad, wantGrad, mask, b.T, true)
	// Without a gradient buffer the loss is the same.
	st2, err := loss.Eval(nil, b)
	if err != nil {
		t.Fatal(err)
	}
	if st2 != st {
		t.Errorf("Eval(nil, b) = %+v, want %+v", st2, st)
	}
}

func checkPolicyLoss(t *testing.T, c *Case) {
	var level, kl string
	var low, high, dual, coef float64
	polDecode(t, c.Params, "level", &level, false)
	polDecode(t, c.Params, "clip_low", &low, false)
	polDecode(t, c.Params, "clip_high", &high, false)
	polDecode(t, c.Params, "dual_clip", &dual, true)
	polDecode(t, c.Params, "kl", &kl, true)
	polDecode(t, c.Params, "kl_coef", &coef, true)
	s := policy.PPOClip{EpsLow: low, EpsHigh: high, DualClip: dual}
	switch level {
	case "token":
	case "sequence":
		s.Level = policy.SequenceLevel
	default:
		t.Fatalf("unknown level %q", level)
	}
	p := policy.PG{Surrogate: s, Agg: polAgg(t, c)}
	switch kl {
	case "":
	case "k1":
		p.KL = policy.KL{Estimator: policy.K1, Coef: coef}
	case "k2":
		p.KL = policy.KL{Estimator: policy.K2, Coef: coef}
	case "k3":
		p.KL = policy.KL{Estimator: policy.K3, Coef: coef}
	default:
		t.Fatalf("unknown kl %q", kl)
	}
	b, mask := polBatch(t, c, true)
	polDecode(t, c.Inputs, "adv", &b.Advantages, false)
	polCheckLoss(t, c, p, b, mask)
}

func checkNFT(t *testing.T, c *Case) {
	var eps, rmin, rmax float64
	var omega string
	polDecode(t, c.Params, "eps", &eps, false)
	polDecode(t, c.Params, "omega", &omega, false)
	polDecode(t, c.Params, "rate_min", &rmin, false)
	polDecode(t, c.Params, "rate_max", &rmax, false)
	n := policy.NFT{Eps: eps, RateMin: rmin, RateMax: rmax, Agg: polAgg(t, c)}
	switch omega {
	case "one_minus_rate":
		n.Omega = policy.OmegaOneMinusRate
	case "sqrt":
		n.Omega = policy.OmegaSqrt
	case "one":
		n.Omega = policy.OmegaOne
	default:
		t.Fatalf("unknown omega %q", omega)
	}
	polDecode(t, c.Inputs, "correct", &n.Correct, false)
	polDecode(t, c.Inputs, "rate", &n.Rate, false)
	b, mask := polBatch(t, c, false)
	polCheckLoss(t, c, n, b, mask)
}
