package selfplay

import "context"

// critique asks the critic to judge each original step (unless
// SkipOriginals) and each valid sneaky step, Critiques times; judged
// holds the index in r.Steps of each critic group.
func (g *SPC) critique(ctx context.Context, r *SPCRound, ins []spcAsk, c spcConfig) (m spcMoves, judged []int, err error) {
	per := c.n + 1
	for k, s := range r.Steps {
		if s.Sneaky && !s.Valid || !s.Sneaky && g.SkipOriginals {
			continue
		}
		in := ins[k/per].StepInput
		in.Step = s.Text
		p, err := runTemplate(g.CriticTemplate, defaultCriticTemplate, in)
		if err != nil {
			return m, nil, roundErr(spcGame, "critic", r.Round, err)
		}
		m.prompts, judged = append(m.prompts, p), append(judged, k)
	}
	if len(m.prompts) == 0 {
		return m, nil, nil
	}
	req := g.CriticRequest
	req.Prompts, req.N, req.Seed = m.prompts, c.critiques, callSeed(g.Seed, r.Round, 3)
	m.groups, err = generate(ctx, spcGame, "critic", r.Round, g.Critic, req)
	return m, judged, err
}

// pay scores the critiques and the sneaky steps, and fills the batches
// and statistics.
func (g *SPC) pay(r *SPCRound, sneaky, critic spcMoves, judged []int, c spcConfig) error {
	cRew := g.scoreCritiques(r, critic, judged)
	sRew := make([]float64, len(r.Steps)/(c.n+1)*c.n)
	for k := range r.Steps {
		s, o := &r.Steps[k], r.Steps[k-k%(c.n+1)]
		switch {
		case !s.Sneaky:
			if !o.Valid {
				r.Stats.Unsolved++
			}
			continue
		case s.Valid:
			r.Stats.Games++
		case o.Valid && (!s.rewrites(o) || s.Rate > c.sneakyMax):
			r.Stats.Invalid++
			if !g.SkipInvalid {
				s.Reward = -1
			}
		}
		sRew[s.Row] = s.Reward
	}
	r.Stats.MeanSneaky, r.Stats.MeanCritic = nanMean(sRew), nanMean(cRew)
	var err error
	if r.Sneaky, err = newBatch("sneaky", sneaky.prompts, sneaky.groups, sRew); err != nil {
		return roundErr(spcGame, "sneaky", r.Round, err)
	}
	if r.Critic, err = newBatch("critic", critic.prompts, critic.groups, cRew); err != nil {
		return roundErr(spcGame, "critic", r.Round, err)
	}
	return nil
}

// scoreCritiques returns the critic's rewards, group by group, and sets
// each judged step's Critic and Detected, a valid sneaky step's Reward
// (minus the mean of its critiques'), and the verdict statistics.
func (g *SPC) scoreCritiques(r *SPCRound, critic spcMoves, judged []int) []float64 {
	verdict := g.Verdict
	if verdict == nil {
		verdict = ParseStepVerdict
	}
	var cRew []float64
	var asked, right [2]int // critiques of [0] original, [1] sneaky steps; right: Correct, Incorrect
	for gi, k := range judged {
		s := &r.Steps[k]
		s.Critic = gi
		start, incorrect := len(cRew), 0
		for _, comp := range critic.groups[gi] {
			correct, err := verdict(comp.Text)
			if err != nil {
				r.Stats.Unreadable++
			} else if !correct {
				incorrect++
			}
			asked[b2i(s.Sneaky)]++
			if err == nil && correct != s.Sneaky { // the verdict is right
				right[b2i(s.Sneaky)]++
				cRew = append(cRew, 1)
			} else {
				cRew = append(cRew, -1)
			}
		}
		s.Detected = ratioOrNaN(incorrect, len(cRew)-start)
		if s.Sneaky {
			s.Reward = -nanMean(cRew[start:])
		}
	}
	r.Stats.Acceptance, r.Stats.Detection = ratioOrNaN(right[0], asked[0]), ratioOrNaN(right[1], asked[1])
	return cRew
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
