package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/evolve-go/evolve/policy/llama"
	"github.com/evolve-go/evolve/policy/llama/stories260k"
)

// llamaChecks are further checks of a llama case that need more than the
// model core (the tokenizer and the sampler); other files append to it from
// their init functions. Each runs after checkLlama's own checks.
var llamaChecks []func(t *testing.T, c *Case, m *llama.Model)

func init() { register("llama", checkLlama) }

// llamaFile returns the bytes of a file a llama case names: the shipped
// copy when the name is that of the shipped checkpoint or tokenizer, else
// the file of that name beside the case.
func llamaFile(t *testing.T, c *Case, key string) []byte {
	t.Helper()
	var name string
	if _, err := Decode(c.Params, key, &name, false); err != nil {
		t.Fatal(err)
	}
	switch name {
	case stories260k.CheckpointName:
		return stories260k.Checkpoint
	case stories260k.TokenizerName:
		return stories260k.Tokenizer
	}
	data, err := os.ReadFile(filepath.Join(filepath.Dir(c.File), filepath.Base(name)))
	if err != nil {
		t.Fatalf("%s: params.%s: %v", c.File, key, err)
	}
	return data
}

func checkLlama(t *testing.T, c *Case) {
	m, err := llama.LoadBytes(llamaFile(t, c, "model"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Dim, Hidden, Layers, Heads int
		KVHeads                    int `json:"kv_heads"`
		Vocab                      int
		SeqLen                     int `json:"seq_len"`
		Shared                     bool
	}
	if _, err := Decode(c.Expect, "config", &cfg, false); err != nil {
		t.Fatal(err)
	}
	want := llama.Config{Dim: cfg.Dim, Hidden: cfg.Hidden, Layers: cfg.Layers, Heads: cfg.Heads,
		KVHeads: cfg.KVHeads, Vocab: cfg.Vocab, SeqLen: cfg.SeqLen, Shared: cfg.Shared}
	if m.Config != want {
		t.Errorf("config = %+v, want %+v", m.Config, want)
	}
	var cases []struct {
		Tokens []int                `json:"tokens"`
		LogP   []float64            `json:"logp"`
		Grad   map[string][]float64 `json:"grad_sum_logp"`
	}
	if _, err := Decode(c.Expect, "cases", &cases, false); err != nil {
		t.Fatal(err)
	}
	const tol = 1e-4
	for ci, cs := range cases {
		if len(cs.Tokens) < 2 {
			t.Fatalf("cases[%d]: %d tokens", ci, len(cs.Tokens))
		}
		T := len(cs.Tokens) - 1
		logp := make([]float64, T)
		tape, err := m.Forward(logp, []llama.Sequence{{Prompt: cs.Tokens[:1], Completion: cs.Tokens[1:]}}, T)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs.LogP) != T {
			t.Fatalf("cases[%d]: %d logp for %d tokens", ci, len(cs.LogP), len(cs.Tokens))
		}
		for i, w := range cs.LogP {
			if !Close(logp[i], w, tol) {
				t.Errorf("cases[%d].logp[%d] = %.9g, want %.9g", ci, i, logp[i], w)
			}
		}
		g := m.NewGrads()
		ones := make([]float64, T)
		for i := range ones {
			ones[i] = 1
		}
		if err := tape.Backward(ones, g); err != nil {
			t.Fatal(err)
		}
		for _, err := range llamaGrads(m, g, cs.Tokens[0], cs.Grad, tol) {
			t.Errorf("cases[%d].%v", ci, err)
		}
	}
	for _, check := range llamaChecks {
		check(t, c, m)
	}
}

// llamaGradNames are the gradients of grad_sum_logp that
// testdata/golden/README.md lists: a case must give every one of them and
// no other.
var llamaGradNames = []string{"rms_final", "rms_att_layer0", "wq_layer0_row0", "w2_layer4_row0", "emb_row_of_first_token"}

// llamaGrads compares the gradients g of model m, for a sequence whose
// first token is tok0, with a case's grad_sum_logp and returns one error
// per problem: a missing or unknown gradient, a row the model does not
// have (fewer than five layers, a token outside the vocabulary), a length
// that differs, and (at most five per gradient) values off by more than
// tol.
func llamaGrads(m *llama.Model, g *llama.Grads, tok0 int, want map[string][]float64, tol float64) []error {
	var errs []error
	dim, hid := m.Config.Dim, m.Config.Hidden
	// where gives the parameter slice and the offset and length of each
	// gradient's row within it.
	where := map[string]struct {
		v      []float32
		off, n int
	}{
		"rms_final":              {g.RMSFinal, 0, dim},
		"rms_att_layer0":         {g.RMSAtt, 0, dim},
		"wq_layer0_row0":         {g.WQ, 0, dim},
		"w2_layer4_row0":         {g.W2, 4 * dim * hid, hid},
		"emb_row_of_first_token": {g.TokenEmbedding, tok0 * dim, dim},
	}
	for _, name := range llamaGradNames {
		if _, ok := want[name]; !ok {
			errs = append(errs, fmt.Errorf("grad_sum_logp.%s: missing", name))
		}
	}
	names := make([]string, 0, len(want))
	for name := range want {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		w := want[name]
		r, ok := where[name]
		if !ok {
			errs = append(errs, fmt.Errorf("grad_sum_logp.%s: unknown gradient", name))
			continue
		}
		if r.off < 0 || r.off > len(r.v) || r.n > len(r.v)-r.off {
			errs = append(errs, fmt.Errorf("grad_sum_logp.%s: the model (%d layers, vocabulary %d; tokens[0] = %d) has no such row", name, m.Config.Layers, m.Config.Vocab, tok0))
			continue
		}
		gv := r.v[r.off : r.off+r.n]
		if len(w) != len(gv) {
			errs = append(errs, fmt.Errorf("grad_sum_logp.%s: %d values, want %d", name, len(w), len(gv)))
			continue
		}
		bad := 0
		for i := range w {
			if !Close(float64(gv[i]), w[i], tol) {
				if bad < 5 {
					errs = append(errs, fmt.Errorf("grad_sum_logp.%s[%d] = %.9g, want %.9g", name, i, gv[i], w[i]))
				}
				bad++
			}
		}
	}
	return errs
}
