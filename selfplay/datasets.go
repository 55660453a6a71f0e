package selfplay

import (
	"math"

	"github.com/evolve-go/evolve/dataset"
)

// Data out: a round's batches as TRL's datasets, so that a game played
// with OpenAI-compatible servers writes files TRL and OpenRLHF train on
// unchanged (dataset.Writer writes them as JSON lines).

// Preferences returns the batch's pairs as TRL preference records: the
// group's prompt, the chosen completion's text and the rejected one's
// (standard, not conversational, format).
func (b *Batch) Preferences() []dataset.Preference {
	texts, prompts := b.rows()
	out := make([]dataset.Preference, 0, len(b.Pairs))
	for _, p := range b.Pairs {
		out = append(out, dataset.Preference{Prompt: dataset.Plain(prompts[p.Chosen]),
			Chosen: dataset.Plain(texts[p.Chosen]), Rejected: dataset.Plain(texts[p.Rejected])})
	}
	return out
}

// Unpaired returns the batch's completions as TRL unpaired records (KTO's
// data): a completion is desirable when its reward is above its group's
// mean and undesirable below it; a completion whose reward is missing or
// equal to the mean is left out, as a group whose rewards all tie teaches
// nothing.
func (b *Batch) Unpaired() []dataset.Unpaired {
	var out []dataset.Unpaired
	row := 0
	for i, g := range b.Groups {
		mean := nanMean(b.Rewards[row : row+len(g)])
		for j, c := range g {
			r := b.Rewards[row+j]
			if math.IsNaN(r) || r == mean {
				continue
			}
			out = append(out, dataset.Unpaired{Prompt: dataset.Plain(b.Prompts[i]), Completion: dataset.Plain(c.Text), Label: r > mean})
		}
		row += len(g)
	}
	return out
}

// PromptOnly returns the batch's prompts as TRL prompt-only records
// (GRPO's and RLOO's data).
func (b *Batch) PromptOnly() []dataset.PromptOnly {
	out := make([]dataset.PromptOnly, len(b.Prompts))
	for i, p := range b.Prompts {
		out[i] = dataset.PromptOnly{Prompt: dataset.Plain(p)}
	}
	return out
}

// rows returns each row's completion text and prompt, in row order.
func (b *Batch) rows() (texts, prompts []string) {
	for i, g := range b.Groups {
		for _, c := range g {
			texts = append(texts, c.Text)
			prompts = append(prompts, b.Prompts[i])
		}
	}
	return texts, prompts
}
