package policy

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func completion(prompt int, tokens []int, lp []float64) Completion {
	return Completion{Prompt: prompt, PromptTokens: []int{1, 7}, Tokens: tokens, LogProbs: lp}
}

func TestNewRollouts(t *testing.T) {
	groups := [][]Completion{
		{completion(0, []int{4, 5, 6}, []float64{-1, -2, -3}), completion(0, []int{4}, []float64{-0.5})},
		{completion(1, []int{9, 9}, []float64{-0.1, -0.2})},
	}
	r, err := NewRollouts(groups, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r.B != 3 || r.T != 3 {
		t.Fatalf("B, T = %d, %d, want 3, 3", r.B, r.T)
	}
	if want := []int{0, 0, 1}; !reflect.DeepEqual(r.Groups, want) {
		t.Errorf("Groups = %v, want %v", r.Groups, want)
	}
	if want := []float64{-1, -2, -3, -0.5, 0, 0, -0.1, -0.2, 0}; !reflect.DeepEqual(r.OldLogProbs, want) {
		t.Errorf("OldLogProbs = %v, want %v", r.OldLogProbs, want)
	}
	if want := []float64{1, 1, 1, 1, 0, 0, 1, 1, 0}; !reflect.DeepEqual(r.Mask, want) {
		t.Errorf("Mask = %v, want %v", r.Mask, want)
	}
	if s := r.Seqs[2]; !reflect.DeepEqual(s, Sequence{Prompt: []int{1, 7}, Completion: []int{9, 9}}) {
		t.Errorf("Seqs[2] = %+v", s)
	}
	// A T longer than every completion pads them all; equal lengths and
	// no padding leave the mask nil; no log-probs leave OldLogProbs nil.
	if r, err := NewRollouts(groups, 5); err != nil || r.T != 5 || len(r.Mask) != 15 {
		t.Errorf("T = 5: %+v, %v", r, err)
	}
	even := [][]Completion{{completion(0, []int{3, 4}, nil), completion(0, []int{5, 6}, nil)}}
	if r, err := NewRollouts(even, 0); err != nil || r.Mask != nil || r.OldLogProbs != nil {
		t.Errorf("equal lengths, no log-probs: %+v, %v", r, err)
	}
}

func TestNewRolloutsErrors(t *testing.T) {
	ok := func() Completion { return completion(0, []int{4, 5}, []float64{-1, -2}) }
	cases := []struct {
		name   string
		groups [][]Completion
		T      int
		want   string
	}{
		{"no group", nil, 0, "no group"},
		{"empty group", [][]Completion{{ok()}, {}}, 0, "groups[1] is empty"},
		{"mismatched group id", [][]Completion{{ok(), completion(3, []int{1}, []float64{-1})}}, 0, "groups[0][1].Prompt = 3, want 0"},
		{"no prompt tokens", [][]Completion{{{Prompt: 0, Tokens: []int{1}}}}, 0, "groups[0][0].PromptTokens is empty"},
		{"no token", [][]Completion{{completion(0, nil, nil)}}, 0, "groups[0][0].Tokens is empty"},
		{"ragged log-probs", [][]Completion{{completion(0, []int{4, 5}, []float64{-1})}}, 0, "groups[0][0]: len(LogProbs) = 1, want len(Tokens) = 2"},
		{"NaN log-prob", [][]Completion{{ok(), completion(0, []int{4, 5}, []float64{-1, math.NaN()})}}, 0, "groups[0][1].LogProbs[1] is NaN"},
		{"Inf log-prob", [][]Completion{{completion(0, []int{4}, []float64{math.Inf(-1)})}}, 0, "groups[0][0].LogProbs[0] is -Inf"},
		{"log-probs on some", [][]Completion{{ok(), completion(0, []int{4}, nil)}}, 0, "groups[0][1]: LogProbs set on some completions"},
		{"longer than T", [][]Completion{{ok()}, {completion(1, []int{1, 2, 3}, []float64{-1, -1, -1})}}, 2, "groups[1][0] has 3 tokens, more than T = 2"},
		{"negative T", [][]Completion{{ok()}}, -1, "T = -1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewRollouts(tc.groups, tc.T); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// FuzzNewRollouts decodes groups of completions from bytes; NewRollouts
// must return an error or a batch that validates, never panic.
func FuzzNewRollouts(f *testing.F) {
	f.Add([]byte{2, 3, 1, 2, 5, 200, 201, 0, 1, 9, 2}, 0)
	f.Add([]byte{1, 1, 0, 0, 255}, 1)
	f.Add([]byte{3, 0, 2, 7, 7, 7, 7, 254}, 3)
	f.Fuzz(func(t *testing.T, data []byte, T int) {
		next := func() int {
			if len(data) == 0 {
				return 0
			}
			c := data[0]
			data = data[1:]
			return int(c)
		}
		groups := make([][]Completion, next()%5)
		for i := range groups {
			groups[i] = make([]Completion, next()%4)
			for j := range groups[i] {
				c := Completion{Prompt: i, PromptTokens: make([]int, next()%3)}
				if next()%7 == 0 {
					c.Prompt = next()
				}
				c.Tokens = make([]int, next()%6)
				if n := next() % 8; n < 7 {
					c.LogProbs = make([]float64, n)
					for k := range c.LogProbs {
						switch v := next(); v {
						case 255:
							c.LogProbs[k] = math.NaN()
						case 254:
							c.LogProbs[k] = math.Inf(-1)
						default:
							c.LogProbs[k] = -float64(v) / 16
						}
					}
				}
				groups[i][j] = c
			}
		}
		r, err := NewRollouts(groups, T%10)
		if err != nil {
			return
		}
		r.LogProbs = make([]float64, r.B*r.T)
		if err := r.Validate(); err != nil {
			t.Fatalf("NewRollouts gave an invalid batch: %v", err)
		}
		if len(r.Seqs) != r.B || len(r.Groups) != r.B {
			t.Fatalf("%d seqs, %d groups for B = %d", len(r.Seqs), len(r.Groups), r.B)
		}
	})
}
