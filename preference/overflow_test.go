package preference

import (
	"strings"
	"testing"

	"github.com/evolve-go/evolve/policy"
)

// A shape whose B*T wraps around to the length of the (empty) slices must
// be rejected before any objective indexes or allocates from it.
func TestObjectivesRejectOverflowingShape(t *testing.T) {
	b := &policy.Batch{B: 1 << 32, T: 1 << 32, LogProbs: []float64{}, OldLogProbs: []float64{}, RefLogProbs: []float64{}}
	pairs := []Pair{{Chosen: 0, Rejected: 1}}
	rewards := []float64{1, 0}
	b.Pairs, b.Rewards = pairs, rewards
	errs := map[string]error{}
	_, errs["DPO"] = DPO{}.Eval(nil, b)
	_, errs["RDP"] = RDP{}.Eval(nil, b)
	_, errs["CoPG"] = CoPG{}.Eval(nil, b)
	_, errs["KTO"] = KTO{Labels: []Label{Desirable, Undesirable}}.Eval(nil, b)
	for name, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "overflows") {
			t.Errorf("%s: err = %v, want an overflow error", name, err)
		}
	}
}
