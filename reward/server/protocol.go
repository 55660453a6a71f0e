package server

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Request is the body OpenRLHF posts to a remote reward model
// (--remote_rm_url): one entry per sample, the lists aligned by index.
type Request struct {
	// Query holds the whole decoded sequences: the prompt followed by the
	// response, special tokens kept. Required (it may be empty).
	Query []string `json:"query"`
	// Prompts holds the prompt of each query. Optional: older clients
	// send only "query", and then the whole query is the completion.
	Prompts []Text `json:"prompts,omitempty"`
	// Labels holds the reference answers (the dataset's label column).
	// Optional; a null entry means no label.
	Labels []Text `json:"labels,omitempty"`
	// Metas holds optional per-sample metadata objects, sent by some
	// OpenRLHF derivatives; each becomes the sample's reward.Sample.Meta.
	Metas []map[string]any `json:"metas,omitempty"`
}

// Text is a string field that also accepts what Python clients put in
// its place: null decodes to "", and any other non-string JSON value
// (a number, a list, an object) decodes to its JSON text, so a numeric
// label 42 becomes "42".
type Text string

// UnmarshalJSON implements json.Unmarshaler.
func (t *Text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = Text(s)
	case string(b) == "null":
		*t = ""
	default:
		*t = Text(b)
	}
	return nil
}

// Response is the body the server answers with. OpenRLHF reads "rewards"
// (for the advantages), "scores" (for dynamic filtering) and
// "extra_logs" (per-sample numbers it logs alongside the training
// metrics); it ignores other fields.
type Response struct {
	// Rewards holds one finite score per query; a sample whose reward
	// failed or was skipped gets Config.FailureScore.
	Rewards []float64 `json:"rewards"`
	// Scores is the same list as Rewards.
	Scores []float64 `json:"scores"`
	// ExtraLogs maps a metric name to one number per query. The keys are
	// always the same (see the Log* constants), so OpenRLHF can stack
	// them across requests.
	ExtraLogs map[string][]float64 `json:"extra_logs"`
	// Errors holds, when any sample failed or was skipped, one message per
	// query ("" for the ones that were scored). Absent otherwise.
	Errors []string `json:"errors,omitempty"`
}

// The extra_logs keys of every Response; each list holds 1 or 0 per
// query.
const (
	// LogError marks a sample whose reward returned an error (or
	// panicked, or timed out): its reward is Config.FailureScore.
	LogError = "reward_error"
	// LogSkipped marks a sample the reward found not applicable
	// (reward.ErrSkip): its reward is Config.FailureScore.
	LogSkipped = "reward_skipped"
	// LogPromptMismatch marks a query that does not contain its prompt,
	// so the whole query was scored as the completion (see SplitResponse).
	LogPromptMismatch = "prompt_mismatch"
)

// ErrorResponse is the body of every non-200 answer.
type ErrorResponse struct {
	Error string `json:"error"`
}

// SplitResponse returns the response part of an OpenRLHF query, the
// decoded sequence that starts with the prompt:
//
//   - if query starts with prompt, the rest of the query;
//   - otherwise, if prompt occurs in query (the decoder put a BOS token or
//     a system preamble in front), the text after its first occurrence;
//   - otherwise (the prompt was truncated, or the tokenizer did not
//     round-trip it), the whole query, with found false.
//
// An empty prompt returns the whole query with found true.
func SplitResponse(query, prompt string) (response string, found bool) {
	if strings.HasPrefix(query, prompt) {
		return query[len(prompt):], true
	}
	if i := strings.Index(query, prompt); i >= 0 {
		return query[i+len(prompt):], true
	}
	return query, false
}
