//go:build openblas && cgo

package llama

import "github.com/evolve-go/evolve/internal/openblas"

// With the openblas build tag the model's weight products run on OpenBLAS
// by default (UseBLAS(Kernels{}) brings the built-in kernels back).
func init() { defaultBLAS = openblas.Implementation{} }
