package reward

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
)

// GroupReward scores all completions of one prompt together, for rewards
// that depend on the other members of the group (majority votes, novelty).
// It returns one score per sample, in order.
type GroupReward interface {
	ScoreGroup(ctx context.Context, group []Sample) ([]float64, error)
}

// CanonicalAnswer is the default answer Extractor of the votes: the
// ExtractAnswer answer of the text, written canonically so that equivalent
// answers vote together. A numeric answer becomes its value with 10
// significant digits ("\frac{1}{2}", "0.5" and "0.50" all give "0.5";
// a percentage keeps its "%": "50%"); any other answer becomes
// NormalizeMath of it ("x^{2} + 1" and "x^2+1" vote together). ok is false when ExtractAnswer finds nothing.
func CanonicalAnswer(text string) (string, bool) {
	a, ok := ExtractAnswer(text)
	if !ok {
		return "", false
	}
	if v, pct, err := parseNumber(a); err == nil {
		if v == 0 {
			v = 0 // no "-0"
		}
		s := strconv.FormatFloat(v, 'g', 10, 64)
		if pct {
			s += "%"
		}
		return s, true
	}
	n := NormalizeMath(a)
	return n, n != ""
}

var (
	mathNoise = strings.NewReplacer(`\left`, "", `\right`, "", `\!`, "", `\,`, "", `\;`, "", `\:`, "", `\ `, "",
		`\dfrac`, `\frac`, `\tfrac`, `\frac`, `\displaystyle`, "")
	// singleBraced is a one-character group after ^ or _: x^{2} → x^2.
	singleBraced = regexp.MustCompile(`([\^_])\{(\w)\}`)
	// textWrapped is \text{…}, \mathrm{…}, \textbf{…} or \mbox{…} without
	// nested braces.
	textWrapped = regexp.MustCompile(`\\(?:text|textbf|mathrm|mbox)\s*\{([^{}]*)\}`)
)

// NormalizeMath canonicalises a short symbolic answer for voting:
// \text{…}-style wrappers unwrapped, \left, \right, LaTeX spacing and
// \displaystyle dropped, \dfrac and \tfrac written \frac, one-character
// groups after ^ and _ unbraced (x^{2} → x^2), all whitespace removed,
// lower-cased, and trailing sentence punctuation removed. It is a key for
// grouping equal answers, not a display form: "x^{2} + 1" and "x^2+1"
// both give "x^2+1".
func NormalizeMath(s string) string {
	s = textWrapped.ReplaceAllString(s, "$1")
	s = mathNoise.Replace(s)
	s = singleBraced.ReplaceAllString(s, "$1$2")
	s = strings.Join(strings.Fields(strings.ToLower(s)), "")
	return strings.TrimRight(s, ".,;:!")
}

// Answers extracts one answer per sample with ex (CanonicalAnswer when
// nil); "" marks a sample without a parseable answer.
func Answers(group []Sample, ex Extractor) []string {
	if ex == nil {
		ex = CanonicalAnswer
	}
	out := make([]string, len(group))
	for i, s := range group {
		if a, ok := ex(s.Completion); ok {
			out[i] = a
		}
	}
	return out
}

// Vote is the outcome of a majority vote over one group's answers.
type Vote struct {
	// Answer is the most common answer; "" when no answer parsed.
	Answer string
	// Count is the number of samples whose answer is Answer.
	Count int
	// Valid is the number of samples with a parseable answer.
	Valid int
	// Total is the group size, parseable or not.
	Total int
}

// Agreement is p̂ = Count/Total, the share of the group agreeing with the
// majority (unparseable samples count as disagreeing); 0 for an empty
// group.
func (v Vote) Agreement() float64 {
	if v.Total == 0 {
		return 0
	}
	return float64(v.Count) / float64(v.Total)
}

// Uncertainty is Agent0's self-consistency uncertainty
//
//	R_unc = 1 − 2|p̂ − 0.5|,  p̂ = Agreement()
//
// maximal (1) when half the group agrees with the majority and 0 when all
// agree or none does (an empty or unparseable group gives 0).
//
// References: Xia et al., "Agent0: Unleashing Self-Evolving Agents from
// Zero Data via Tool-Integrated Reasoning", 2025; docs/ALGORITHMS.md §5.
func (v Vote) Uncertainty() float64 {
	return 1 - 2*math.Abs(v.Agreement()-0.5)
}

// MajorityVote returns the most common non-empty answer ("" marks an
// unparseable sample). Ties go to the answer that appears first in
// answers — the order of Python's collections.Counter.most_common, which
// TTRL uses — so the result is deterministic.
//
// References: Zuo et al., "TTRL: Test-Time Reinforcement Learning", 2025.
func MajorityVote(answers []string) Vote {
	v := Vote{Total: len(answers)}
	counts := make(map[string]int, len(answers))
	for _, a := range answers {
		if a == "" {
			continue
		}
		v.Valid++
		counts[a]++
	}
	for _, a := range answers { // first appearance wins ties
		if a != "" && counts[a] > v.Count {
			v.Answer, v.Count = a, counts[a]
		}
	}
	return v
}

// MajorityRewards writes TTRL's label-free reward into dst: 1 for a
// sample whose answer equals the majority answer, 0 otherwise (also 0 for
// unparseable samples, and for every sample when no answer parsed).
// len(dst) must equal len(answers).
func MajorityRewards(dst []float64, answers []string) (Vote, error) {
	if len(dst) != len(answers) {
		return Vote{}, fmt.Errorf("reward: MajorityRewards: len(dst) = %d, len(answers) = %d", len(dst), len(answers))
	}
	v := MajorityVote(answers)
	for i, a := range answers {
		dst[i] = 0
		if a != "" && a == v.Answer {
			dst[i] = 1
		}
	}
	return v, nil
}

// Majority is TTRL's majority-vote reward as a GroupReward: the
// pseudo-label is the group's most common extracted answer (see
// MajorityVote for ties) and a sample scores 1 when its answer matches it,
// else 0. Labels in the samples are ignored.
//
// References: TTRL (Zuo et al., 2025); docs/ALGORITHMS.md §5.
type Majority struct {
	// Extract pulls the answer out of a completion. Default
	// CanonicalAnswer.
	Extract Extractor
}

// ScoreGroup returns the majority rewards of the group.
func (m Majority) ScoreGroup(_ context.Context, group []Sample) ([]float64, error) {
	out := make([]float64, len(group))
	_, err := MajorityRewards(out, Answers(group, m.Extract))
	return out, err
}

// Collective is the outcome of RLCCF's self-consistency-weighted vote.
type Collective struct {
	// Answer is the collective pseudo-label; "" when no answer parsed.
	Answer string
	// SC[n] is model n's self-consistency max_a count_n(a)/K_n, with K_n
	// the number of samples of model n (0 for a model with none).
	SC []float64
	// Support is Σ_n SC_n·count_n(Answer).
	Support float64
}

// CollectiveVote is RLCCF's vote over several models' answers to one
// prompt. answers[n] holds model n's K_n answers ("" = unparseable):
//
//	SC_n  = max_a count_n(a) / K_n
//	label = argmax_a Σ_n SC_n · count_n(a)
//
// The weighted supports are compared exactly (rational arithmetic); ties
// go to the answer that appears first, scanning model 0's answers, then
// model 1's, and so on. With equal SC_n this is a pooled majority vote.
//
// References: "Wisdom of the Crowd: Reinforcement Learning from
// Coevolutionary Collective Feedback" (RLCCF), 2025; docs/ALGORITHMS.md §5.
func CollectiveVote(answers [][]string) Collective {
	c := Collective{SC: make([]float64, len(answers))}
	sc := make([]*big.Rat, len(answers))
	for n, group := range answers {
		v := MajorityVote(group)
		sc[n] = new(big.Rat)
		if v.Total > 0 {
			sc[n].SetFrac64(int64(v.Count), int64(v.Total))
			c.SC[n] = float64(v.Count) / float64(v.Total)
		}
	}
	support := map[string]*big.Rat{}
	var order []string
	for n, group := range answers {
		for _, a := range group {
			if a == "" {
				continue
			}
			s, ok := support[a]
			if !ok {
				s = new(big.Rat)
				support[a] = s
				order = append(order, a)
			}
			s.Add(s, sc[n])
		}
	}
	var best *big.Rat
	for _, a := range order {
		if best == nil || support[a].Cmp(best) > 0 {
			best, c.Answer = support[a], a
		}
	}
	if best != nil {
		c.Support, _ = best.Float64()
	}
	return c
}

// CollectiveRewards returns RLCCF's reward 1[o = label] for every answer of
// every model (0 for unparseable answers), and the vote.
func CollectiveRewards(answers [][]string) ([][]float64, Collective) {
	c := CollectiveVote(answers)
	out := make([][]float64, len(answers))
	for n, group := range answers {
		out[n] = make([]float64, len(group))
		for i, a := range group {
			if a != "" && a == c.Answer {
				out[n][i] = 1
			}
		}
	}
	return out, c
}
