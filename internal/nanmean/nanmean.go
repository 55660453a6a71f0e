// Package nanmean holds the mean that treats NaN as a missing value, the
// library's convention for a reward that could not be scored.
package nanmean

import "math"

// Of returns the mean of the entries of v that are not NaN, and NaN when
// there are none.
func Of(v []float64) float64 {
	s, n := 0.0, 0
	for _, x := range v {
		if !math.IsNaN(x) {
			s += x
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}
