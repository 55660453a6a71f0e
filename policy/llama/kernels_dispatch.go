package llama

// kern4x16, kern4x8 and kern4x4 are the gemm tile kernels: the portable
// Go ones, replaced at start-up by assembly where the CPU supports it.
var (
	kern4x16 = kern4x16Go
	kern4x8  = kern4x8Go
	kern4x4  = kern4x4Go
)
