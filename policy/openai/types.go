package openai

// Float returns a pointer to v, for the optional fields of the request
// structs (Temperature: openai.Float(0) asks for greedy decoding).
func Float(v float64) *float64 { return &v }

// Int returns a pointer to v, for the optional fields of the request structs.
func Int(v int) *int { return &v }

// Int64 returns a pointer to v, for the optional fields of the request
// structs (Seed).
func Int64(v int64) *int64 { return &v }

// CompletionRequest is the body of POST /completions. Pointer fields are
// omitted when nil, leaving the server's default; other fields are omitted
// when zero.
type CompletionRequest struct {
	// Model is the served model name; "" omits it (vLLM serves its only
	// model, the llama.cpp server ignores it).
	Model string `json:"model,omitempty"`
	// Prompt is a string or a []string (several prompts in one request,
	// where the server supports it).
	Prompt any `json:"prompt"`
	// MaxTokens bounds the number of generated tokens; 0 omits it.
	MaxTokens int `json:"max_tokens,omitempty"`
	// Temperature: 0 is greedy decoding; nil is the server's default
	// (1 on OpenAI and vLLM).
	Temperature *float64 `json:"temperature,omitempty"`
	// TopP is nucleus sampling; nil is the server's default (1, off).
	TopP *float64 `json:"top_p,omitempty"`
	// TopK keeps the K most likely tokens; a vLLM and llama.cpp
	// extension, ignored by OpenAI. nil is the server's default.
	TopK *int `json:"top_k,omitempty"`
	// N is the number of completions per prompt; 0 omits it (1).
	N int `json:"n,omitempty"`
	// Stop lists stop strings.
	Stop []string `json:"stop,omitempty"`
	// Seed seeds the sampler; nil leaves it unseeded.
	Seed *int64 `json:"seed,omitempty"`
	// LogProbs asks for the log-probability of every generated token and
	// of the LogProbs most likely alternatives; nil asks for none.
	LogProbs *int `json:"logprobs,omitempty"`
	// Echo returns the prompt before the completion.
	Echo bool `json:"echo,omitempty"`
	// PresencePenalty and FrequencyPenalty are OpenAI's repetition
	// penalties; nil is the server's default (0).
	PresencePenalty  *float64 `json:"presence_penalty,omitempty"`
	FrequencyPenalty *float64 `json:"frequency_penalty,omitempty"`
	// ReturnTokensAsTokenIDs is a vLLM extension: the logprobs tokens are
	// spelled "token_id:<id>", which lets the client report token ids.
	ReturnTokensAsTokenIDs bool `json:"return_tokens_as_token_ids,omitempty"`
	// User identifies the end user to the server (OpenAI).
	User string `json:"user,omitempty"`
}

// Message is one chat message.
type Message struct {
	// Role is "system", "user" or "assistant".
	Role string `json:"role"`
	// Content is the message text.
	Content string `json:"content"`
}

// ChatCompletionRequest is the body of POST /chat/completions. Pointer
// fields are omitted when nil, leaving the server's default; other fields
// are omitted when zero.
type ChatCompletionRequest struct {
	// Model is the served model name; "" omits it.
	Model string `json:"model,omitempty"`
	// Messages is the conversation so far.
	Messages []Message `json:"messages"`
	// MaxTokens bounds the number of generated tokens; 0 omits it.
	MaxTokens int `json:"max_tokens,omitempty"`
	// Temperature: 0 is greedy decoding; nil is the server's default.
	Temperature *float64 `json:"temperature,omitempty"`
	// TopP is nucleus sampling; nil is the server's default.
	TopP *float64 `json:"top_p,omitempty"`
	// TopK is a vLLM and llama.cpp extension; nil is the server's default.
	TopK *int `json:"top_k,omitempty"`
	// N is the number of completions; 0 omits it (1).
	N int `json:"n,omitempty"`
	// Stop lists stop strings.
	Stop []string `json:"stop,omitempty"`
	// Seed seeds the sampler; nil leaves it unseeded.
	Seed *int64 `json:"seed,omitempty"`
	// LogProbs asks for the log-probability of every generated token.
	LogProbs bool `json:"logprobs,omitempty"`
	// TopLogProbs is the number of alternatives reported per token
	// (needs LogProbs); nil omits it.
	TopLogProbs *int `json:"top_logprobs,omitempty"`
	// PresencePenalty and FrequencyPenalty are OpenAI's repetition
	// penalties; nil is the server's default (0).
	PresencePenalty  *float64 `json:"presence_penalty,omitempty"`
	FrequencyPenalty *float64 `json:"frequency_penalty,omitempty"`
	// User identifies the end user to the server (OpenAI).
	User string `json:"user,omitempty"`
}

// Usage counts the tokens of a request.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// CompletionResponse is the reply to POST /completions.
type CompletionResponse struct {
	ID      string             `json:"id"`
	Object  string             `json:"object"`
	Created int64              `json:"created"`
	Model   string             `json:"model"`
	Choices []CompletionChoice `json:"choices"`
	Usage   *Usage             `json:"usage,omitempty"`
}

// CompletionChoice is one completion. With several prompts and N > 1,
// Index is promptIndex*N + j on vLLM and OpenAI.
type CompletionChoice struct {
	Index int    `json:"index"`
	Text  string `json:"text"`
	// LogProbs is nil unless the request asked for log-probs.
	LogProbs *CompletionLogProbs `json:"logprobs"`
	// FinishReason is "stop", "length", or "" when the server sent null.
	FinishReason string `json:"finish_reason"`
}

// CompletionLogProbs is the logprobs object of a completion choice. OpenAI
// and vLLM fill the four parallel arrays (Tokens, TokenLogProbs,
// TopLogProbs, TextOffset); recent llama.cpp servers send the chat shape
// instead, a Content list with one entry per token (and its id).
type CompletionLogProbs struct {
	Tokens []string `json:"tokens,omitempty"`
	// TokenLogProbs has one entry per token; an entry is nil where the
	// server sent null (the first echoed prompt token).
	TokenLogProbs []*float64           `json:"token_logprobs,omitempty"`
	TopLogProbs   []map[string]float64 `json:"top_logprobs,omitempty"`
	TextOffset    []int                `json:"text_offset,omitempty"`
	// Content is the llama.cpp form.
	Content []TokenLogProb `json:"content,omitempty"`
}

// TokenLogProb is one generated token with its log-probability, in the
// chat logprobs shape.
type TokenLogProb struct {
	// ID is the token id; llama.cpp sends it, OpenAI and vLLM do not.
	ID      *int    `json:"id,omitempty"`
	Token   string  `json:"token"`
	LogProb float64 `json:"logprob"`
	// Bytes is the UTF-8 encoding of the token, nil when not sent.
	Bytes       []int        `json:"bytes,omitempty"`
	TopLogProbs []TopLogProb `json:"top_logprobs,omitempty"`
}

// TopLogProb is one alternative token in TokenLogProb.TopLogProbs.
type TopLogProb struct {
	ID      *int    `json:"id,omitempty"`
	Token   string  `json:"token"`
	LogProb float64 `json:"logprob"`
	Bytes   []int   `json:"bytes,omitempty"`
}

// ChatCompletionResponse is the reply to POST /chat/completions.
type ChatCompletionResponse struct {
	ID      string       `json:"id"`
	Object  string       `json:"object"`
	Created int64        `json:"created"`
	Model   string       `json:"model"`
	Choices []ChatChoice `json:"choices"`
	Usage   *Usage       `json:"usage,omitempty"`
}

// ChatChoice is one chat completion.
type ChatChoice struct {
	Index   int         `json:"index"`
	Message ChatMessage `json:"message"`
	// LogProbs is nil unless the request asked for log-probs.
	LogProbs *ChatLogProbs `json:"logprobs"`
	// FinishReason is "stop", "length", or "" when the server sent null.
	FinishReason string `json:"finish_reason"`
}

// ChatMessage is the assistant message of a chat choice.
type ChatMessage struct {
	Role string `json:"role"`
	// Content is the reply text ("" when the server sent null).
	Content string `json:"content"`
	// ReasoningContent is the separated reasoning of reasoning models
	// (vLLM's reasoning parsers, llama.cpp); "" when absent.
	ReasoningContent string `json:"reasoning_content,omitempty"`
}

// ChatLogProbs is the logprobs object of a chat choice.
type ChatLogProbs struct {
	Content []TokenLogProb `json:"content"`
}
