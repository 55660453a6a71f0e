package reward

import (
	"context"
	"fmt"

	"github.com/evolve-go/evolve/policy"
)

// GeneratorCompleter makes a policy.Generator a Completer, so that the
// policy itself can be the judge of its own samples (self-rewarding): its
// reply to a prompt is the text of one completion generated with Request's
// settings (Prompts and N are set per call). The zero Request samples at
// temperature 1 with the generator's default length; judges usually want
// Greedy or a low Temperature.
type GeneratorCompleter struct {
	// Generator is the model. Required.
	Generator policy.Generator
	// Request holds the sampling settings; its Prompts and N are ignored.
	Request policy.GenerateRequest
}

// Complete implements Completer.
func (g GeneratorCompleter) Complete(ctx context.Context, prompt string) (string, error) {
	if g.Generator == nil {
		return "", fmt.Errorf("reward: GeneratorCompleter.Generator is nil")
	}
	req := g.Request
	req.Prompts, req.N = []string{prompt}, 1
	out, err := g.Generator.Generate(ctx, req)
	if err != nil {
		return "", err
	}
	if len(out) != 1 || len(out[0]) != 1 {
		return "", fmt.Errorf("reward: GeneratorCompleter: the generator returned %d groups for one prompt", len(out))
	}
	return out[0][0].Text, nil
}
