//go:build cuda && !cgo

package cuda

// The cuda build tag links the CUDA runtime and cuBLAS through cgo: build
// with CGO_ENABLED=1 (and the toolkit, see the package comment).
var _ = cudaBuildTagNeedsCGO_ENABLED1
