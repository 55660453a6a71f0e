package main

import (
	"bytes"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The optimum of the paper's bandit, computed here from its definition
// π*(y) = π_ref(y)·exp(R(y)/β)/Z with π_ref uniform, R = (2.5, 2, 1) and
// β = 0.5, independently of the program's code.
var wantOptimum = func() []float64 {
	e := []float64{math.Exp(2.5 / 0.5), math.Exp(2 / 0.5), math.Exp(1 / 0.5)}
	z := e[0] + e[1] + e[2]
	return []float64{e[0] / z, e[1] / z, e[2] / z}
}()

// ipoLimit is the policy IPO converges to as the pairs grow many: the
// minimiser over h = ln(π/π_ref) of the expected IPO loss, which for a
// pair (y, y′) drawn from μ1 × μ2 and labelled by Bradley–Terry is
// least at h(y) − h(y′) = (2σ(R(y) − R(y′)) − 1)/(2β); over the six
// ordered pairs of different arms, weighted by μ1(y)·μ2(y′), that is a
// weighted least-squares problem in (h1 − h3, h2 − h3), solved here by
// its 2×2 normal equations.
func ipoLimit() []float64 {
	r, mu1, mu2 := []float64{2.5, 2, 1}, []float64{0.1, 0.2, 0.7}, []float64{0.05, 0.05, 0.9}
	var s [2][2]float64
	var b [2]float64
	for i := range 3 {
		for j := range 3 {
			if i == j {
				continue
			}
			t := (2/(1+math.Exp(r[j]-r[i])) - 1) / (2 * 0.5)
			w := mu1[i] * mu2[j]
			var a [3]float64
			a[i], a[j] = a[i]+1, a[j]-1
			for x := range 2 {
				b[x] += w * a[x] * t
				for y := range 2 {
					s[x][y] += w * a[x] * a[y]
				}
			}
		}
	}
	det := s[0][0]*s[1][1] - s[0][1]*s[1][0]
	h0, h1 := (b[0]*s[1][1]-s[0][1]*b[1])/det, (s[0][0]*b[1]-s[1][0]*b[0])/det
	z := math.Exp(h0) + math.Exp(h1) + 1
	return []float64{math.Exp(h0) / z, math.Exp(h1) / z, 1 / z}
}

// regretOf is J(π*) − J(π) with J(π) = Σ π·R − β·Σ π·ln(3π), written out
// for the paper's bandit.
func regretOf(pi []float64) float64 {
	j := func(p []float64) float64 {
		r := []float64{2.5, 2, 1}
		s := 0.0
		for a, x := range p {
			s += x*r[a] - 0.5*x*math.Log(3*x)
		}
		return s
	}
	return j(wantOptimum) - j(pi)
}

var rowRE = regexp.MustCompile(`^(\S.*?)\s{2,}\(([0-9.]+), ([0-9.]+), ([0-9.]+)\)\s+(\S+)\s+(\S+)\s+(\S+)$`)

// row is one parsed line of the table.
type row struct {
	pi     []float64
	regret float64
}

// TestBanditTable runs the comparison with 1000 pairs and checks what
// the example claims: CoPG (and RDP, and the policy gradient with the
// optimal value baseline) reach π* — regret below 0.01 — while IPO and the
// policy gradient without a baseline stay above 0.05; every printed regret
// is J(π*) − J(π) of the printed policy; IPO's policy is near the limit
// its loss has for many pairs.
func TestBanditTable(t *testing.T) {
	var buf bytes.Buffer
	if err := run(&buf, []string{"-pairs", "1000", "-steps", "3000"}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if want := "optimum: π* ∝ π_ref·exp(R/β) = " + vec(wantOptimum, 4); !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	rows := parseRows(t, out)
	for _, name := range []string{"CoPG (rewards)", "RDP (rewards)", "PG, value baseline V*"} {
		r := rows[name]
		if r.regret >= 0.01 {
			t.Errorf("%s: regret %v, want < 0.01", name, r.regret)
		}
		for a := range wantOptimum {
			if math.Abs(r.pi[a]-wantOptimum[a]) > 1e-3 {
				t.Errorf("%s: π = %v, want π* = %v", name, r.pi, wantOptimum)
				break
			}
		}
	}
	for _, name := range []string{"IPO (BT labels)", "PG, no baseline"} {
		if r := rows[name]; r.regret <= 0.05 {
			t.Errorf("%s: regret %v, want > 0.05", name, r.regret)
		}
	}
	// With 1000 pairs IPO's policy lies near its many-pair limit, which
	// is not π*.
	ipo, limit := rows["IPO (BT labels)"].pi, ipoLimit()
	t.Logf("IPO's many-pair limit %.3f, regret %.3f", limit, regretOf(limit))
	for a := range limit {
		if math.Abs(ipo[a]-limit[a]) > 0.05 {
			t.Errorf("IPO: π = %v, its limit %v", ipo, limit)
			break
		}
	}
	if regretOf(limit) < 0.1 {
		t.Errorf("IPO's limit %v has regret %v, want a policy far from π*", limit, regretOf(limit))
	}
	for name, r := range rows {
		if got := regretOf(r.pi); math.Abs(got-r.regret) > 2e-3 {
			t.Errorf("%s: printed regret %v, J(π*) − J(π) of the printed π is %v", name, r.regret, got)
		}
	}
}

// parseRows returns the rows of the table by method, checking that every
// method has one.
func parseRows(t *testing.T, out string) map[string]row {
	t.Helper()
	rows := map[string]row{}
	for _, line := range strings.Split(out, "\n") {
		m := rowRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		var r row
		for _, s := range m[2:6] {
			x, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
			if len(r.pi) < 3 {
				r.pi = append(r.pi, x)
			} else {
				r.regret = x
			}
		}
		rows[m[1]] = r
	}
	for _, name := range []string{"π_ref (untrained)", "CoPG (rewards)", "RDP (rewards)", "IPO (BT labels)",
		"DPO (BT labels)", "PG, no baseline", "PG, value baseline V*"} {
		if _, ok := rows[name]; !ok {
			t.Fatalf("no row for %q in:\n%s", name, out)
		}
	}
	return rows
}

// The same seed gives the same pairs and labels; another seed does not.
func TestSampleSeeded(t *testing.T) {
	p := paperProblem()
	a, err := p.sample(200, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := p.sample(200, 7)
	c, _ := p.sample(200, 8)
	same := func(x, y dataset) bool {
		for k := range x.Y {
			if x.Y[k] != y.Y[k] || x.Y2[k] != y.Y2[k] || x.Prefer[k] != y.Prefer[k] {
				return false
			}
		}
		return true
	}
	if !same(a, b) || same(a, c) {
		t.Error("sampling is not determined by the seed")
	}
}

func TestBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"-pairs", "0"}, {"-steps", "0"}, {"-lr", "-1"}, {"-lr", "NaN"}, {"-tol", "-1"}, {"extra"}, {"-nope"},
	} {
		if err := run(&bytes.Buffer{}, args); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
	bad := []func(*problem){
		func(p *problem) { p.Beta = 0 },
		func(p *problem) { p.R = p.R[:1] },
		func(p *problem) { p.R[1] = math.Inf(1) },
		func(p *problem) { p.Mu1 = []float64{0.5, 0.5, 0} },
		func(p *problem) { p.Mu2 = []float64{0.5, 0.5} },
		func(p *problem) { p.Ref = []float64{0.5, 0.25, 0.2} },
	}
	for i, f := range bad {
		p := paperProblem()
		f(&p)
		if err := p.check(); err == nil {
			t.Errorf("bad problem %d accepted", i)
		}
	}
	// Every pair of the same arm: no pair for CoPG to learn from.
	p := paperProblem()
	d := dataset{Y: []int{2, 2}, Y2: []int{2, 2}, Prefer: []bool{true, false}}
	if _, err := train(p, methods(p)[0], d, config{Steps: 1, LR: 0.1}); err == nil {
		t.Error("a dataset with no usable pair trained")
	}
}
