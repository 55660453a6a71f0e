// Package golden reads the project's golden cases: reference values for
// every loss, estimator and model, computed outside the project (PyTorch
// autograd in float64 for the losses; a PyTorch port of llama2.c's forward
// pass and llama2.c's own tokenizer for the model).
//
// Every file is one case {"name", "kind", "params", "inputs", "expect"}; the
// format is described in testdata/golden/README.md. TestGolden checks every
// case of testdata/golden, or of $GOLDEN_DIR when that is set:
//
//	GOLDEN_DIR=DIR go test ./internal/golden/ -run TestGolden
package golden

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
)

// Case is one golden case. Params, Inputs and Expect keep their values raw;
// Decode reads one into a Go value.
type Case struct {
	File   string                     `json:"-"`
	Name   string                     `json:"name"`
	Kind   string                     `json:"kind"`
	Params map[string]json.RawMessage `json:"params"`
	Inputs map[string]json.RawMessage `json:"inputs"`
	Expect map[string]json.RawMessage `json:"expect"`
}

// Load reads every *.json file of dir, sorted by name.
func Load(dir string) ([]*Case, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("golden: no *.json case in %s", dir)
	}
	sort.Strings(files)
	cases := make([]*Case, 0, len(files))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		c := new(Case)
		if err := json.Unmarshal(data, c); err != nil {
			return nil, fmt.Errorf("golden: %s: %w", f, err)
		}
		if c.Kind == "" {
			return nil, fmt.Errorf("golden: %s: no kind", f)
		}
		c.File = f
		cases = append(cases, c)
	}
	return cases, nil
}

// Decode unmarshals m[key] into v. A missing key is an error unless
// optional is set, in which case v is left unchanged and ok is false.
func Decode(m map[string]json.RawMessage, key string, v any, optional bool) (ok bool, err error) {
	raw, found := m[key]
	if !found || string(raw) == "null" {
		if optional {
			return false, nil
		}
		return false, fmt.Errorf("golden: missing %q", key)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, fmt.Errorf("golden: %q: %w", key, err)
	}
	return true, nil
}

// Close reports whether got is within tol of want, absolutely or
// relatively (the README's "1e-9 absolute or relative").
func Close(got, want, tol float64) bool {
	if math.IsNaN(got) || math.IsNaN(want) {
		return false
	}
	d := math.Abs(got - want)
	return d <= tol || d <= tol*math.Abs(want)
}
