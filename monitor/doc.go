// Package monitor watches a self-improving training run and raises an
// alarm while the run is still cheap to stop: when the policy's samples
// collapse to one phrasing or its entropy to nothing (EVOL-RL), when it
// drifts away from its reference faster than it learns, when the reward
// rises and a verifier watching it does not (reward hacking), when an
// ability the run does not train regresses (Misevolution), or when most
// groups carry no learning signal (DAPO).
//
// A loop attaches it in one line per step, with what it already has — the
// policy.Trainer's statistics, the step's policy.Rollouts, the samples'
// texts and, optionally, a verifier's verdicts:
//
//	mon, err := monitor.New(monitor.Config{})   // every detector at its defaults
//	...
//	st, err := trainer.Step(batch)
//	events, err := mon.Observe(ctx, monitor.Step{Stats: &st, Rollouts: batch, Texts: monitor.Texts(groups)})
//	for _, e := range events {
//		log.Print(e) // or stop, lower the learning rate, raise the temperature: the caller's policy
//	}
//
// Each step becomes a Record of signals (the policy's mean token entropy,
// KL to the reference and its rate, distinct-n and embedding similarity
// within groups and across steps, the shares of zero-variance and starved
// groups, B-STaR's balance score, CREAM's consistency, reward–verifier
// disagreement, the regression probe's score); each signal is also a
// function of its own (DistinctN, GroupSimilarity, ZeroVarianceShare,
// Balance, Consistency, Disagreement, ...). Detectors read the records
// and raise Events that name the detector, the signal, the window of
// steps, the values, the baseline and the threshold: EntropyCollapse,
// DiversityCollapse, KLRunaway, RewardHacking, ProbeRegression,
// Starvation, and any Detector of the caller's. Their default thresholds
// come from runs of the built-in stories260K model, given in each one's
// documentation.
//
// A run's records and events are written as JSON lines (Config.Log,
// WriteRecord, WriteEvent, Run.WriteTo), read back by ReadRun, plotted
// from Run.Series and shown in a terminal by Run.String.
//
// References: Zhou et al., "Evolving Language Models without Labels"
// (EVOL-RL, 2025); Zeng et al., "B-STaR" (ICLR 2025); Wang et al.,
// "CREAM" (2024); Shao et al., "Your Agent May Misevolve" (2025); Yu et
// al., "DAPO" (2025).
package monitor
