package selfplay

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/reward"
)

// DefaultAgent0Instruction is the proposer's prompt when
// Agent0.Instruction is empty: it asks for one task between question
// tags, which Agent0's default task extraction reads.
const DefaultAgent0Instruction = `Write one new, challenging reasoning problem with a single, checkable final answer. ` +
	`Put the problem between <question> and </question>, then give its answer in \boxed{}.`

// Agent0 is the proposer/executor game of Agent0: a proposer (Agent0's
// curriculum agent) writes tasks, an executor answers every task K times,
// the proposer is rewarded for tasks that leave the executor uncertain and
// the executor learns the tasks at the edge of its ability against its own
// majority answer. For task i of the round's B = Tasks proposals,
//
//	p̂_i    = share of the K answers that agree with their majority      (reward.Vote.Agreement)
//	R_unc  = 1 − 2|p̂_i − 0.5|                                            (reward.Vote.Uncertainty)
//	rep_i  = |C(i)| / B,  C(i) the near-duplicate cluster of task i       (reward.DuplicateShare)
//	R_i    = R_unc + R_tool,i − λ·rep_i,  or −1 for a proposal without a task
//
// is the proposer's reward, where R_tool is the optional Tool bonus and λ
// is Penalty (zero: no penalty; the official code's weight is 1); the
// clusters are formed among the tasks that parsed, and B counts every
// proposal. The executor's batch holds only the tasks inside
// the uncertainty band
//
//	|p̂_i − 0.5| ≤ δ   (δ = Band, default 0.25)
//
// with each answer rewarded 1 when its extracted answer equals the
// majority answer (the pseudo-label; reward.MajorityRewards) and 0
// otherwise. A round is: the proposer samples B proposals of Instruction
// (one group, the proposer's batch); the executor samples K answers of
// each task (one call per task, at most Parallelism at a time); the votes,
// clusters and rewards follow.
//
// Where the official code differs: it rewards min(p̂, 1 − p̂) = R_unc/2,
// subtracts the share unweighted (λ = 1), adds 0.05 per tool call of the
// proposal capped at 4 calls, clusters tasks by BLEU distance with
// threshold 0.5 (here: cosine similarity of embeddings, see
// reward.DuplicateShare), and keeps the tasks with 0.3 ≤ p̂ ≤ 0.7 for the
// executor (the paper's band is δ = 0.25). Its executor answers with a
// code interpreter over several turns; here it is any Generator, and a
// tool-using executor is one whose Generate runs the tool loop. Agent0
// trains the executor with ADPO, which scales each task's update by its
// p̂; that is the training loop's choice (Agent0Task.Agreement gives p̂).
//
// References: Xia et al., "Agent0: Unleashing Self-Evolving Agents from
// Zero Data via Tool-Integrated Reasoning", 2025 (arXiv:2511.16043); code:
// github.com/aiming-lab/Agent0 (curriculum_train/examples/reward_function/
// curriculum_reward.py, question_evaluate/upload.py); docs/ALGORITHMS.md
// §5 and §7.
type Agent0 struct {
	// Proposer writes the tasks. Required.
	Proposer policy.Generator
	// Executor answers them. Required.
	Executor policy.Generator
	// Instruction is the proposer's prompt; "" means
	// DefaultAgent0Instruction.
	Instruction string
	// Tasks is B, the number of proposals per round (the proposer's
	// group); 0 means 8. Negative is an error.
	Tasks int
	// Samples is K, the executor's answers per task; 0 means 10 (the
	// official code's). Negative is an error.
	Samples int
	// Band is δ, the half-width of the executor's uncertainty band around
	// p̂ = 0.5; 0 means 0.25 (the paper's). It must lie in [0, 0.5].
	// Comparisons allow 1e-12 of rounding, so that p̂ = 0.8 is inside a
	// band of 0.3.
	Band float64
	// Penalty is λ, the weight of the repetition penalty; 0 means none.
	// Agent0 uses 1. Negative or not finite is an error.
	Penalty float64
	// Duplicates clusters near-duplicate tasks for the penalty; its zero
	// value uses reward.HashEmbedder with threshold 0.5.
	Duplicates reward.DuplicateShare
	// Task reads the task out of a proposal; nil means the content of the
	// last <question>…</question>, or the whole text when it has no such
	// tags. A proposal whose task is missing or blank scores −1 and is not
	// given to the executor.
	Task reward.Extractor
	// Prompt turns a task into the executor's prompt; nil means the task
	// itself.
	Prompt func(task string) string
	// Extract reads the executor's final answer; nil means
	// reward.CanonicalAnswer.
	Extract reward.Extractor
	// Tool is the optional tool-use bonus R_tool of a task, given the
	// proposal and the executor's answers (Agent0: 0.05 per tool call, at
	// most 4); nil means none. A value that is not finite fails the round.
	Tool func(proposal string, answers []policy.Completion) float64
	// ProposerRequest and ExecutorRequest hold the sampling settings of
	// the two roles (MaxTokens, Temperature, ...); the game sets Prompts,
	// N and Seed.
	ProposerRequest, ExecutorRequest policy.GenerateRequest
	// Parallelism is the number of executor calls in flight; 0 means
	// GOMAXPROCS. Negative is an error.
	Parallelism int
	// Seed seeds the game's random state, from which every generator call
	// draws its seed.
	Seed uint64

	clock
}

// Agent0Round is what one round of Agent0 produced.
type Agent0Round struct {
	// Round is the round's number, counting from 1.
	Round int
	// Proposer is the proposer's batch: one group, the round's proposals
	// in order, rewarded R_i.
	Proposer Batch
	// Executor is the executor's batch: one group per task inside the
	// band, in proposal order, rewarded against the majority answer. It
	// is empty (Len 0) when no task fell inside the band.
	Executor Batch
	// Tasks describes each proposal, in order.
	Tasks []Agent0Task
	// InBand is the number of tasks inside the band.
	InBand int
}

// Agent0Task is the bookkeeping of one proposal.
type Agent0Task struct {
	// Task is the task read from the proposal; "" when none parsed.
	Task string
	// Valid says a task parsed; the other fields below are zero when not
	// (Reward is then −1 and Group −1).
	Valid bool
	// Agreement is p̂ and Uncertainty is R_unc.
	Agreement, Uncertainty float64
	// Label is the executor's majority answer, the pseudo-label; "" when
	// no answer parsed.
	Label string
	// Repetition is |C(i)|/B and Cluster the index of the task's cluster
	// among the round's clusters.
	Repetition float64
	Cluster    int
	// Tool is R_tool.
	Tool float64
	// Reward is the proposer's reward R_i.
	Reward float64
	// InBand says |p̂ − 0.5| ≤ δ; Group is then the task's group in the
	// executor's batch, −1 otherwise.
	InBand bool
	Group  int
}

// Agent0State is the state of an Agent0 game, for State and Restore.
type Agent0State struct {
	// Round is the number of rounds played.
	Round int `json:"round"`
	// RNG is the game's random state.
	RNG rngState `json:"rng"`
}

// agent0Config is an Agent0's settings with the defaults applied.
type agent0Config struct {
	instruction           string
	tasks, samples, limit int
	band, penalty         float64
}

// config checks the game's settings and applies the defaults.
func (g *Agent0) config() (agent0Config, error) {
	c := agent0Config{instruction: g.Instruction, band: g.Band, penalty: g.Penalty}
	if c.instruction == "" {
		c.instruction = DefaultAgent0Instruction
	}
	var err error
	if c.tasks, err = sizeOr("agent0", "Tasks", g.Tasks, 8); err != nil {
		return c, err
	}
	if c.samples, err = sizeOr("agent0", "Samples", g.Samples, 10); err != nil {
		return c, err
	}
	if c.limit, err = limitOf("agent0", g.Parallelism); err != nil {
		return c, err
	}
	if !(c.band >= 0 && c.band <= 0.5) {
		return c, fmt.Errorf("selfplay: agent0: Band = %v, want in [0, 0.5]", g.Band)
	}
	if c.band == 0 {
		c.band = 0.25
	}
	if !(c.penalty >= 0) || math.IsInf(c.penalty, 0) {
		return c, fmt.Errorf("selfplay: agent0: Penalty = %v, want finite ≥ 0", g.Penalty)
	}
	return c, nil
}

// Round plays one round (see Agent0).
func (g *Agent0) Round(ctx context.Context) (Agent0Round, error) {
	c, err := g.config()
	if err != nil {
		return Agent0Round{}, err
	}
	return playRound(&g.clock, g.Seed, func(round int) (Agent0Round, error) { return g.play(ctx, c, round) })
}

// State returns the game's state.
func (g *Agent0) State() Agent0State {
	g.start(g.Seed)
	return Agent0State{Round: g.round, RNG: saveRNG(g.rng)}
}

// Restore resumes the game from s: the next Round plays as the round
// after s.Round of the game s was taken from.
func (g *Agent0) Restore(s Agent0State) error { return g.reset("agent0", s.Round, s.RNG) }

// play plays round number round.
func (g *Agent0) play(ctx context.Context, c agent0Config, round int) (Agent0Round, error) {
	req := g.ProposerRequest
	req.Prompts, req.N, req.Seed = []string{c.instruction}, c.tasks, g.rng.Uint64()
	proposals, err := generate(ctx, "agent0", "proposer", round, g.Proposer, req)
	if err != nil {
		return Agent0Round{}, err
	}
	out := Agent0Round{Round: round, Tasks: make([]Agent0Task, c.tasks)}
	var valid []int // proposals with a task
	var prompts []string
	for i, p := range proposals[0] {
		t := &out.Tasks[i]
		t.Task, t.Valid = g.task(p.Text)
		t.Reward, t.Group = -1, -1
		if t.Valid {
			valid = append(valid, i)
			prompts = append(prompts, g.executorPrompt(t.Task))
		}
	}
	answers, err := generateEach(ctx, "agent0", "executor", round, g.Executor, g.ExecutorRequest,
		prompts, c.samples, drawSeeds(g.rng, len(prompts)), c.limit)
	if err != nil {
		return Agent0Round{}, err
	}
	votes := make([][]string, len(valid)) // the executor's extracted answers
	for k := range valid {
		votes[k] = g.answers(answers[k])
	}
	if err := g.rewardTasks(ctx, c, round, &out, proposals[0], valid, answers, votes); err != nil {
		return Agent0Round{}, err
	}
	return g.batches(c, out, proposals, prompts, valid, answers, votes)
}

// task reads the task of a proposal (see Agent0.Task).
func (g *Agent0) task(proposal string) (string, bool) {
	var t string
	var ok bool
	if g.Task != nil {
		t, ok = g.Task(proposal)
	} else if t, ok = reward.ExtractTag(proposal, "question"); !ok {
		t, ok = proposal, true
	}
	t = strings.TrimSpace(t)
	return t, ok && t != ""
}

func (g *Agent0) executorPrompt(task string) string {
	if g.Prompt == nil {
		return task
	}
	return g.Prompt(task)
}

// rewardTasks votes on each valid task's answers, clusters the tasks and
// sets the proposer's rewards.
func (g *Agent0) rewardTasks(ctx context.Context, c agent0Config, round int, out *Agent0Round,
	proposals []policy.Completion, valid []int, answers [][]policy.Completion, votes [][]string) error {
	texts := make([]string, len(valid))
	for k, i := range valid {
		texts[k] = out.Tasks[i].Task
	}
	_, cluster, err := g.Duplicates.Shares(ctx, texts)
	if err != nil {
		return roundErr("agent0", "duplicates", round, err)
	}
	size := make([]int, len(valid)) // of each cluster
	for _, cl := range cluster {
		size[cl]++
	}
	for k, i := range valid {
		t := &out.Tasks[i]
		v := reward.MajorityVote(votes[k])
		t.Agreement, t.Uncertainty, t.Label = v.Agreement(), v.Uncertainty(), v.Answer
		t.Cluster = cluster[k]
		t.Repetition = float64(size[t.Cluster]) / float64(c.tasks) // all B proposals, not only the valid ones

		if g.Tool != nil {
			t.Tool = g.Tool(proposals[i].Text, answers[k])
			if math.IsNaN(t.Tool) || math.IsInf(t.Tool, 0) {
				return roundErr("agent0", "tool", round, fmt.Errorf("the tool bonus of task %d is %v", i, t.Tool))
			}
		}
		t.Reward = t.Uncertainty + t.Tool - c.penalty*t.Repetition
		t.InBand = math.Abs(t.Agreement-0.5) <= c.band+1e-12
	}
	return nil
}

// answers extracts the executor's answers ("" where none parsed).
func (g *Agent0) answers(group []policy.Completion) []string {
	samples := make([]reward.Sample, len(group))
	for j, a := range group {
		samples[j].Completion = a.Text
	}
	return reward.Answers(samples, g.Extract)
}

// batches builds the proposer's and the executor's batches.
func (g *Agent0) batches(c agent0Config, out Agent0Round, proposals [][]policy.Completion, prompts []string,
	valid []int, answers [][]policy.Completion, votes [][]string) (Agent0Round, error) {
	rewards := make([]float64, len(out.Tasks))
	for i, t := range out.Tasks {
		rewards[i] = t.Reward
	}
	var err error
	if out.Proposer, err = newBatch("proposer", []string{c.instruction}, proposals, rewards); err != nil {
		return Agent0Round{}, err
	}
	var in []int // indices into valid of the tasks in the band
	var inPrompts []string
	var execRewards []float64
	for k, i := range valid {
		t := &out.Tasks[i]
		if !t.InBand {
			continue
		}
		t.Group = len(in)
		in = append(in, k)
		inPrompts = append(inPrompts, prompts[k])
		r := make([]float64, len(answers[k]))
		if _, err := reward.MajorityRewards(r, votes[k]); err != nil {
			return Agent0Round{}, err
		}
		execRewards = append(execRewards, r...)
	}
	out.InBand = len(in)
	if out.Executor, err = newBatch("executor", inPrompts, pick(answers, in), execRewards); err != nil {
		return Agent0Round{}, fmt.Errorf("selfplay: agent0: executor batch: %w", err)
	}
	return out, nil
}
