package nanmean

import (
	"math"
	"testing"
)

func TestOf(t *testing.T) {
	if got := Of([]float64{1, math.NaN(), 0, 1}); got != 2.0/3 {
		t.Errorf("Of = %v, want 2/3", got)
	}
	if got := Of([]float64{math.NaN()}); !math.IsNaN(got) {
		t.Errorf("Of(NaN) = %v, want NaN", got)
	}
	if got := Of(nil); !math.IsNaN(got) {
		t.Errorf("Of(nil) = %v, want NaN", got)
	}
}
