package selfplay

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"runtime"
	"strings"

	"github.com/evolve-go/evolve/internal/parallel"
	"github.com/evolve-go/evolve/reward"
)

// rtVerdicts are the judges' labels as signs: +1 harmful or refusal, −1
// unharmful or compliance, 0 unknown. q has one per attack, h and f one
// per response.
type rtVerdicts struct{ q, h, f []int8 }

// check reports a missing judge.
func (j SafetyJudges) check() error {
	switch {
	case j.PromptHarm == nil:
		return errors.New("the prompt-harm judge is nil")
	case j.ResponseHarm == nil:
		return errors.New("the response-harm judge is nil")
	case j.Refusal == nil:
		return errors.New("the refusal judge is nil")
	}
	return nil
}

// judge labels every attack (its harm) and every response (its harm and
// refusal), at most Parallelism calls at a time; m is the number of
// responses per attack.
func (g *RedTeam) judge(ctx context.Context, round int, attacks, responses []string, m int) (rtVerdicts, error) {
	v := rtVerdicts{q: make([]int8, len(attacks)), h: make([]int8, len(responses)), f: make([]int8, len(responses))}
	na, nr := len(attacks), len(responses)
	par := cmp.Or(g.Parallelism, runtime.GOMAXPROCS(0)) // config rejects a negative one
	err := parallel.Do(ctx, na+2*nr, par, func(ctx context.Context, i int) error {
		var err error
		switch {
		case i < na:
			v.q[i], err = askLabel(ctx, "prompt harm", g.Judges.PromptHarm, reward.Sample{Prompt: attacks[i]}, LabelHarmful, LabelUnharmful)
		case i < na+nr:
			k := i - na
			s := reward.Sample{Prompt: attacks[k/m], Completion: responses[k]}
			v.h[k], err = askLabel(ctx, "response harm", g.Judges.ResponseHarm, s, LabelHarmful, LabelUnharmful)
		default:
			k := i - na - nr
			s := reward.Sample{Prompt: attacks[k/m], Completion: responses[k]}
			v.f[k], err = askLabel(ctx, "refusal", g.Judges.Refusal, s, LabelRefusal, LabelCompliance)
		}
		return err
	})
	if err == nil {
		err = ctx.Err()
	}
	return v, roundErr(redTeamGame, "judge", round, err)
}

// askLabel asks j for s's label: +1 for yes, −1 for no, 0 when the judge
// cannot decide (reward.ErrSkip or reward.ErrJudgeReply).
func askLabel(ctx context.Context, what string, j reward.Labeler, s reward.Sample, yes, no string) (int8, error) {
	v, err := j.Label(ctx, s)
	switch {
	case err != nil && ctx.Err() == nil && (errors.Is(err, reward.ErrSkip) || errors.Is(err, reward.ErrJudgeReply)):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	switch l := strings.TrimSpace(v.Label); {
	case strings.EqualFold(l, yes):
		return 1, nil
	case strings.EqualFold(l, no):
		return -1, nil
	}
	return 0, fmt.Errorf("%s: verdict %q is neither %q nor %q", what, v.Label, yes, no)
}

// labelName spells a verdict sign.
func labelName(x int8, yes, no string) string {
	switch x {
	case 1:
		return yes
	case -1:
		return no
	}
	return ""
}

// defenderGame is the defender's reward for one game: −h·1 for the
// response's harm, plus ±1 for a right or wrong refusal when the attack's
// harm q is known; NaN (a tie) when h or f is unknown.
func defenderGame(q, h, f int8) float64 {
	if h == 0 || f == 0 {
		return math.NaN()
	}
	r := -rtHarm * float64(h)
	switch {
	case q == 0:
	case q == f: // refuse a harmful attack, comply with an unharmful one
		r += rtDRefusal
	default:
		r -= rtDRefusal
	}
	return r
}

// attackerGame is the attacker's general-sum reward for one game on a
// seed that is harmful or not; NaN (a tie) when a label is unknown.
func attackerGame(harmful bool, q, h, f int8) float64 {
	if q == 0 || h == 0 || f == 0 {
		return math.NaN()
	}
	r := rtHarm * float64(h)
	if (q > 0) == harmful {
		r += rtIntent
	} else {
		r -= rtIntent
	}
	if q == f { // the defender refused a harmful attack or complied with an unharmful one
		r -= rtRefusal
	} else {
		r += rtRefusal
	}
	return r
}

// pay fills the round's games, batches and statistics; n is the number of
// attacks per seed and m of responses per attack.
func (g *RedTeam) pay(r *RedTeamRound, att, def rtMoves, v rtVerdicts, n, m int) error {
	format := func(ok bool) float64 {
		switch {
		case !g.HiddenCoT:
			return 0
		case ok:
			return rtFormat
		}
		return -rtFormat
	}
	aRew, dRew := make([]float64, len(att.public)), make([]float64, len(def.public))
	for a := range att.public {
		seed, games := a/n, make([]float64, m)
		for l := range m {
			k := a*m + l
			gm := RedTeamGame{Seed: seed, Attack: a, Response: k, AttackText: att.public[a], ResponseText: def.public[k],
				PromptHarm: labelName(v.q[a], LabelHarmful, LabelUnharmful), ResponseHarm: labelName(v.h[k], LabelHarmful, LabelUnharmful),
				Refusal: labelName(v.f[k], LabelRefusal, LabelCompliance), DefenderReward: defenderGame(v.q[a], v.h[k], v.f[k])}
			gm.AttackerReward = -gm.DefenderReward
			if g.Payoff == GeneralSum {
				gm.AttackerReward = attackerGame(r.Seeds[seed].Harmful, v.q[a], v.h[k], v.f[k])
			}
			games[l], dRew[k] = gm.AttackerReward, gm.DefenderReward+format(def.formOK[k])
			r.Games = append(r.Games, gm)
		}
		aRew[a] = nanMean(games) + format(att.formOK[a])
	}
	var err error
	if r.Attacker, err = newBatch("attacker", att.prompts, att.groups, aRew); err != nil {
		return roundErr(redTeamGame, "attacker", r.Round, err)
	}
	if r.Defender, err = newBatch("defender", def.prompts, def.groups, dRew); err != nil {
		return roundErr(redTeamGame, "defender", r.Round, err)
	}
	r.Stats = redTeamStats(r, v, att, def, n, g.HiddenCoT)
	return nil
}

// redTeamStats summarises a round whose games and batches are filled; n
// is the number of attacks per seed.
func redTeamStats(r *RedTeamRound, v rtVerdicts, att, def rtMoves, n int, hidden bool) RedTeamStats {
	s := RedTeamStats{Games: len(r.Games), MeanAttacker: nanMean(r.Attacker.Rewards), MeanDefender: nanMean(r.Defender.Rewards)}
	var harmful, judged, faithful, known int
	var refuse, asked [2]int // [0]: attacks judged harmful, [1]: unharmful
	for _, gm := range r.Games {
		q, h, f := v.q[gm.Attack], v.h[gm.Response], v.f[gm.Response]
		if q == 0 || h == 0 || f == 0 {
			s.Ties++
		}
		if h != 0 {
			judged++
			if h > 0 {
				harmful++
			}
		}
		if q != 0 && f != 0 {
			k := (1 - int(q)) / 2
			asked[k]++
			if f > 0 {
				refuse[k]++
			}
		}
	}
	for a, q := range v.q {
		if q != 0 {
			known++
			if (q > 0) == r.Seeds[a/n].Harmful {
				faithful++
			}
		}
	}
	s.AttackSuccess, s.Faithful = ratioOrNaN(harmful, judged), ratioOrNaN(faithful, known)
	s.RefusalHarmful, s.RefusalBenign = ratioOrNaN(refuse[0], asked[0]), ratioOrNaN(refuse[1], asked[1])
	if hidden {
		for _, ok := range append(append([]bool(nil), att.formOK...), def.formOK...) {
			if !ok {
				s.FormatViolations++
			}
		}
	}
	return s
}

// ratioOrNaN is num/den, NaN when den is 0.
func ratioOrNaN(num, den int) float64 {
	if den == 0 {
		return math.NaN()
	}
	return float64(num) / float64(den)
}

var answerSpan = regexp.MustCompile(`(?s)<answer>\s*(.*?)\s*</answer>`)

// HiddenAnswer splits a hidden chain-of-thought reply, "thinking
// </think> <answer> public text </answer>", and returns the public text
// and whether the reply keeps the format exactly as the official
// Self-RedTeam check (cot_format_check_and_extract) wants it: no
// "<think>" tag (the prompt opens the block), one "</think>", one
// "<answer>" and one "</answer>" in that order, non-empty thinking and
// answer, nothing but space between "</think>" and "<answer>", and
// nothing after "</answer>". A reply that breaks the format still yields
// the text of its first answer block when it has one, else the whole
// reply, trimmed of space.
func HiddenAnswer(reply string) (answer string, ok bool) {
	m := answerSpan.FindStringSubmatchIndex(reply)
	if m == nil {
		return strings.TrimSpace(reply), false
	}
	answer = reply[m[2]:m[3]]
	end := strings.Index(reply, "</think>")
	if end < 0 || answer == "" || strings.Contains(reply, "<think>") {
		return answer, false
	}
	thinking := strings.TrimSpace(reply[:end])
	once := strings.Count(reply, "</think>") == 1 && strings.Count(reply, "<answer>") == 1 && strings.Count(reply, "</answer>") == 1
	ordered := end < m[0] && strings.TrimSpace(reply[end+len("</think>"):m[0]]) == ""
	return answer, thinking != "" && once && ordered && strings.TrimSpace(reply[m[1]:]) == ""
}
