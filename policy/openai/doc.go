// Package openai is a client for OpenAI-compatible inference servers —
// vLLM, the llama.cpp server, Ollama and the OpenAI API itself — speaking
// POST /completions and POST /chat/completions.
//
// A Client is a policy.Generator (N sampled completions per prompt, with the
// sampling log-probabilities of every generated token, the "old" log-probs
// of GRPO/PPO) and a text completer for LLM judges (Complete, and the
// ChatCompleter adapter for instruction-tuned models served through the
// chat endpoint).
//
// Transport concerns are functional options (WithBaseURL, WithAPIKey,
// WithMaxRetries, WithBackoff, WithTimeout, WithHTTPClient, ...); request
// bodies are plain structs (CompletionRequest, ChatCompletionRequest) whose
// optional numeric fields are pointers, so that an explicit zero
// (temperature 0, greedy) is sent while an absent field leaves the server's
// default.
//
// Failed calls are retried with exponential backoff and jitter on
// connection errors, HTTP 408, 409, 429 and 5xx, honouring a Retry-After
// header (seconds or an HTTP date), always bounded by the caller's context.
// Other 4xx replies are not retried. Errors are typed: *APIError for an
// error reply (both the {"error": {...}} shape of OpenAI, llama.cpp and
// recent vLLM and the flat {"object": "error", "message": ...} shape of
// older vLLM), *DecodeError for a reply that is not the JSON it should be,
// *ChoiceCountError for a reply with the wrong number of choices, and
// ErrInvalidRequest (wrapped) for bad caller input.
package openai
