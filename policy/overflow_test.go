package policy

import (
	"strings"
	"testing"
)

// A shape whose B*T wraps around to the length of the (empty) slices must
// be rejected before any loss indexes or allocates from it.
func TestLossesRejectOverflowingShape(t *testing.T) {
	b := &Batch{B: 1 << 32, T: 1 << 32, LogProbs: []float64{}, OldLogProbs: []float64{}, Advantages: []float64{}}
	for name, l := range map[string]Loss{
		"GRPO": GRPO(), "DAPO": DAPO(), "GSPO": GSPO(),
		"Reinforce": PG{Surrogate: Reinforce{}},
		"NFT":       NFT{Rate: []float64{}},
	} {
		_, err := l.Eval(nil, b)
		if err == nil || !strings.Contains(err.Error(), "overflows") {
			t.Errorf("%s: err = %v, want an overflow error", name, err)
		}
	}
}
