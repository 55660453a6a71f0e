//go:build !amd64 || purego

package vec

func bodies() []bool { return []bool{false} }

func setAsm(on bool) {}
