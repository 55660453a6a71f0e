//go:build amd64 && !purego

package vec

// bodies lists the settings of useAsm to test: both where AVX2 runs.
func bodies() []bool {
	if hasAVX2() {
		return []bool{false, true}
	}
	return []bool{false}
}

func setAsm(on bool) { useAsm = on }
