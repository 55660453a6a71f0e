package policy

import "testing"

func TestDecodeTemperature(t *testing.T) {
	for _, c := range []struct {
		t      float64
		greedy bool
		want   float64
	}{{0, false, 1}, {0.7, false, 0.7}, {0, true, 0}, {0.7, true, 0}} {
		if got := DecodeTemperature(c.t, c.greedy); got != c.want {
			t.Errorf("DecodeTemperature(%v, %v) = %v, want %v", c.t, c.greedy, got, c.want)
		}
	}
}
