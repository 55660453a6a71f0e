//go:build !unix

package llama

// peakRSS is unknown on this system.
func peakRSS() int64 { return 0 }

// cpuSeconds is unknown on this system.
func cpuSeconds() float64 { return 0 }
