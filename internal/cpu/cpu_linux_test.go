//go:build linux && amd64 && !purego

package cpu

import (
	"os"
	"strings"
	"testing"
)

// The flags the kernel reports in /proc/cpuinfo must agree with the
// detection (Linux saves the YMM state wherever the CPU has AVX).
func TestMatchesProcCPUInfo(t *testing.T) {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Skip(err)
	}
	var flags map[string]bool
	for _, line := range strings.Split(string(data), "\n") {
		if name, value, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "flags" {
			flags = map[string]bool{}
			for _, f := range strings.Fields(value) {
				flags[f] = true
			}
			break
		}
	}
	if flags == nil {
		t.Skip("no flags line in /proc/cpuinfo")
	}
	if AVX2 != flags["avx2"] {
		t.Errorf("AVX2 = %v, /proc/cpuinfo avx2 = %v", AVX2, flags["avx2"])
	}
	if FMA != flags["fma"] && flags["avx2"] {
		t.Errorf("FMA = %v, /proc/cpuinfo fma = %v", FMA, flags["fma"])
	}
	if AVX512F != flags["avx512f"] {
		t.Errorf("AVX512F = %v, /proc/cpuinfo avx512f = %v", AVX512F, flags["avx512f"])
	}
}
