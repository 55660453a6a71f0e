package openai

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/evolve-go/evolve/internal/httpretry"
)

// ErrInvalidRequest is wrapped by the errors returned for bad caller input
// (a negative N, a NaN temperature, ...), before anything is sent.
var ErrInvalidRequest = errors.New("openai: invalid request")

// ErrNoChoices is wrapped by the error returned when a successful reply
// holds no choices.
var ErrNoChoices = errors.New("openai: reply has no choices")

// APIError is an error reply from the server: a non-2xx status, or a 2xx
// reply whose body is an error object.
type APIError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Message, Type, Param and Code come from the error object; Code is
	// the text of a string or numeric code ("rate_limit_exceeded", "400").
	// They are "" when the body held none (Message then falls back to the
	// start of the body, or to the status text).
	Message string
	Type    string
	Param   string
	Code    string
	// Body is the raw reply body (at most 64 KiB of it).
	Body []byte
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "openai: HTTP %d", e.StatusCode)
	if e.Type != "" {
		fmt.Fprintf(&b, " %s", e.Type)
	}
	if e.Code != "" && e.Code != fmt.Sprint(e.StatusCode) {
		fmt.Fprintf(&b, " (code %s)", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	return b.String()
}

// Temporary reports whether the status is one the client retries (408,
// 409, 429, 5xx).
func (e *APIError) Temporary() bool { return httpretry.Retryable(e.StatusCode) }

// DecodeError reports a reply body that is not the JSON it should be:
// malformed, truncated, or of the wrong shape.
type DecodeError struct {
	// Endpoint is the path that was called ("/completions").
	Endpoint string
	// StatusCode is the HTTP status of the reply.
	StatusCode int
	// Body is the raw reply body (at most 64 KiB of it).
	Body []byte
	// Err is the JSON decoder's error.
	Err error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("openai: %s: malformed reply (HTTP %d, %d bytes): %v", e.Endpoint, e.StatusCode, len(e.Body), e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// ChoiceCountError reports a reply with a number of choices other than
// the one asked for (a server that ignores n, say).
type ChoiceCountError struct {
	// Endpoint is the path that was called.
	Endpoint string
	// Want and Got are the expected and received numbers of choices.
	Want, Got int
}

func (e *ChoiceCountError) Error() string {
	return fmt.Sprintf("openai: %s: reply has %d choices, want %d", e.Endpoint, e.Got, e.Want)
}

const maxKeptBody = 64 << 10

func keepBody(b []byte) []byte {
	if len(b) > maxKeptBody {
		b = b[:maxKeptBody]
	}
	return bytes.Clone(b)
}

// errorObject is the error object shared by the known shapes.
type errorObject struct {
	Message json.RawMessage `json:"message"`
	Type    json.RawMessage `json:"type"`
	Param   json.RawMessage `json:"param"`
	Code    json.RawMessage `json:"code"`
}

// fill sets e's Message, Type, Param and Code from the object.
func (o *errorObject) fill(e *APIError) {
	e.Message, e.Type = rawText(o.Message), rawText(o.Type)
	e.Param, e.Code = rawText(o.Param), rawText(o.Code)
}

// errorEnvelope decodes {"error": {...}}, {"error": "text"} and the flat
// {"object": "error", "message": ...} shape of older vLLM releases.
type errorEnvelope struct {
	Error  json.RawMessage `json:"error"`
	Object string          `json:"object"`
	errorObject
}

// rawText renders a JSON string or number as text; anything else ("null",
// objects) as "".
func rawText(r json.RawMessage) string {
	r = bytes.TrimSpace(r)
	if len(r) == 0 {
		return ""
	}
	switch r[0] {
	case '"':
		var s string
		if json.Unmarshal(r, &s) == nil {
			return s
		}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		var n json.Number
		if json.Unmarshal(r, &n) == nil {
			return n.String()
		}
	}
	return ""
}

// parseErrorBody extracts an APIError from an error reply. ok is false when
// the body holds no recognisable error object; the returned error is still
// usable (Message is then the start of the body or the status text).
func parseErrorBody(status int, body []byte) (e *APIError, ok bool) {
	e = &APIError{StatusCode: status, Body: keepBody(body)}
	var env errorEnvelope
	if json.Unmarshal(body, &env) == nil {
		inner := bytes.TrimSpace(env.Error)
		switch {
		case len(inner) > 0 && inner[0] == '{':
			var obj errorObject
			if json.Unmarshal(inner, &obj) == nil {
				obj.fill(e)
				ok = true
			}
		case len(inner) > 0 && inner[0] == '"':
			e.Message, ok = rawText(inner), true
		case env.Object == "error":
			env.fill(e)
			ok = true
		}
	}
	if e.Message == "" {
		e.Message = snippet(body)
		if e.Message == "" {
			e.Message = http.StatusText(status)
		}
	}
	return e, ok
}

// snippet is the start of a body as one line of valid UTF-8.
func snippet(body []byte) string {
	const n = 200
	s := strings.TrimSpace(string(body))
	if len(s) > n {
		s = s[:n]
		for len(s) > 0 && !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Join(strings.Fields(s), " ")
}
