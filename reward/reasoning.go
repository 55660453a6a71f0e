package reward

import (
	"context"
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// AfterReasoning returns an Extractor that applies ex to the text after
// the reasoning, that is after the last </think>. A completion that opens
// <think> and never closes it has no answer (its reasoning never ended);
// one without the tags is read whole. A nil ex means Whole.
//
// Wrap the extractors that read the whole completion (ExtractAnswer,
// Whole, TagExtractor) with it, so that an answer stated while reasoning
// and then abandoned does not count: rewardtest's answer-in-thinking
// probe catches a reward that lacks it. Math reads after </think> by
// itself.
func AfterReasoning(ex Extractor) Extractor {
	if ex == nil {
		ex = Whole
	}
	return func(text string) (string, bool) {
		rest, ok := textAfterReasoning(text)
		if !ok {
			return "", false
		}
		return ex(rest)
	}
}

// textAfterReasoning returns the text after the last </think>, or the
// whole text when it has no <think>; ok is false when <think> is never
// closed.
func textAfterReasoning(text string) (string, bool) {
	if i := strings.LastIndex(text, "</think>"); i >= 0 {
		return text[i+len("</think>"):], true
	}
	return text, !strings.Contains(text, "<think>")
}

// Mentions scores 1 when the completion mentions any of Words, else 0. A
// word matches whole and case-insensitively: "a fish" and "Fish!"
// mention "fish", "selfish" and "fish2" do not. A word may be a phrase
// ("ice cream"). With Prefix, a word also matches at the start of a
// longer word ("fishing"), as the reward of examples/grpo-stories does.
type Mentions struct {
	// Words are the words to look for. At least one; none may be blank.
	Words []string
	// Prefix lets a word match the start of a longer word. Default
	// (false): whole words only.
	Prefix bool
}

// Score looks for the words in s.Completion.
func (m Mentions) Score(_ context.Context, s Sample) (float64, error) {
	if len(m.Words) == 0 {
		return math.NaN(), fmt.Errorf("reward: Mentions.Words is empty")
	}
	for i, w := range m.Words {
		if strings.TrimSpace(w) == "" {
			return math.NaN(), fmt.Errorf("reward: Mentions.Words[%d] is blank", i)
		}
	}
	text := strings.ToLower(s.Completion)
	for _, w := range m.Words {
		if mentionsWord(text, strings.ToLower(w), m.Prefix) {
			return 1, nil
		}
	}
	return 0, nil
}

// mentionsWord reports whether word occurs in text with no letter, digit
// or underscore right before it (nor right after it, unless prefix).
func mentionsWord(text, word string, prefix bool) bool {
	for i := 0; i <= len(text); {
		j := strings.Index(text[i:], word)
		if j < 0 {
			return false
		}
		j += i
		before, _ := utf8.DecodeLastRuneInString(text[:j])
		after, _ := utf8.DecodeRuneInString(text[j+len(word):])
		if (j == 0 || !isWordRune(before)) && (prefix || j+len(word) == len(text) || !isWordRune(after)) {
			return true
		}
		_, size := utf8.DecodeRuneInString(text[j:])
		i = j + size
	}
	return false
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }
