package main

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var rowRE = regexp.MustCompile(`^(\S.*?)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\[([0-9. ]+)\]$`)

// TestRunTable runs the comparison with tiny settings and checks that
// every curriculum has a well-formed row.
func TestRunTable(t *testing.T) {
	const seeds, maxSteps = 2, 3000
	var buf bytes.Buffer
	if err := run(&buf, seeds, maxSteps, 300, 10); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	if len(lines) < 4 || !strings.Contains(lines[0], "2 seeds, cap 3000") || !strings.HasPrefix(lines[2], "curriculum") || strings.Trim(lines[3], "-") != "" {
		t.Fatalf("header:\n%s", buf.String())
	}
	want := []string{"SEC τ=0.1", "SEC τ=0.3", "SEC τ=1", "EXP3.S on mean |A|", "D-UCB (γ 0.99) on mean |A|",
		"SEC τ=0.3, learnability p(1−p)", "uniform", "always hardest", "easy→hard, 300 steps each", "easy→hard, adaptive (window 10)"}
	rows := lines[4:]
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(rows), len(want), buf.String())
	}
	for i, line := range rows {
		m := rowRE.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("row %d is malformed: %q", i, line)
			continue
		}
		if m[1] != want[i] {
			t.Errorf("row %d is %q, want %q", i, m[1], want[i])
		}
		n := make([]int, 6) // mean, std, median, min, max, misses
		for j := range n {
			n[j], _ = strconv.Atoi(m[2+j])
		}
		mean, median, lo, hi, misses := n[0], n[2], n[3], n[4], n[5]
		if lo > hi || hi > maxSteps || median < lo || median > hi || mean < lo || mean > hi || misses > seeds {
			t.Errorf("%s: inconsistent numbers %v", m[1], n)
		}
		shares := strings.Fields(m[8])
		sum := 0.0
		for _, s := range shares {
			x, err := strconv.ParseFloat(s, 64)
			if err != nil || x < 0 || x > 1 {
				t.Errorf("%s: share %q", m[1], s)
			}
			sum += x
		}
		if len(shares) != 5 || sum < 0.97 || sum > 1.03 {
			t.Errorf("%s: shares %v (sum %.2f), want 5 summing to 1", m[1], shares, sum)
		}
	}
	if err := run(&buf, 0, maxSteps, 300, 10); err == nil {
		t.Error("0 seeds: no error")
	}
}
