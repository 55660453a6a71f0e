package policy

// Stats are the diagnostics of one evaluation of an objective, the same
// type for every objective of this package and of package preference. A
// field an objective does not compute stays 0; each field says which
// objectives fill it. Means over tokens are over the counted tokens.
type Stats struct {
	// Loss is the value of the objective. The surrogate objectives (PG,
	// NFT) are 0 or close to it on-policy whatever the policy: their value
	// is a device for the gradient. Watch the rewards, the log-likelihoods
	// of StepStats and the KL instead.
	Loss float64
	// Tokens is the number of counted tokens (the mask's sum) over the
	// rows the objective read.
	Tokens float64

	// ClipFracLow is the fraction of tokens whose ratio is below the lower
	// clip with A < 0 (their gradient is 0). PG.
	ClipFracLow float64
	// ClipFracHigh is the fraction of tokens whose ratio is above the
	// upper clip with A > 0 (PPOClip), or above the cap (CISPO). PG.
	ClipFracHigh float64
	// ClipFrac is the fraction of tokens on which a clip holds: PG's
	// ClipFracLow + ClipFracHigh; NFT's tokens of incorrect answers whose
	// negative ratio is clipped at ε; RDP's tokens whose log-ratio lies
	// outside its proximal range.
	ClipFrac float64
	// MeanRatio is the mean of r = exp(lp − old) (GSPO: of s_i). PG, NFT.
	MeanRatio float64
	// ApproxKL is the mean of r − 1 − log r, an estimate of KL(π_old‖πθ)
	// (CleanRL's approx_kl). PG, NFT.
	ApproxKL float64
	// KLTerm is the mean of the KL estimator k(ref − lp), before the
	// coefficient; 0 when the KL penalty is off. PG.
	KLTerm float64

	// Pairs is the number of pairs (KTO: labelled rows) the loss averages
	// over. Package preference.
	Pairs int
	// ChosenReward and RejectedReward are the mean implicit rewards of the
	// chosen (KTO: desirable) and rejected (undesirable) rows of the
	// pairs: β times the row's log-ratio to the reference (SimPO: β times
	// its mean log-prob), as TRL reports them. For RDP and CoPG the chosen
	// row of a pair is the one with the higher reward. Package preference.
	ChosenReward, RejectedReward float64
	// Margin is the mean of chosen minus rejected implicit reward.
	// Package preference.
	Margin float64
	// RewardAccuracy is the fraction of pairs whose chosen implicit reward
	// exceeds the rejected one; for RDP and CoPG, the fraction of pairs
	// with R_a ≠ R_b whose log-ratio difference has the sign of R_a − R_b.
	// Package preference.
	RewardAccuracy float64
	// ClippedPairs is the fraction of pairs whose clipped loss exceeded
	// the unclipped one and so was used. RDP with a proximal clip.
	ClippedPairs float64
	// RefPoint is the reference point z₀ used. KTO.
	RefPoint float64
}
