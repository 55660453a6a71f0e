package reward

import (
	"context"
	"fmt"
	"math"
	"strings"
)

// Embedder maps texts to vectors, one per text, for semantic similarity.
// Vectors need not be normalised; all vectors of one call must have the
// same length.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float64, error)
}

// HashEmbedder is a deterministic, model-free Embedder: each text is
// lower-cased, its whitespace runs collapsed to one space and padded with
// a space on each side; every character n-gram is hashed (FNV-1a, 64 bit)
// into one of Dim buckets with a sign taken from the hash (the "hashing
// trick", which keeps unrelated texts near-orthogonal), and the vector is
// L2-normalised. An empty text gets the zero vector (cosine similarity 0
// with everything). Texts shorter than N characters form one n-gram.
//
// It measures surface overlap, not meaning; plug in a sentence-embedding
// model through Embedder where semantics matter.
//
// References: Weinberger et al., "Feature Hashing for Large Scale
// Multitask Learning", ICML 2009.
type HashEmbedder struct {
	// N is the n-gram length in characters (runes). Default (0): 3.
	// Negative is an error.
	N int
	// Dim is the vector length. Default (0): 1024. Negative is an error.
	Dim int
}

// Embed returns one L2-normalised vector per text.
func (h HashEmbedder) Embed(ctx context.Context, texts []string) ([][]float64, error) {
	n, dim := h.N, h.Dim
	if n < 0 {
		return nil, fmt.Errorf("reward: HashEmbedder.N is %d, want ≥ 0", n)
	}
	if dim < 0 {
		return nil, fmt.Errorf("reward: HashEmbedder.Dim is %d, want ≥ 0", dim)
	}
	if n == 0 {
		n = 3
	}
	if dim == 0 {
		dim = 1024
	}
	out := make([][]float64, len(texts))
	for i, t := range texts {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		out[i] = hashEmbed(t, n, dim)
	}
	return out, nil
}

func hashEmbed(text string, n, dim int) []float64 {
	v := make([]float64, dim)
	norm := strings.Join(strings.Fields(strings.ToLower(text)), " ")
	if norm == "" {
		return v
	}
	b := " " + norm + " "
	// Rune start offsets, plus len(b), so that n-gram i is b[at[i]:at[i+n]].
	at := make([]int, 0, len(b)+1)
	for i := range b {
		at = append(at, i)
	}
	at = append(at, len(b))
	runes := len(at) - 1
	add := func(g string) {
		// FNV-1a, 64 bit.
		x := uint64(14695981039346656037)
		for i := 0; i < len(g); i++ {
			x ^= uint64(g[i])
			x *= 1099511628211
		}
		sign := 1.0
		if x>>63 == 1 {
			sign = -1
		}
		v[(x&(1<<63-1))%uint64(dim)] += sign
	}
	if runes <= n {
		add(b)
	} else {
		for i := 0; i+n <= runes; i++ {
			add(b[at[i]:at[i+n]])
		}
	}
	ss := 0.0
	for _, x := range v {
		ss += x * x
	}
	if ss > 0 {
		inv := 1 / math.Sqrt(ss)
		for i := range v {
			v[i] *= inv
		}
	}
	return v
}

// Cosine is the cosine similarity of a and b; 0 when either is the zero
// vector. a and b must have the same length (not checked).
func Cosine(a, b []float64) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += a[i] * b[i]
		aa += a[i] * a[i]
		bb += b[i] * b[i]
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

// checkEmbeddings reports the first of vecs whose length differs from
// vecs[0]'s or that holds a value that is not finite, naming it
// name[i] or name[i][j].
func checkEmbeddings(name string, vecs [][]float64) error {
	for i, v := range vecs {
		if len(v) != len(vecs[0]) {
			return fmt.Errorf("%s[%d] has length %d, %s[0] has %d", name, i, len(v), name, len(vecs[0]))
		}
		for j, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("%s[%d][%d] is %v", name, i, j, x)
			}
		}
	}
	return nil
}

// EvolRL is EVOL-RL's label-free reward: the majority answer anchors
// selection and a novelty term rewards variation. For the group of one
// prompt, with answers from Extract and embeddings of the completions:
//
//	s̄_i = mean cosine similarity of i to the other members of its own
//	      class (the majority class or the minority class)
//	m_i = max cosine similarity of i to any other response of the prompt
//	u_i = 1 − (α s̄_i + (1−α) m_i)
//	ũ_i = (u_i − min u)/(max u − min u) within i's class
//	R_i = 0.5 + 0.5 ũ_i   (majority: R ∈ [0.5, 1])
//	R_i = −1 + 0.5 ũ_i    (minority: R ∈ [−1, −0.5])
//	R_i = −1              (no parseable answer)
//
// Edge cases (documented choices): a response alone in its class has
// s̄ = 0; a group of one response has m = 0; a class whose u values are all
// equal (including a class of one) gets ũ = 0.5. When no response parses,
// every reward is −1. The "other responses" of m include unparseable ones.
// Majority and minority follow MajorityVote (ties to the first answer).
// The training recipe around it (asymmetric clip 0.2/0.28, entropy bonus
// 0.003) belongs to the policy loss, not to this reward.
//
// References: "Evolving Language Models without Labels: Majority Drives
// Selection, Novelty Promotes Variation" (EVOL-RL), 2025; docs/ALGORITHMS.md §5.
type EvolRL struct {
	// Extract pulls the answer out of a completion. Default
	// CanonicalAnswer.
	Extract Extractor
	// Embedder embeds the completions. Default HashEmbedder{}.
	Embedder Embedder
	// Alpha weighs s̄ against m. Default (0): 0.5, the paper's. Must lie in
	// [0, 1]. Since 0 selects the default, α = 0 (weigh only m) is set
	// with MaxOnly.
	Alpha float64
	// MaxOnly sets α = 0: u_i = 1 − m_i, novelty from the nearest other
	// response alone. Default false. Setting it together with a non-zero
	// Alpha is an error.
	MaxOnly bool
}

// ScoreGroup returns the EVOL-RL reward of every completion of one prompt.
func (e EvolRL) ScoreGroup(ctx context.Context, group []Sample) ([]float64, error) {
	alpha, err := evolAlpha(e.Alpha, e.MaxOnly)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(group))
	if len(group) == 0 {
		return out, nil
	}
	emb := e.Embedder
	if emb == nil {
		emb = HashEmbedder{}
	}
	texts := make([]string, len(group))
	for i, s := range group {
		texts[i] = s.Completion
	}
	vecs, err := emb.Embed(ctx, texts)
	if err != nil {
		return nil, fmt.Errorf("reward: EvolRL.Embedder: %w", err)
	}
	if _, err := EvolRLRewards(out, Answers(group, e.Extract), vecs, alpha); err != nil {
		return nil, err
	}
	return out, nil
}

func evolAlpha(a float64, maxOnly bool) (float64, error) {
	if math.IsNaN(a) || a < 0 || a > 1 {
		return 0, fmt.Errorf("reward: EvolRL.Alpha is %v, want in [0, 1]", a)
	}
	if maxOnly {
		if a != 0 {
			return 0, fmt.Errorf("reward: EvolRL.Alpha is %v with MaxOnly set, want 0", a)
		}
		return 0, nil
	}
	if a == 0 {
		return 0.5, nil
	}
	return a, nil
}

// EvolRLRewards is the formula of EvolRL on precomputed answers ("" =
// unparseable) and embeddings (one per answer, equal lengths, finite),
// with α used as given (α ∈ [0, 1]). It writes the rewards into dst
// (len(answers)) and returns the majority vote.
func EvolRLRewards(dst []float64, answers []string, emb [][]float64, alpha float64) (Vote, error) {
	k := len(answers)
	switch {
	case len(dst) != k:
		return Vote{}, fmt.Errorf("reward: EvolRLRewards: len(dst) = %d, len(answers) = %d", len(dst), k)
	case len(emb) != k:
		return Vote{}, fmt.Errorf("reward: EvolRLRewards: %d embeddings for %d answers", len(emb), k)
	case math.IsNaN(alpha) || alpha < 0 || alpha > 1:
		return Vote{}, fmt.Errorf("reward: EvolRLRewards: alpha is %v, want in [0, 1]", alpha)
	}
	if err := checkEmbeddings("reward: EvolRLRewards: emb", emb); err != nil {
		return Vote{}, err
	}
	v := MajorityVote(answers)
	// class: 0 = majority, 1 = minority, -1 = unparseable.
	class := make([]int, k)
	for i, a := range answers {
		switch {
		case a == "":
			class[i] = -1
		case a == v.Answer:
			class[i] = 0
		default:
			class[i] = 1
		}
	}
	sim := make([]float64, k*k)
	for i := 0; i < k; i++ {
		for j := i + 1; j < k; j++ {
			c := Cosine(emb[i], emb[j])
			sim[i*k+j], sim[j*k+i] = c, c
		}
	}
	u := make([]float64, k)
	for i := 0; i < k; i++ {
		if class[i] < 0 {
			continue
		}
		sum, peers := 0.0, 0
		m := math.Inf(-1)
		for j := 0; j < k; j++ {
			if j == i {
				continue
			}
			m = math.Max(m, sim[i*k+j])
			if class[j] == class[i] {
				sum += sim[i*k+j]
				peers++
			}
		}
		sbar := 0.0
		if peers > 0 {
			sbar = sum / float64(peers)
		}
		if k == 1 {
			m = 0
		}
		u[i] = 1 - (alpha*sbar + (1-alpha)*m)
	}
	for c := 0; c <= 1; c++ {
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := range u {
			if class[i] == c {
				lo, hi = math.Min(lo, u[i]), math.Max(hi, u[i])
			}
		}
		base := 0.5
		if c == 1 {
			base = -1
		}
		for i := range u {
			if class[i] != c {
				continue
			}
			ut := 0.5
			if hi-lo > 1e-12 {
				ut = (u[i] - lo) / (hi - lo)
			}
			dst[i] = base + 0.5*ut
		}
	}
	for i := range dst {
		if class[i] < 0 {
			dst[i] = -1
		}
	}
	return v, nil
}
