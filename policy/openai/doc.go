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
// Failed attempts are retried with exponential backoff and jitter
// (WithBackoff), honouring a Retry-After header (seconds, fractions
// allowed, or an HTTP date; at most 24 h, since a paid API's rate limit
// may ask for minutes), up to WithMaxRetries times and always bounded by
// the caller's context, by one rule, shared with reward/server's Remote:
// a request is repeated when the server cannot have done its work or
// answered that it failed; one whose reply was lost is repeated only when
// doing it twice is harmless.
//
//   - Not sent: a connection that fails before the whole request is
//     written (refused, reset, DNS or TLS failure) is retried.
//   - Declined: a reply of 408, 409, 429 or 5xx is retried; the server
//     answered that the request failed.
//   - Unanswered: when the whole request was written but no complete reply
//     came back (the connection dropped, the attempt's WithTimeout passed,
//     the body was cut short), the server may have generated it. It is
//     retried while the client is idempotent (WithIdempotent, default
//     true: a completion changes nothing on the server).
//   - Answered: other 4xx replies, and a complete reply that is not the
//     JSON it should be, are final.
//
// A Client holds no per-call state: one may be used by many goroutines,
// and Generate runs up to WithConcurrency requests at once. Errors are
// typed: *APIError for an
// error reply (both the {"error": {...}} shape of OpenAI, llama.cpp and
// recent vLLM and the flat {"object": "error", "message": ...} shape of
// older vLLM), *DecodeError for a reply that is not the JSON it should be,
// *ChoiceCountError for a reply with the wrong number of choices, and
// ErrInvalidRequest (wrapped) for bad caller input.
package openai
