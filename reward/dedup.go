package reward

import (
	"context"
	"fmt"
	"math"
)

// DuplicateShare is the repetition signal of Agent0's curriculum agent:
// texts (for example the tasks a proposer generated in one batch of B) are
// clustered by similarity, and each text gets the size of its cluster
// over the batch size,
//
//	rep_i = |C(i)| / B
//
// which the caller turns into a penalty λ·rep_i. Two texts are linked when
// the cosine similarity of their embeddings is at least Threshold, and the
// clusters are the connected components of that graph (single linkage).
// Agent0 links tasks by BLEU distance; an Embedder is used here instead
// (HashEmbedder by default, which measures the same kind of surface
// overlap).
//
// References: Agent0 (Xia et al., 2025), repetition penalty;
// docs/ALGORITHMS.md §5.
type DuplicateShare struct {
	// Embedder embeds the texts. Default HashEmbedder{}.
	Embedder Embedder
	// Threshold is the cosine similarity at or above which two texts are
	// near-duplicates. Default (0): 0.5 (Agent0's BLEU threshold τ = 0.5).
	// Must lie in [0, 1].
	Threshold float64
}

// Shares returns |C(i)|/B for every text, and the cluster index of each
// text (clusters numbered by first member).
func (d DuplicateShare) Shares(ctx context.Context, texts []string) (share []float64, cluster []int, err error) {
	th := d.Threshold
	if math.IsNaN(th) || th < 0 || th > 1 {
		return nil, nil, fmt.Errorf("reward: DuplicateShare.Threshold is %v, want in [0, 1]", th)
	}
	if th == 0 {
		th = 0.5
	}
	if len(texts) == 0 {
		return []float64{}, []int{}, nil
	}
	emb := d.Embedder
	if emb == nil {
		emb = HashEmbedder{}
	}
	vecs, err := emb.Embed(ctx, texts)
	if err != nil {
		return nil, nil, fmt.Errorf("reward: DuplicateShare.Embedder: %w", err)
	}
	if len(vecs) != len(texts) {
		return nil, nil, fmt.Errorf("reward: DuplicateShare.Embedder returned %d vectors for %d texts", len(vecs), len(texts))
	}
	if err := checkEmbeddings("reward: DuplicateShare: embedding", vecs); err != nil {
		return nil, nil, err
	}
	n := len(texts)
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if Cosine(vecs[i], vecs[j]) >= th {
				a, b := find(i), find(j)
				if a != b {
					if a < b {
						parent[b] = a
					} else {
						parent[a] = b
					}
				}
			}
		}
	}
	size := make(map[int]int, n)
	for i := range texts {
		size[find(i)]++
	}
	id := make(map[int]int, n)
	share = make([]float64, n)
	cluster = make([]int, n)
	for i := range texts {
		r := find(i)
		if _, ok := id[r]; !ok {
			id[r] = len(id)
		}
		cluster[i] = id[r]
		share[i] = float64(size[r]) / float64(n)
	}
	return share, cluster, nil
}
