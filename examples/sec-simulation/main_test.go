package main

import (
	"bytes"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var (
	stepsRE = regexp.MustCompile(`^(\d+) ± (\d+)(?: \[(\d+)\])?$`)
	ratioRE = regexp.MustCompile(`^\d+\.\d\d$`)
)

// table is one Markdown table of the output: the header cells and the
// body rows' cells.
type table struct {
	head []string
	rows [][]string
}

// tables splits the output into its Markdown tables.
func tables(t *testing.T, out string) []table {
	t.Helper()
	var ts []table
	lines := strings.Split(out, "\n")
	for i := 0; i < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "| ") {
			continue
		}
		tb := table{head: cells(lines[i])}
		if i+1 >= len(lines) || strings.Trim(lines[i+1], "-|") != "" {
			t.Fatalf("table at line %d has no rule: %q", i, lines[i+1])
		}
		for i += 2; i < len(lines) && strings.HasPrefix(lines[i], "| "); i++ {
			tb.rows = append(tb.rows, cells(lines[i]))
		}
		ts = append(ts, tb)
	}
	return ts
}

// cells splits a Markdown row, keeping escaped pipes inside a cell.
func cells(line string) []string {
	line = strings.ReplaceAll(strings.Trim(line, "| "), `\|`, "\x00")
	cs := strings.Split(line, " | ")
	for i, c := range cs {
		cs[i] = strings.ReplaceAll(c, "\x00", "|")
	}
	return cs
}

// TestRunTable runs the comparison with tiny settings and checks the
// three tables: every curriculum on every learner, well-formed numbers,
// and ratios that agree with the steps.
func TestRunTable(t *testing.T) {
	const seeds, maxSteps = 2, 3000
	var buf bytes.Buffer
	if err := run(&buf, seeds, maxSteps, 300, 10); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "over 2 seeds, cap 3000") {
		t.Fatalf("no settings line:\n%s", out)
	}
	ts := tables(t, out)
	if len(ts) != 5 {
		t.Fatalf("%d tables, want 5:\n%s", len(ts), out)
	}
	learners := []string{"default", "shifted", "no transfer", "8 categories", "8 independent", "16 categories"}
	names := []string{"SEC τ=0.1", "SEC τ=0.3", "SEC τ=1", "SEC τ=0.3, learnability p(1−p)", "EXP3.S on mean |A|",
		"D-UCB (γ 0.99) on mean |A|", "UCB1 on mean |A|", "Beta Thompson on mean |A|", "target progress (tried)", "Ladder",
		"uniform", "always the target", "easy→hard, 300 steps each", "easy→hard, adaptive (window 10)"}
	steps := checkTables(t, ts[:3], learners, names, maxSteps)
	checkRatios(t, ts[1], steps, 10)
	checkRatios(t, ts[2], steps, 13)
	// The shuffled labels: the adaptive schedule in the true order (the
	// same numbers as above), then the Ladder and the schedule under
	// shuffled labels, with their ratios to the first.
	shuffled := []string{names[13], "Ladder, labels shuffled", "easy→hard, adaptive, labels shuffled"}
	sh := checkTables(t, ts[3:], learners, shuffled, maxSteps)
	if !slices.Equal(sh[0], steps[13]) {
		t.Errorf("adaptive in the true order: %v, then %v", steps[13], sh[0])
	}
	checkRatios(t, ts[4], sh, 0)
	if err := run(&buf, 0, maxSteps, 300, 10); err == nil {
		t.Error("0 seeds: no error")
	}
}

// checkTables checks a steps table followed by ratio tables, each with
// the learners as columns (and "worst" after them in the ratio tables)
// and the rows names, and returns the steps.
func checkTables(t *testing.T, ts []table, learners, names []string, maxSteps int) [][]float64 {
	t.Helper()
	steps := make([][]float64, len(names))
	for k, tb := range ts {
		want := append([]string{"curriculum"}, learners...)
		if k > 0 {
			want = append(want, "worst")
		}
		if strings.Join(tb.head, ",") != strings.Join(want, ",") || len(tb.rows) != len(names) {
			t.Fatalf("table %d: header %q with %d rows, want %q with %d", k, tb.head, len(tb.rows), want, len(names))
		}
		for i, r := range tb.rows {
			if r[0] != names[i] || len(r) != len(want) {
				t.Fatalf("table %d row %d: %q, want %q with %d cells", k, i, r, names[i], len(want))
			}
			for j, c := range r[1:] {
				if k == 0 {
					steps[i] = append(steps[i], parseSteps(t, names[i], c, maxSteps))
				} else if !ratioRE.MatchString(c) {
					t.Errorf("table %d, %s, column %d: ratio %q", k, names[i], j, c)
				}
			}
		}
	}
	return steps
}

func parseSteps(t *testing.T, name, c string, maxSteps int) float64 {
	t.Helper()
	m := stepsRE.FindStringSubmatch(c)
	if m == nil {
		t.Errorf("%s: steps cell %q", name, c)
		return 0
	}
	mean, _ := strconv.Atoi(m[1])
	misses, _ := strconv.Atoi(m[3])
	if mean <= 0 || mean > maxSteps || misses > 2 || (misses > 0 && mean < maxSteps/2) {
		t.Errorf("%s: inconsistent steps cell %q", name, c)
	}
	return float64(mean)
}

// checkRatios checks that every ratio is the row's steps over the base
// row's (within the rounding of the printed means) and that the last
// column is the largest of them.
func checkRatios(t *testing.T, tb table, steps [][]float64, base int) {
	t.Helper()
	for i, r := range tb.rows {
		worst := 0.0
		for j, c := range r[1 : len(r)-1] {
			x, _ := strconv.ParseFloat(c, 64)
			want := steps[i][j] / steps[base][j]
			if d := x - want; d > 0.006+want/steps[base][j] || d < -0.006-want/steps[base][j] {
				t.Errorf("%s, column %d: ratio %v, want %.3f", r[0], j, x, want)
			}
			worst = max(worst, x)
		}
		if w, _ := strconv.ParseFloat(r[len(r)-1], 64); w != worst {
			t.Errorf("%s: worst %v, want %v", r[0], w, worst)
		}
		if i == base && strings.Count(strings.Join(r[1:], " "), "1.00") != len(r)-1 {
			t.Errorf("base row %s: %q, want all 1.00", r[0], r[1:])
		}
	}
}
