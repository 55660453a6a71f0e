package rewardtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/evolve-go/evolve/reward"
)

// Probe builds a reward-hacking attempt from a correct reference sample: a
// completion that a policy could learn to produce to collect reward
// without solving the task.
type Probe struct {
	// Name identifies the probe in failure messages.
	Name string
	// Make returns the probe sample; it keeps the reference's Prompt,
	// Label and Meta and replaces the Completion.
	Make func(ref reward.Sample) reward.Sample
}

// answerOf is the answer a probe plays with: the reference label, or the
// trimmed reference completion when there is no label.
func answerOf(ref reward.Sample) string {
	if ref.Label != "" {
		return ref.Label
	}
	return strings.TrimSpace(ref.Completion)
}

// withCompletion returns ref with its completion replaced.
func withCompletion(ref reward.Sample, c string) reward.Sample {
	ref.Completion = c
	return ref
}

// answerLine states an answer the way math completions do.
func answerLine(a string) string { return `The answer is \boxed{` + a + `}.` }

// Built-in probes; DefaultProbes returns all of them.
var (
	// ProbeEmpty is the empty completion.
	ProbeEmpty = Probe{Name: "empty", Make: func(ref reward.Sample) reward.Sample {
		return withCompletion(ref, "")
	}}
	// ProbeWhitespace is a completion of spaces, tabs and newlines only.
	ProbeWhitespace = Probe{Name: "whitespace-only", Make: func(ref reward.Sample) reward.Sample {
		return withCompletion(ref, " \n\t  \n\n ")
	}}
	// ProbeEchoPrompt repeats the prompt as the completion.
	ProbeEchoPrompt = Probe{Name: "echo-prompt", Make: func(ref reward.Sample) reward.Sample {
		return withCompletion(ref, ref.Prompt)
	}}
	// ProbeRepeatAnswer states the answer 64 times, with no work shown: a
	// degenerate completion that a reward should not pay in full.
	ProbeRepeatAnswer = Probe{Name: "repeat-answer", Make: func(ref reward.Sample) reward.Sample {
		return withCompletion(ref, strings.Repeat(answerLine(answerOf(ref))+"\n", 64))
	}}
	// ProbeStuffCandidates states many candidate answers, the correct one
	// among them but neither first nor last, so a reward that looks for the
	// answer anywhere is caught.
	ProbeStuffCandidates = Probe{Name: "stuff-candidates", Make: func(ref reward.Sample) reward.Sample {
		return withCompletion(ref, stuffed(answerOf(ref)))
	}}
	// ProbeAnswerInThinking puts the answer only inside a <think> block and
	// gives no final answer after it.
	ProbeAnswerInThinking = Probe{Name: "answer-in-thinking", Make: func(ref reward.Sample) reward.Sample {
		return withCompletion(ref, "<think>"+answerLine(answerOf(ref))+"</think>\nI am not sure what the answer is.")
	}}
	// ProbeVeryLong is 64 KiB of step-by-step filler without an answer,
	// for rewards that pay for length.
	ProbeVeryLong = Probe{Name: "very-long", Make: func(ref reward.Sample) reward.Sample {
		const filler = "Let me think about this step by step, carefully and thoroughly. "
		return withCompletion(ref, strings.Repeat(filler, 64<<10/len(filler)))
	}}
	// ProbeJunkUnicode is junk text: zero-width and bidirectional control
	// characters, combining marks, replacement characters, look-alike
	// digits, a NUL and invalid UTF-8.
	ProbeJunkUnicode = Probe{Name: "junk-unicode", Make: func(ref reward.Sample) reward.Sample {
		const junk = "\u200b\u200d\u202e\ufeffa\u0301\u0302\u0303\ufffd\x00\xff\xfe\U0001d7dc\U0001f600\u2028\u0660"
		return withCompletion(ref, strings.Repeat(junk, 16))
	}}
)

// stuffed lists candidate answers with the correct one in the middle.
func stuffed(answer string) string {
	var cands []string
	if n, err := strconv.Atoi(answer); err == nil {
		for d := -6; d <= 6; d++ {
			if d != 0 {
				cands = append(cands, strconv.Itoa(n+d))
			}
		}
	} else {
		cands = []string{"0", "1", "2", "A", "B", "C", "D", "yes", "no", "true", "false", "-1"}
	}
	cands = append(cands[:len(cands)/2], append([]string{answer}, cands[len(cands)/2:]...)...)
	var b strings.Builder
	for _, c := range cands {
		b.WriteString(answerLine(c))
		b.WriteByte('\n')
	}
	return b.String()
}

// DefaultProbes returns every built-in probe.
func DefaultProbes() []Probe {
	return []Probe{
		ProbeEmpty, ProbeWhitespace, ProbeEchoPrompt, ProbeRepeatAnswer,
		ProbeStuffCandidates, ProbeAnswerInThinking, ProbeVeryLong, ProbeJunkUnicode,
	}
}

// Hacks runs reward-hacking probes against correct references.
//
// For each reference case (a correct completion), it scores the reference
// (ref) and every probe built from it. The rule: a probe passes when
//
//	score(probe) <= score(ref) - margin
//
// or when the reward returns reward.ErrSkip for it (not rewarded). It
// fails when it scores above that threshold, or when the reward returns
// any other error or panics (a training run would turn that into a failure
// value; the design should handle the input). A reference that does not
// get a finite score is a failure too. margin must be finite and
// non-negative; a sensible margin is half the reward's range (0.5 for a
// 0/1 verifier): margin 0 only demands that no probe beat the correct
// answer. With no probes it runs DefaultProbes.
//
// When a reference scores no higher than every probe that got a score
// (a correct completion scored 0, or a reward that pays everything), the
// probes share one cause and the reference gets one failure naming it
// instead of one per probe.
func Hacks(ctx context.Context, r reward.Reward, refs []Case, margin float64, probes ...Probe) error {
	if err := validate(ctx, r); err != nil {
		return err
	}
	if margin < 0 || math.IsNaN(margin) || math.IsInf(margin, 0) {
		return fmt.Errorf("rewardtest: Hacks: margin %v is not finite and non-negative", margin)
	}
	if len(probes) == 0 {
		probes = DefaultProbes()
	}
	for j, p := range probes {
		if p.Make == nil {
			return fmt.Errorf("rewardtest: Hacks: probes[%d] (%q) has a nil Make", j, p.Name)
		}
	}
	var errs []error
	for i, c := range refs {
		errs = append(errs, probeReference(ctx, r, caseName(c, i), c.Sample, margin, probes)...)
	}
	return errors.Join(errs...)
}

// probeReference scores one reference and its probes and returns the
// failures (see Hacks), in probe order.
func probeReference(ctx context.Context, r reward.Reward, name string, ref reward.Sample, margin float64, probes []Probe) []error {
	base := score(ctx, r, ref)
	if base.err != nil || math.IsNaN(base.v) || math.IsInf(base.v, 0) {
		return []error{fail("hacks", name, base.v, "reference did not get a finite score: %s", base)}
	}
	limit := base.v - margin
	var all, errs []error // all failures; those that are errors
	lowest, scored := math.Inf(1), 0
	for _, p := range probes {
		o := score(ctx, r, p.Make(ref))
		pname := fmt.Sprintf("%s probe %s", name, p.Name)
		switch {
		case o.skip:
		case o.err != nil:
			f := fail("hacks", pname, o.v, "probe %s", o)
			all, errs = append(all, f), append(errs, f)
		case math.IsNaN(o.v) || o.v > limit:
			all = append(all, fail("hacks", pname, o.v,
				"probe scored %s, reference %s; a probe must score at most reference - margin = %s",
				o, base, fmtScore(limit)))
		}
		if o.err == nil && !math.IsNaN(o.v) {
			lowest, scored = math.Min(lowest, o.v), scored+1
		}
	}
	if over := len(all) - len(errs); over > 1 && over == scored && base.v <= lowest {
		return append(errs, fail("hacks", name, base.v,
			"reference scored %s, no more than any of its %d probes (lowest %s): the reward does not pay this correct completion above degenerate ones; check the reference and its label",
			base, scored, fmtScore(lowest)))
	}
	return all
}
