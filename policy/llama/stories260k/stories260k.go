// Package stories260k embeds the stories260K checkpoint and its tokenizer so
// that examples and tests run the built-in model with no file on disk.
//
// stories260K is a 260K-parameter Llama-architecture model (dim 64, hidden 172,
// 5 layers, 8 heads, 4 KV heads, vocab 512, shared classifier, seq_len 512)
// trained by Andrej Karpathy on TinyStories, in llama2.c's checkpoint format,
// with its 512-token tokenizer in llama2.c's tokenizer.bin format
// (karpathy/tinyllamas, MIT licence; see the NOTICE file at the module root).
//
// What it writes, sampled with package llama's Sampler: the greedy
// continuation of "Once upon a time" begins ", there was a little girl named
// Lily. She loved to play outside in the park." At temperature 1, of 4096
// continuations of "Once upon a time" (at most 64 new tokens, stopping at
// EOS), these shares mention a word — case-insensitive, at the start of a
// word, as examples/grpo-stories counts it — with seeds 1 and 2 of
// `go run ./examples/grpo-stories -survey 4096 -seed S`: dog 8.1% / 8.8%,
// car 7.3 / 7.5, tree 6.3 / 6.4, cat 5.8 / 5.6, ball 5.0 / 4.2, fish 2.4 /
// 2.5, boat 0.8 / 1.1, cake 0.8 / 0.6. Such rates
// tell how often a group of sampled completions earns any reward at all.
//
// Only programs that import this package pay for the ~1 MB of data.
package stories260k

import _ "embed"

// Checkpoint is stories260K.bin in llama2.c's format
// (sha256 b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696).
//
//go:embed stories260K.bin
var Checkpoint []byte

// Tokenizer is tok512.bin in llama2.c's tokenizer.bin format
// (sha256 037cb335abb25d1fa9e8ecae30ed2a3a8ace9302862ebcdc05d51a6bbb10c312).
//
//go:embed tok512.bin
var Tokenizer []byte

// CheckpointName and TokenizerName are the file names of the shipped copies,
// as the golden cases refer to them.
const (
	CheckpointName = "stories260K.bin"
	TokenizerName  = "tok512.bin"
)
