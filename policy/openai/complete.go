package openai

import (
	"context"
	"fmt"
)

// Completions sends req to POST /completions and returns the decoded
// reply. A reply without choices is an error wrapping ErrNoChoices.
func (c *Client) Completions(ctx context.Context, req CompletionRequest) (*CompletionResponse, error) {
	if req.Model == "" {
		req.Model = c.model
	}
	if req.Prompt == nil {
		return nil, fmt.Errorf("%w: CompletionRequest.Prompt is nil", ErrInvalidRequest)
	}
	var resp CompletionResponse
	if err := c.post(ctx, "/completions", req, &resp); err != nil {
		return nil, err
	}
	if len(resp.Choices) == 0 {
		return nil, fmt.Errorf("openai: /completions: %w", ErrNoChoices)
	}
	return &resp, nil
}

// ChatCompletions sends req to POST /chat/completions and returns the
// decoded reply. A reply without choices is an error wrapping ErrNoChoices.
func (c *Client) ChatCompletions(ctx context.Context, req ChatCompletionRequest) (*ChatCompletionResponse, error) {
	if req.Model == "" {
		req.Model = c.model
	}
	if len(req.Messages) == 0 {
		return nil, fmt.Errorf("%w: ChatCompletionRequest.Messages is empty", ErrInvalidRequest)
	}
	var resp ChatCompletionResponse
	if err := c.post(ctx, "/chat/completions", req, &resp); err != nil {
		return nil, err
	}
	if len(resp.Choices) == 0 {
		return nil, fmt.Errorf("openai: /chat/completions: %w", ErrNoChoices)
	}
	return &resp, nil
}

// Complete returns the server's continuation of prompt from
// POST /completions, with the sampling settings of WithTemperature,
// WithMaxTokens and WithStop. It is the text completer LLM judges use
// (reward.Completer).
func (c *Client) Complete(ctx context.Context, prompt string) (string, error) {
	resp, err := c.Completions(ctx, CompletionRequest{
		Prompt:      prompt,
		MaxTokens:   c.maxTokens,
		Temperature: c.temperature,
		Stop:        c.stop,
	})
	if err != nil {
		return "", err
	}
	if len(resp.Choices) != 1 {
		return "", &ChoiceCountError{Endpoint: "/completions", Want: 1, Got: len(resp.Choices)}
	}
	return resp.Choices[0].Text, nil
}

// ChatComplete sends prompt as one user message to POST /chat/completions
// (so the server applies the model's chat template) and returns the
// assistant's reply, with the sampling settings of WithTemperature,
// WithMaxTokens and WithStop.
func (c *Client) ChatComplete(ctx context.Context, prompt string) (string, error) {
	return c.chatComplete(ctx, "", prompt)
}

func (c *Client) chatComplete(ctx context.Context, system, prompt string) (string, error) {
	msgs := make([]Message, 0, 2)
	if system != "" {
		msgs = append(msgs, Message{Role: "system", Content: system})
	}
	msgs = append(msgs, Message{Role: "user", Content: prompt})
	resp, err := c.ChatCompletions(ctx, ChatCompletionRequest{
		Messages:    msgs,
		MaxTokens:   c.maxTokens,
		Temperature: c.temperature,
		Stop:        c.stop,
	})
	if err != nil {
		return "", err
	}
	if len(resp.Choices) != 1 {
		return "", &ChoiceCountError{Endpoint: "/chat/completions", Want: 1, Got: len(resp.Choices)}
	}
	return resp.Choices[0].Message.Content, nil
}

// ChatCompleter adapts a Client to the text-completer interface of the
// judges (Complete(ctx, prompt) (string, error)) through the chat
// endpoint, for instruction-tuned models: the prompt is sent as a user
// message after an optional system message.
type ChatCompleter struct {
	// Client sends the requests.
	Client *Client
	// System is the system message; "" sends none.
	System string
}

// Complete sends prompt as a user message and returns the reply.
func (cc ChatCompleter) Complete(ctx context.Context, prompt string) (string, error) {
	if cc.Client == nil {
		return "", fmt.Errorf("%w: ChatCompleter.Client is nil", ErrInvalidRequest)
	}
	return cc.Client.chatComplete(ctx, cc.System, prompt)
}
