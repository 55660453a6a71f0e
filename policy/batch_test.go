package policy

import (
	"math"
	"math/bits"
	"slices"
	"strings"
	"testing"
)

// A shape whose B*T overflows int must be rejected, not wrapped around to
// a product that matches short (here empty) slices.
func TestBatchShapeOverflow(t *testing.T) {
	half := 1 << (bits.UintSize / 2) // half*half wraps to 0
	for _, b := range []*Batch{
		{B: half, T: half},
		{B: half, T: half, LogProbs: []float64{}, Mask: []float64{}, Advantages: []float64{}},
		{B: 3, T: (1<<(bits.UintSize-1)-1)/3 + 1, LogProbs: []float64{}},
		{B: -1 << (bits.UintSize - 1), T: -1},
	} {
		err := b.Validate()
		if b.B < 0 {
			if err != ErrEmptyBatch {
				t.Errorf("B = %d, T = %d: error %v, want ErrEmptyBatch", b.B, b.T, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "overflows int") {
			t.Errorf("B = %d, T = %d: error %v, want an overflow", b.B, b.T, err)
		}
	}
}

func TestNewTokenBatch(t *testing.T) {
	logp := [][]float64{{-1, -2, -3}, {-4}}
	mask := [][]float64{{0, 1, 1}, {1}}
	adv := [][]float64{{0, 0.5, -0.5}, {2}}
	b, err := NewTokenBatch(logp, logp, nil, mask, adv)
	if err != nil {
		t.Fatal(err)
	}
	if b.B != 2 || b.T != 3 || b.RefLogProbs != nil {
		t.Fatalf("shape %d×%d, ref %v", b.B, b.T, b.RefLogProbs)
	}
	for _, c := range []struct {
		name      string
		got, want []float64
	}{
		{"LogProbs", b.LogProbs, []float64{-1, -2, -3, -4, 0, 0}},
		{"OldLogProbs", b.OldLogProbs, []float64{-1, -2, -3, -4, 0, 0}},
		{"Mask", b.Mask, []float64{0, 1, 1, 1, 0, 0}},
		{"Advantages", b.Advantages, []float64{0, 0.5, -0.5, 2, 0, 0}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	// A caller's mask is kept even when no sequence needs padding; nil
	// mask and adv behave as in NewBatch.
	b, err = NewTokenBatch([][]float64{{-1, -2}}, nil, nil, [][]float64{{0, 1}}, nil)
	if err != nil || !slices.Equal(b.Mask, []float64{0, 1}) || b.Advantages != nil {
		t.Errorf("unpadded: %+v, %v", b, err)
	}
	b, err = NewTokenBatch(logp, nil, nil, nil, nil)
	if err != nil || !slices.Equal(b.Mask, []float64{1, 1, 1, 1, 0, 0}) {
		t.Errorf("nil mask: %+v, %v", b, err)
	}
	for _, c := range []struct {
		mask, adv [][]float64
		want      string
	}{
		{[][]float64{{1, 1, 1}}, nil, "NewTokenBatch: len(mask) = 1, want 2"},
		{nil, [][]float64{{1, 1}, {1}}, "NewTokenBatch: len(adv[0]) = 2, want 3"},
		{[][]float64{{1, 2, 1}, {1}}, nil, "Batch.Mask[0*T+1] = 2"},
		{nil, [][]float64{{1, 1, 1}, {math.NaN()}}, "Batch.Advantages[1*T+0] is NaN"},
	} {
		if _, err := NewTokenBatch(logp, nil, nil, c.mask, c.adv); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want one containing %q", err, c.want)
		}
	}
}
