//go:build openblas && !cgo

package llama

// The openblas build tag links OpenBLAS through cgo: build with
// CGO_ENABLED=1 (and libopenblas-dev installed).
var _ = openblasBuildTagNeedsCGO_ENABLED1
