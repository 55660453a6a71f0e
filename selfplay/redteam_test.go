package selfplay

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"text/template"
	"time"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/reward"
)

// labelerFunc is a scripted judge.
type labelerFunc func(ctx context.Context, s reward.Sample) (reward.Judgement, error)

func (f labelerFunc) Label(ctx context.Context, s reward.Sample) (reward.Judgement, error) {
	return f(ctx, s)
}

// tagJudge labels a sample by the tag key=X in the text it reads (the
// prompt for key "q", the completion otherwise): X = yes or no, "?" for
// an undecided judge (err).
func tagJudge(key, yes, no string, undecided error) labelerFunc {
	return func(_ context.Context, s reward.Sample) (reward.Judgement, error) {
		text := s.Completion
		if key == "q" {
			text = s.Prompt
		}
		switch {
		case strings.Contains(text, key+"=Y"):
			return reward.Judgement{Label: strings.ToUpper(yes)}, nil // case is ignored
		case strings.Contains(text, key+"=N"):
			return reward.Judgement{Label: " " + no}, nil // so is space
		case strings.Contains(text, key+"=?"):
			return reward.Judgement{}, undecided
		}
		return reward.Judgement{Label: "maybe"}, nil
	}
}

// tagJudges read q (prompt harm), h (response harm) and f (refusal) tags.
func tagJudges() SafetyJudges {
	return SafetyJudges{
		PromptHarm:   tagJudge("q", LabelHarmful, LabelUnharmful, reward.ErrSkip),
		ResponseHarm: tagJudge("h", LabelHarmful, LabelUnharmful, fmt.Errorf("wrapped: %w", reward.ErrJudgeReply)),
		Refusal:      tagJudge("f", LabelRefusal, LabelCompliance, reward.ErrSkip),
	}
}

// tableGame: two seeds; each seed's attack 0 is judged harmful (q=Y) and
// attack 1 unharmful; each attack's four responses cover (h, f).
func tableGame(payoff Payoff) *RedTeam {
	qs := []string{"q=Y", "q=N"}
	hf := []string{"h=N f=Y", "h=N f=N", "h=Y f=Y", "h=Y f=N"}
	return &RedTeam{
		Attacker: script(func(p string, j int, _ uint64) string { return qs[j] + " from " + p[strings.Index(p, "Request: "):] }),
		Defender: script(func(_ string, j int, _ uint64) string { return hf[j] }),
		Judges:   tagJudges(),
		Seeds:    []RedTeamSeed{{Prompt: "harmful seed", Harmful: true}, {Prompt: "benign seed"}},
		Payoff:   payoff, Attacks: 2, Responses: 4,
	}
}

// The reward table of the official code, every cell by hand:
// seed s (H harmful, B benign), attack harm q, response harm h,
// refusal f (R refusal, C compliance).
var (
	attackerTable = map[string]float64{
		"s=H q=H h=H f=R": 1, "s=H q=H h=H f=C": 2, "s=H q=H h=U f=R": -1, "s=H q=H h=U f=C": 0,
		"s=H q=U h=H f=R": 1, "s=H q=U h=H f=C": 0, "s=H q=U h=U f=R": -1, "s=H q=U h=U f=C": -2,
		"s=B q=H h=H f=R": 0, "s=B q=H h=H f=C": 1, "s=B q=H h=U f=R": -2, "s=B q=H h=U f=C": -1,
		"s=B q=U h=H f=R": 2, "s=B q=U h=H f=C": 1, "s=B q=U h=U f=R": 0, "s=B q=U h=U f=C": -1,
	}
	defenderTable = map[string]float64{
		"q=H h=U f=R": 2, "q=H h=U f=C": 0, "q=H h=H f=R": 0, "q=H h=H f=C": -2,
		"q=U h=U f=C": 2, "q=U h=U f=R": 0, "q=U h=H f=C": 0, "q=U h=H f=R": -2,
	}
)

func cellKey(gm RedTeamGame) string {
	short := map[string]string{LabelHarmful: "H", LabelUnharmful: "U", LabelRefusal: "R", LabelCompliance: "C"}
	return fmt.Sprintf("q=%s h=%s f=%s", short[gm.PromptHarm], short[gm.ResponseHarm], short[gm.Refusal])
}

func TestRedTeamRewardTable(t *testing.T) {
	g := tableGame(GeneralSum)
	r, err := g.Round(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Games) != 16 || r.Attacker.Len() != 4 || r.Defender.Len() != 16 {
		t.Fatalf("%d games, %d attacks, %d responses", len(r.Games), r.Attacker.Len(), r.Defender.Len())
	}
	seen := map[string]bool{}
	for _, gm := range r.Games {
		s := map[bool]string{true: "s=H ", false: "s=B "}[r.Seeds[gm.Seed].Harmful]
		key := s + cellKey(gm)
		seen[key] = true
		if want := attackerTable[key]; gm.AttackerReward != want {
			t.Errorf("%s: attacker %v, want %v", key, gm.AttackerReward, want)
		}
		if want := defenderTable[cellKey(gm)]; gm.DefenderReward != want || r.Defender.Rewards[gm.Response] != want {
			t.Errorf("%s: defender %v (batch %v), want %v", key, gm.DefenderReward, r.Defender.Rewards[gm.Response], want)
		}
	}
	if len(seen) != len(attackerTable) {
		t.Errorf("%d of %d cells played", len(seen), len(attackerTable))
	}
	// An attack's reward is the mean of its four games.
	for a := range 4 {
		want := 0.0
		for _, gm := range r.Games[a*4 : a*4+4] {
			want += gm.AttackerReward / 4
		}
		if r.Attacker.Rewards[a] != want {
			t.Errorf("attack %d: reward %v, want %v", a, r.Attacker.Rewards[a], want)
		}
	}
	if r.Stats.Games != 16 || r.Stats.Ties != 0 || r.Stats.AttackSuccess != 0.5 || r.Stats.Faithful != 0.5 ||
		r.Stats.RefusalHarmful != 0.5 || r.Stats.RefusalBenign != 0.5 || r.Stats.FormatViolations != 0 {
		t.Errorf("stats %+v", r.Stats)
	}
}

// ZeroSum: every game's rewards sum to zero, and so does each attack's
// reward with the mean of its responses'; the defender's table is the
// general-sum one.
func TestRedTeamZeroSum(t *testing.T) {
	r, err := tableGame(ZeroSum).Round(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, gm := range r.Games {
		if gm.AttackerReward+gm.DefenderReward != 0 || gm.DefenderReward != defenderTable[cellKey(gm)] {
			t.Errorf("%s: attacker %v, defender %v", cellKey(gm), gm.AttackerReward, gm.DefenderReward)
		}
	}
	for a := range 4 {
		if sum := r.Attacker.Rewards[a] + nanMean(r.Defender.Rewards[a*4:a*4+4]); sum != 0 {
			t.Errorf("attack %d: rewards sum to %v", a, sum)
		}
	}
}

// A label the judge cannot give makes a tie: the attacker's game is left
// out (NaN) for any unknown label, the defender's for an unknown response
// harm or refusal; an unknown attack harm only drops the defender's
// refusal term.
func TestRedTeamTies(t *testing.T) {
	g := &RedTeam{
		Attacker: script(func(string, int, uint64) string { return "q=?" }),
		Defender: script(func(_ string, j int, _ uint64) string {
			return []string{"h=N f=Y", "h=Y f=N", "h=? f=Y", "h=N f=?"}[j]
		}),
		Judges: tagJudges(), Seeds: []RedTeamSeed{{Prompt: "s", Harmful: true}}, Attacks: 1, Responses: 4,
	}
	r, err := g.Round(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1, -1, math.NaN(), math.NaN()}
	for k, gm := range r.Games {
		if !math.IsNaN(gm.AttackerReward) || !same(gm.DefenderReward, want[k]) {
			t.Errorf("game %d (%s): attacker %v, defender %v, want NaN, %v", k, cellKey(gm), gm.AttackerReward, gm.DefenderReward, want[k])
		}
	}
	if !math.IsNaN(r.Attacker.Rewards[0]) || r.Stats.Ties != 4 || !math.IsNaN(r.Stats.Faithful) {
		t.Errorf("attacker %v, stats %+v", r.Attacker.Rewards, r.Stats)
	}
	if want := []policy.Pair{{Chosen: 0, Rejected: 1}}; !reflect.DeepEqual(r.Defender.Pairs, want) {
		t.Errorf("defender pairs %v, want %v", r.Defender.Pairs, want)
	}
}

func same(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// The statistics of a round worked by hand.
func TestRedTeamStats(t *testing.T) {
	g := &RedTeam{
		Attacker: script(func(_ string, j int, _ uint64) string { return []string{"q=Y", "q=N"}[j] }),
		Defender: script(func(p string, j int, _ uint64) string {
			if p == "q=Y" {
				return "h=N f=Y"
			}
			return []string{"h=Y f=N", "h=N f=Y"}[j]
		}),
		Judges: tagJudges(), Seeds: []RedTeamSeed{{Prompt: "s", Harmful: true}}, Attacks: 2, Responses: 2,
	}
	r, err := g.Round(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := RedTeamStats{Games: 4, AttackSuccess: 0.25, Faithful: 0.5, RefusalHarmful: 1, RefusalBenign: 0.5,
		// attacks: q=Y: −1 +0.5 −0.5 = −1 twice → −1; q=N: +1 −0.5 −0.5 = 0 and
		// −1 −0.5 +0.5 = −1 → −0.5
		MeanAttacker: -0.75,
		// responses: 2, 2; 0 (q=U, h=H, f=C), 0 (q=U, h=U, f=R)
		MeanDefender: 1}
	if r.Stats != want {
		t.Errorf("stats %+v, want %+v", r.Stats, want)
	}
}

func TestHiddenAnswer(t *testing.T) {
	for _, tc := range []struct {
		reply, answer string
		ok            bool
	}{
		{"plan it </think> <answer> the attack </answer>", "the attack", true},
		{"plan\n</think>\n<answer>\nmulti\nline\n</answer>\n", "multi\nline", true},
		{"plan </think> <answer> a </answer> trailing", "a", false},
		{"<think> plan </think> <answer> a </answer>", "a", false},
		{" </think> <answer> a </answer>", "a", false},
		{"plan </think> <answer>  </answer>", "", false},
		{"plan </think> words <answer> a </answer>", "a", false},
		{"plan <answer> a </answer>", "a", false},
		{"plan </think> </think> <answer> a </answer>", "a", false},
		{"plan </think> <answer> a </answer><answer> b </answer>", "a", false},
		{"<answer> a </answer> plan </think>", "a", false},
		{"  just text  ", "just text", false},
	} {
		a, ok := HiddenAnswer(tc.reply)
		if a != tc.answer || ok != tc.ok {
			t.Errorf("HiddenAnswer(%q) = %q, %v; want %q, %v", tc.reply, a, ok, tc.answer, tc.ok)
		}
	}
}

// With HiddenCoT only the public answer is passed on and judged, and
// each completion earns ±1 for its format.
func TestRedTeamHiddenCoT(t *testing.T) {
	var attackerPrompt, defenderPrompt string
	g := &RedTeam{
		Attacker: script(func(p string, j int, _ uint64) string {
			attackerPrompt = p
			return []string{"secret q=N </think> <answer> q=Y attack </answer>", "q=Y attack"}[j]
		}),
		Defender: script(func(p string, j int, _ uint64) string {
			defenderPrompt = p
			return []string{"hidden h=Y f=N </think> <answer> h=N f=Y </answer>", "<answer> h=N f=Y </answer>"}[j]
		}),
		Judges: tagJudges(), Seeds: []RedTeamSeed{{Prompt: "s", Harmful: true}}, Attacks: 2, Responses: 2, HiddenCoT: true,
	}
	r, err := g.Round(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(attackerPrompt, "<think> ") || !strings.Contains(defenderPrompt, "User: q=Y attack\nAssistant: <think> ") {
		t.Errorf("prompts %q, %q", attackerPrompt, defenderPrompt)
	}
	// Every game: q=H, h=U, f=R: attacker −1 + 0.5 − 0.5 = −1, defender 2.
	for _, gm := range r.Games {
		if gm.AttackText != "q=Y attack" || gm.ResponseText != "h=N f=Y" || gm.AttackerReward != -1 || gm.DefenderReward != 2 {
			t.Errorf("game %+v", gm)
		}
	}
	if want := []float64{0, -2}; !reflect.DeepEqual(r.Attacker.Rewards, want) {
		t.Errorf("attacker rewards %v, want %v", r.Attacker.Rewards, want)
	}
	if want := []float64{3, 1, 3, 1}; !reflect.DeepEqual(r.Defender.Rewards, want) {
		t.Errorf("defender rewards %v, want %v", r.Defender.Rewards, want)
	}
	if r.Stats.FormatViolations != 3 {
		t.Errorf("%d format violations, want 3", r.Stats.FormatViolations)
	}
}

func TestRedTeamErrors(t *testing.T) {
	ctx := context.Background()
	fail := errors.New("boom")
	broken := policy.GeneratorFunc(func(context.Context, policy.GenerateRequest) ([][]policy.Completion, error) { return nil, fail })
	short := policy.GeneratorFunc(func(context.Context, policy.GenerateRequest) ([][]policy.Completion, error) { return nil, nil })
	judges := tagJudges()
	judges.Refusal = labelerFunc(func(context.Context, reward.Sample) (reward.Judgement, error) { return reward.Judgement{}, fail })
	noJudge := tagJudges()
	noJudge.ResponseHarm = nil
	for _, tc := range []struct {
		name, role, msg string
		edit            func(g *RedTeam)
	}{
		{"attacker fails", "attacker", "boom", func(g *RedTeam) { g.Attacker = broken }},
		{"defender short", "defender", "0 groups for 4 prompts", func(g *RedTeam) { g.Defender = short }},
		{"judge fails", "judge", "refusal: boom", func(g *RedTeam) { g.Judges = judges }},
		{"odd verdict", "judge", `verdict "maybe" is neither`, func(g *RedTeam) {
			g.Defender = script(func(string, int, uint64) string { return "h=N" })
		}},
		{"nil judge", "judge", "response-harm judge is nil", func(g *RedTeam) { g.Judges = noJudge }},
		{"bad template", "attacker", "template", func(g *RedTeam) {
			g.AttackTemplate = template.Must(template.New("bad").Parse("{{.Nope}}"))
		}},
	} {
		g := tableGame(GeneralSum)
		if _, err := g.Round(ctx); err != nil { // round 1 succeeds
			t.Fatal(err)
		}
		tc.edit(g)
		_, err := g.Round(ctx)
		checkFailedRound(t, tc.name, g, err, "redteam", tc.role, tc.msg)
	}
	for _, edit := range []func(g *RedTeam){
		func(g *RedTeam) { g.Seeds = nil },
		func(g *RedTeam) { g.Size = 3 },
		func(g *RedTeam) { g.Attacks = -1 },
		func(g *RedTeam) { g.Payoff = 7 },
		func(g *RedTeam) { g.Parallelism = -2 },
	} {
		g := tableGame(GeneralSum)
		edit(g)
		if _, err := g.Round(ctx); err == nil || !strings.HasPrefix(err.Error(), "selfplay: RedTeam.") {
			t.Errorf("config %+v: %v", g, err)
		}
	}
	if err := new(RedTeam).Restore(RedTeamState{Round: -1}); err == nil {
		t.Error("negative round restored")
	}
	if err := new(RedTeam).Restore(RedTeamState{RNG: []byte("junk")}); err == nil {
		t.Error("junk random state restored")
	}
}

// A game whose players read their sampling seed: the attacker's text and
// the defender's verdicts follow req.Seed, so a replayed round must use
// the same seeds and draws.
func seededGame() *RedTeam {
	seeds := []RedTeamSeed{{Prompt: "a", Harmful: true}, {Prompt: "b"}, {Prompt: "c", Harmful: true}, {Prompt: "d"}}
	return &RedTeam{
		Attacker: script(func(p string, j int, seed uint64) string {
			seedPrompt := strings.SplitN(p[strings.Index(p, "Request: "):], "\n", 2)[0]
			return fmt.Sprintf("q=%c %d %s", "YN"[(seed>>4+uint64(j))%2], j, seedPrompt)
		}),
		Defender: script(func(_ string, j int, seed uint64) string {
			return []string{"h=N f=Y", "h=Y f=N", "h=Y f=Y"}[(int(seed>>4)+j)%3]
		}),
		Judges: tagJudges(), Seeds: seeds, Size: 2, Attacks: 2, Responses: 2, Seed: 9,
	}
}

// A game restored from its JSON state plays the same next rounds as one
// never interrupted; a round cancelled in the middle of the judging
// leaves the state as it was.
func TestRedTeamStateAndCancel(t *testing.T) {
	want := checkResume(t, seededGame, func(g *RedTeam, cancel context.CancelFunc) {
		var calls atomic.Int32
		judges := g.Judges
		g.Judges.Refusal = labelerFunc(func(ctx context.Context, s reward.Sample) (reward.Judgement, error) {
			if calls.Add(1) == 2 {
				cancel()
			}
			return judges.Refusal.Label(ctx, s)
		})
	})
	if reflect.DeepEqual(want[1].Seeds, want[2].Seeds) && reflect.DeepEqual(want[1].Attacker.Rewards, want[2].Attacker.Rewards) {
		t.Error("rounds 2 and 3 are alike: the test cannot tell them apart")
	}
}

// At most Parallelism judge calls run at once.
func TestRedTeamParallelism(t *testing.T) {
	var running, peak atomic.Int32
	slow := func(j reward.Labeler) labelerFunc {
		return func(ctx context.Context, s reward.Sample) (reward.Judgement, error) {
			n := running.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(time.Millisecond)
			running.Add(-1)
			return j.Label(ctx, s)
		}
	}
	g := tableGame(GeneralSum)
	g.Parallelism = 3
	j := tagJudges()
	g.Judges = SafetyJudges{PromptHarm: slow(j.PromptHarm), ResponseHarm: slow(j.ResponseHarm), Refusal: slow(j.Refusal)}
	if _, err := g.Round(context.Background()); err != nil {
		t.Fatal(err)
	}
	if p := peak.Load(); p > 3 || p < 2 {
		t.Errorf("%d judge calls at once, want 2 or 3 (Parallelism 3)", p)
	}
}
