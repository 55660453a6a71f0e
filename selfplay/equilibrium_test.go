package selfplay

import (
	"context"
	"flag"
	"math"
	"testing"
	"text/template"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/policy/tabular"
	"github.com/evolve-go/evolve/reward"
)

// matrixJudges make the attacker/defender game a 2×2 matrix game: every
// attack is judged harmful, and the response harm and refusal of attack
// a ∈ {A1, A2} answered by r ∈ {R1, R2} are chosen so that the
// defender's game reward (harm ±1, refusal ±1) is D[a][r]:
//
//	+2: unharmful and refused, −2: harmful and complied, 0: unharmful and complied.
func matrixJudges(D [2][2]float64) SafetyJudges {
	cell := func(s reward.Sample) float64 {
		a, r := 0, 0
		if s.Prompt == "A2" {
			a = 1
		}
		if s.Completion == "R2" {
			r = 1
		}
		return D[a][r]
	}
	label := func(yes, no string, isYes func(d float64) bool) labelerFunc {
		return func(_ context.Context, s reward.Sample) (reward.Judgement, error) {
			if isYes(cell(s)) {
				return reward.Judgement{Label: yes}, nil
			}
			return reward.Judgement{Label: no}, nil
		}
	}
	return SafetyJudges{
		PromptHarm: labelerFunc(func(context.Context, reward.Sample) (reward.Judgement, error) {
			return reward.Judgement{Label: LabelHarmful}, nil
		}),
		ResponseHarm: label(LabelHarmful, LabelUnharmful, func(d float64) bool { return d == -2 }),
		Refusal:      label(LabelRefusal, LabelCompliance, func(d float64) bool { return d == 2 }),
	}
}

// Two tabular policies play the zero-sum attacker/defender game as the
// matrix game D (the defender's payoff; the attacker's is −D), moving
// simultaneously: the defender's prompt does not show the attack. Each
// trains with REINFORCE and a group-mean baseline through policy.Trainer
// on the game's batches, by plain gradient steps. D has no saddle point
// (max-min 0 < min-max 2): its equilibrium is mixed, and in closed form
//
//	x* = (d − c)/(a + d − b − c) = 1/3   (attacker's P(A1))
//	y* = (d − b)/(a + d − b − c) = 2/3   (defender's P(R1))
//	v  = (ad − bc)/(a + d − b − c) = 2/3 (the defender's value).
//
// Gradient play cycles around a mixed equilibrium; the time-averaged
// strategies converge to it. The test checks that every round's rewards
// sum to zero, and that after 1500 rounds (learning rate 0.1, 16 attacks
// of 4 responses a round) the averaged strategies are within 0.05 of the
// equilibrium, their value within 0.01 of v, and their exploitability
// (max_y V(x̄, y) − min_x V(x, ȳ), 0 at the equilibrium) below 0.12. It
// plays game seed 1; over game seeds 1–9 (go test ./selfplay -run
// MatrixGameEquilibrium -v -equilibrium.seeds 9) the averages came within
// 0.021 of x*, y*, the value within 0.001 of v and the exploitability
// below 0.055, and the last iterates were anywhere on the cycle.
func TestRedTeamMatrixGameEquilibrium(t *testing.T) {
	D := [2][2]float64{{2, -2}, {0, 2}}
	a, b, c, d := D[0][0], D[0][1], D[1][0], D[1][1]
	den := a + d - b - c
	xStar, yStar, v := (d-c)/den, (d-b)/den, (a*d-b*c)/den
	value := func(x, y float64) float64 {
		return x*y*a + x*(1-y)*b + (1-x)*y*c + (1-x)*(1-y)*d
	}
	var worstX, worstV, worstGap float64
	for seed := uint64(1); seed <= uint64(*equilibriumSeeds); seed++ {
		x, y, last := playMatrixGame(t, D, seed)
		gap := max(value(x, 1), value(x, 0)) - min(value(1, y), value(0, y))
		t.Logf("seed %d: averaged strategies x̄ = %.4f (x* = %.4f), ȳ = %.4f (y* = %.4f); value %.4f (v = %.4f); exploitability %.4f; last x = %.3f, y = %.3f",
			seed, x, xStar, y, yStar, value(x, y), v, gap, last[0], last[1])
		if math.Abs(x-xStar) > 0.05 || math.Abs(y-yStar) > 0.05 || math.Abs(value(x, y)-v) > 0.01 || gap > 0.12 {
			t.Errorf("seed %d: the averaged strategies are not at the equilibrium", seed)
		}
		worstX = max(worstX, math.Abs(x-xStar), math.Abs(y-yStar))
		worstV, worstGap = max(worstV, math.Abs(value(x, y)-v)), max(worstGap, gap)
	}
	t.Logf("over seeds 1–%d: |x̄ − x*|, |ȳ − y*| ≤ %.5f, |V(x̄, ȳ) − v| ≤ %.5f, exploitability ≤ %.5f", *equilibriumSeeds, worstX, worstV, worstGap)
}

var equilibriumSeeds = flag.Int("equilibrium.seeds", 1, "TestRedTeamMatrixGameEquilibrium plays game seeds 1 to this")

// playMatrixGame plays 1500 rounds of the matrix game D with game seed
// seed, checking that every round's rewards sum to zero, and returns the
// attacker's and the defender's time-averaged P(A1) and P(R1) and their
// last ones.
func playMatrixGame(t *testing.T, D [2][2]float64, seed uint64) (x, y float64, last [2]float64) {
	t.Helper()
	attacker, err := tabular.New([]string{"seed"}, []string{"A1", "A2"})
	if err != nil {
		t.Fatal(err)
	}
	defender, err := tabular.New([]string{"respond"}, []string{"R1", "R2"})
	if err != nil {
		t.Fatal(err)
	}
	const lr, rounds = 0.1, 1500
	attacker.Optimizer, attacker.LR = tabular.SGD, lr
	defender.Optimizer, defender.LR = tabular.SGD, lr
	g := &RedTeam{
		Attacker: attacker, Defender: defender, Judges: matrixJudges(D), Payoff: ZeroSum,
		Seeds:          []RedTeamSeed{{Prompt: "seed", Harmful: true}},
		AttackTemplate: template.Must(template.New("a").Parse("{{.Seed}}")),
		DefendTemplate: template.Must(template.New("d").Parse("respond")),
		Attacks:        16, Responses: 4, Seed: seed,
	}
	loss := policy.PG{Surrogate: policy.Reinforce{}}
	trainA := policy.Trainer{Model: attacker, Loss: loss, Advantage: policy.GroupMean{}}
	trainD := policy.Trainer{Model: defender, Loss: loss, Advantage: policy.GroupMean{}}
	ctx := context.Background()
	for round := range rounds {
		x += attacker.Probs(0)[0]
		y += defender.Probs(0)[0]
		r, err := g.Round(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for k, ra := range r.Attacker.Rewards {
			m := g.Responses
			if sum := ra + nanMean(r.Defender.Rewards[k*m:(k+1)*m]); sum != 0 {
				t.Fatalf("round %d, attack %d: rewards sum to %v", round+1, k, sum)
			}
		}
		for _, step := range []struct {
			tr *policy.Trainer
			b  Batch
		}{{&trainA, r.Attacker}, {&trainD, r.Defender}} {
			ro, err := step.b.Rollouts()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := step.tr.Step(ro); err != nil {
				t.Fatal(err)
			}
		}
	}
	return x / rounds, y / rounds, [2]float64{attacker.Probs(0)[0], defender.Probs(0)[0]}
}
