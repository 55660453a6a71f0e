package golden

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evolve-go/evolve/policy/llama"
)

// A kind no checker knows is reported, never skipped.
func TestCheckerUnknownKind(t *testing.T) {
	_, err := checker(&Case{File: "cases/x.json", Kind: "no_such_kind"})
	if err == nil || !strings.Contains(err.Error(), `cases/x.json: unknown kind "no_such_kind"`) {
		t.Errorf("error %v, want an unknown kind naming the file", err)
	}
	for _, kind := range []string{"advantage", "gae", "policy_loss", "nft", "llama"} {
		if _, err := checker(&Case{Kind: kind}); err != nil {
			t.Errorf("kind %q: %v", kind, err)
		}
	}
}

// Load fails on a folder without cases, on malformed or truncated JSON and
// on a case without a kind, naming the file.
func TestLoadErrors(t *testing.T) {
	good := `{"name": "g", "kind": "gae", "params": {}, "inputs": {}, "expect": {}}`
	for _, c := range []struct {
		files map[string]string
		want  string
	}{
		{nil, "no *.json case"},
		{map[string]string{"a.json": good, "b.json": good[:len(good)-20]}, "b.json: unexpected end of JSON input"},
		{map[string]string{"a.json": `{"name": "a", "kind": 7}`}, "a.json: json: cannot unmarshal number"},
		{map[string]string{"a.json": good + "}"}, "a.json: invalid character"},
		{map[string]string{"a.json": good, "b.json": `{"name": "b", "params": {}}`}, "b.json: no kind"},
		{map[string]string{"a.json": `{"name": "a", "kind": ""}`}, "a.json: no kind"},
	} {
		dir := t.TempDir()
		for name, data := range c.files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		cases, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("files %v: cases %v, error %v, want one containing %q", c.files, cases, err, c.want)
		}
	}
}

// llamaGrads reports, rather than panics on, a case for a model with fewer
// than five layers or a first token outside the vocabulary, and reports
// a missing or unknown gradient.
func TestLlamaGradsErrors(t *testing.T) {
	model := func(layers int) *llama.Model {
		m, err := llama.New(llama.Config{Dim: 8, Hidden: 12, Layers: layers, Heads: 2, KVHeads: 1, Vocab: 16, SeqLen: 8, Shared: true}, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	zeros := func(drop string, extra ...string) map[string][]float64 {
		w := map[string][]float64{}
		for _, name := range llamaGradNames {
			n := 8
			if name == "w2_layer4_row0" {
				n = 12
			}
			w[name] = make([]float64, n)
		}
		delete(w, drop)
		for _, name := range extra {
			w[name] = []float64{0}
		}
		return w
	}
	m5 := model(5)
	if errs := llamaGrads(m5, m5.NewGrads(), 3, zeros(""), 1e-4); len(errs) != 0 {
		t.Errorf("five layers, every gradient: %v", errs)
	}
	m2 := model(2)
	for _, c := range []struct {
		m    *llama.Model
		tok0 int
		want map[string][]float64
		errs []string
	}{
		{m2, 3, zeros(""), []string{"grad_sum_logp.w2_layer4_row0: the model (2 layers, vocabulary 16; tokens[0] = 3) has no such row"}},
		{m5, 16, zeros(""), []string{"grad_sum_logp.emb_row_of_first_token: the model (5 layers, vocabulary 16; tokens[0] = 16) has no such row"}},
		{m5, -1, zeros(""), []string{"emb_row_of_first_token: the model (5 layers, vocabulary 16; tokens[0] = -1) has no such row"}},
		{m5, 3, zeros("wq_layer0_row0"), []string{"grad_sum_logp.wq_layer0_row0: missing"}},
		{m5, 3, nil, []string{"rms_final: missing", "rms_att_layer0: missing", "wq_layer0_row0: missing", "w2_layer4_row0: missing", "emb_row_of_first_token: missing"}},
		{m5, 3, zeros("", "w1_layer0_row0"), []string{"grad_sum_logp.w1_layer0_row0: unknown gradient"}},
		{m5, 3, map[string][]float64{"rms_final": {0}}, []string{"rms_final: 1 values, want 8", "rms_att_layer0: missing"}},
	} {
		errs := llamaGrads(c.m, c.m.NewGrads(), c.tok0, c.want, 1e-4)
		var all []string
		for _, err := range errs {
			all = append(all, err.Error())
		}
		text := strings.Join(all, "\n")
		for _, want := range c.errs {
			if !strings.Contains(text, want) {
				t.Errorf("tokens[0] = %d, %d layers: errors\n%s\nwant one containing %q", c.tok0, c.m.Config.Layers, text, want)
			}
		}
		if c.want != nil && len(c.want) == len(llamaGradNames) && len(errs) != len(c.errs) {
			t.Errorf("tokens[0] = %d, %d layers: %d errors %q, want %d", c.tok0, c.m.Config.Layers, len(errs), all, len(c.errs))
		}
	}
	// a wrong value is reported too
	g := m5.NewGrads()
	g.RMSFinal[2] = 1
	if errs := llamaGrads(m5, g, 3, zeros(""), 1e-4); len(errs) != 1 || !strings.Contains(errs[0].Error(), "grad_sum_logp.rms_final[2] = 1, want 0") {
		t.Errorf("errors %v, want one for rms_final[2]", errs)
	}
}
