//go:build amd64 && !purego

package vec

import "github.com/evolve-go/evolve/internal/cpu"

// bodies lists the settings of useAsm to test: both where AVX2 runs.
func bodies() []bool {
	if cpu.AVX2 {
		return []bool{false, true}
	}
	return []bool{false}
}

func setAsm(on bool) { useAsm = on }
