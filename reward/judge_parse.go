package reward

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

const judgeNum = `[-+]?\d+(?:\.\d+)?`

var (
	judgeNumRE      = regexp.MustCompile(judgeNum)
	judgeBracketRE  = regexp.MustCompile(`\[\[\s*\**\s*(` + judgeNum + `)\s*\**\s*(?:/\s*(` + judgeNum + `)\s*)?\]\]`)
	judgeBoxedRE    = regexp.MustCompile(`\\boxed\{([^{}]*)\}`)
	judgeKeywordRE  = regexp.MustCompile(`(?i)\b(?:score|rating|grade)\b\s*(?:\([^)\n]{0,20}\))?[\s*_:=#]{0,12}(` + judgeNum + `)(?:[\s*_]*(?:/|out\s+of)\s*(` + judgeNum + `))?`)
	judgeOutOfRE    = regexp.MustCompile(`(?i)(` + judgeNum + `)[\s*_]*(?:/|out\s+of)\s*(` + judgeNum + `)`)
	judgeListRE     = regexp.MustCompile(`\[\[([^\[\]]*)\]\]`)
	judgeScoresRE   = regexp.MustCompile(`(?i)\bscores?\b[^\n:]{0,20}:([^\n]*)`)
	judgeRespRE     = regexp.MustCompile(`(?i)\b(?:response|answer|assistant|output)\s*#?\s*(\d+)\s*\**\s*[:=\-–]\s*\**\s*(` + judgeNum + `)`)
	judgeVerdictRE  = regexp.MustCompile(`(?i)\[\[\s*(A|B|C|tie)\s*\]\]`)
	judgeVerdictKW  = regexp.MustCompile(`(?i)\b(?:winner|verdict|better(?:\s+response)?|preferred(?:\s+response)?|choice)\b\s*(?:is)?\s*[:=]?\s*\**\s*(?:response|assistant|answer|output)?\s*\**\s*\b(A|B|tie)\b`)
	judgeVerdictIs  = regexp.MustCompile(`(?i)\b(?:response|assistant|answer|output)\s+\**(A|B)\**\s+is\s+(?:clearly\s+|slightly\s+|much\s+)?(?:better|superior|preferred|preferable|stronger)\b`)
	judgeTieRE      = regexp.MustCompile(`(?i)\b(?:it'?s\s+a\s+tie|tie|equally\s+good|both\s+(?:are\s+)?equal)\b`)
	judgeBareLetter = regexp.MustCompile(`(?i)^\W*(?:response\s+)?(A|B)\W*$`)
)

// judgeFloat parses a number match; a sign glued to a preceding digit or
// letter ("1-10") is a range dash, not a sign, and is dropped.
func judgeFloat(s string, text string, at int) (float64, bool) {
	if (s[0] == '-' || s[0] == '+') && at > 0 {
		c := text[at-1]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			s = s[1:]
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// lastSubmatch returns the value and optional denominator of the last match
// of re in reply whose number parses.
func lastSubmatch(re *regexp.Regexp, reply string) (v, scale float64, ok bool) {
	ms := re.FindAllStringSubmatchIndex(reply, -1)
	for k := len(ms) - 1; k >= 0; k-- {
		m := ms[k]
		x, good := judgeFloat(reply[m[2]:m[3]], reply, m[2])
		if !good {
			continue
		}
		var d float64
		if len(m) > 5 && m[4] >= 0 {
			if d, good = judgeFloat(reply[m[4]:m[5]], reply, m[4]); !good || d <= 0 {
				continue
			}
		}
		return x, d, true
	}
	return 0, 0, false
}

// ParseJudgeScore extracts a pointwise score from a judge's reply. It
// looks, in order of precedence and taking the last occurrence of each
// form, for
//
//	[[7]] or [[7/10]]                    (MT-Bench's format)
//	\boxed{7}
//	Score: 7/10, **Rating:** 8, Grade (1-10): 6, score = 7.5 out of 10
//	7.5 out of 10, 8/10
//	a short reply holding one number      ("7", "**8**", "I'd say 6.")
//
// The last form is deliberately narrow: a reply of at most
// judgeBareMaxLen (40) bytes, surrounding space excluded, with exactly
// one number in it. A longer reply, or one with several numbers, and none
// of the marked forms is an error, not its last number: that number is
// as likely a count or a year from the critique as the score, and the
// error lets a judge ask again (PointwiseJudge.Attempts).
//
// scale is the denominator the reply named ("/10", "out of 10"), 0 when it
// named none. A reply without a usable score returns an error wrapping
// ErrJudgeReply. Range checks are the caller's (PointwiseJudge does them).
func ParseJudgeScore(reply string) (score, scale float64, err error) {
	if v, d, ok := lastSubmatch(judgeBracketRE, reply); ok {
		return v, d, nil
	}
	if ms := judgeBoxedRE.FindAllStringSubmatch(reply, -1); len(ms) > 0 {
		inner := strings.TrimSpace(ms[len(ms)-1][1])
		if nums := judgeNumRE.FindAllStringIndex(inner, -1); len(nums) == 1 {
			if v, ok := judgeFloat(inner[nums[0][0]:nums[0][1]], inner, nums[0][0]); ok {
				return v, 0, nil
			}
		}
	}
	for _, re := range []*regexp.Regexp{judgeKeywordRE, judgeOutOfRE} {
		if v, d, ok := lastSubmatch(re, reply); ok {
			return v, d, nil
		}
	}
	bare := strings.TrimSpace(reply)
	if nums := judgeNumRE.FindAllStringIndex(bare, -1); len(nums) == 1 && len(bare) <= judgeBareMaxLen {
		if v, ok := judgeFloat(bare[nums[0][0]:nums[0][1]], bare, nums[0][0]); ok {
			return v, 0, nil
		}
	}
	return 0, 0, fmt.Errorf("%w: no marked score (such as \"Score: 7\" or [[7]]) found", ErrJudgeReply)
}

// judgeBareMaxLen is the longest reply (in bytes, surrounding space
// excluded) whose only number ParseJudgeScore takes as the score without
// a marker.
const judgeBareMaxLen = 40

// numbersIn returns the numbers in s.
func numbersIn(s string) []float64 {
	idx := judgeNumRE.FindAllStringIndex(s, -1)
	out := make([]float64, 0, len(idx))
	for _, m := range idx {
		if v, ok := judgeFloat(s[m[0]:m[1]], s, m[0]); ok {
			out = append(out, v)
		}
	}
	return out
}

// ParseJudgeScores extracts one score per response (n of them) from a
// judge's reply that rated several responses, as DeepSeek-GRM does. It
// looks, in order, for
//
//	\boxed{7, 5}                         (the last \boxed{...})
//	[[7, 5]]                             (the last [[...]])
//	Scores: 7, 5                         (the last "score(s) ...:" line)
//	Response 1: 7 ... Response 2: 5      (per-response lines; the last wins)
//
// and, when n is 1, falls back to ParseJudgeScore. A form counts only when
// it holds exactly n numbers. Failure returns an error wrapping
// ErrJudgeReply.
func ParseJudgeScores(reply string, n int) ([]float64, error) {
	if n < 1 {
		return nil, fmt.Errorf("reward: ParseJudgeScores: n is %d", n)
	}
	for _, re := range []*regexp.Regexp{judgeBoxedRE, judgeListRE, judgeScoresRE} {
		if ms := re.FindAllStringSubmatch(reply, -1); len(ms) > 0 {
			if v := numbersIn(ms[len(ms)-1][1]); len(v) == n {
				return v, nil
			}
		}
	}
	if ms := judgeRespRE.FindAllStringSubmatchIndex(reply, -1); len(ms) > 0 {
		v := make([]float64, n)
		seen := make([]bool, n)
		for _, m := range ms {
			i, err := strconv.Atoi(reply[m[2]:m[3]])
			if err != nil || i < 1 || i > n {
				continue
			}
			if x, ok := judgeFloat(reply[m[4]:m[5]], reply, m[4]); ok {
				v[i-1], seen[i-1] = x, true
			}
		}
		all := true
		for _, s := range seen {
			all = all && s
		}
		if all {
			return v, nil
		}
	}
	if n == 1 {
		v, _, err := ParseJudgeScore(reply)
		if err != nil {
			return nil, err
		}
		return []float64{v}, nil
	}
	return nil, fmt.Errorf("%w: no list of %d scores found", ErrJudgeReply, n)
}

// Verdict is the outcome of one pairwise comparison.
type Verdict int

const (
	// VerdictA: the first response shown (A) is better.
	VerdictA Verdict = iota + 1
	// VerdictB: the second response shown (B) is better.
	VerdictB
	// VerdictTie: neither is better.
	VerdictTie
)

func (v Verdict) String() string {
	switch v {
	case VerdictA:
		return "A"
	case VerdictB:
		return "B"
	case VerdictTie:
		return "tie"
	}
	return fmt.Sprintf("Verdict(%d)", int(v))
}

func verdictOf(s string) Verdict {
	switch strings.ToLower(s) {
	case "a":
		return VerdictA
	case "b":
		return VerdictB
	}
	return VerdictTie
}

// ParseVerdict extracts a pairwise verdict from a judge's reply: the last
// "[[A]]", "[[B]]", "[[C]]" or "[[tie]]" (MT-Bench's format; C is a tie);
// else a "winner/verdict/better response: A" phrase; else a "Response B
// is better" phrase; else a reply that is just "A" or "B"; else a tie phrase ("tie", "equally good"). Failure
// returns an error wrapping ErrJudgeReply.
func ParseVerdict(reply string) (Verdict, error) {
	if ms := judgeVerdictRE.FindAllStringSubmatch(reply, -1); len(ms) > 0 {
		return verdictOf(ms[len(ms)-1][1]), nil
	}
	if ms := judgeVerdictKW.FindAllStringSubmatch(reply, -1); len(ms) > 0 {
		return verdictOf(ms[len(ms)-1][1]), nil
	}
	if ms := judgeVerdictIs.FindAllStringSubmatch(reply, -1); len(ms) > 0 {
		return verdictOf(ms[len(ms)-1][1]), nil
	}
	if m := judgeBareLetter.FindStringSubmatch(strings.TrimSpace(reply)); m != nil {
		return verdictOf(m[1]), nil
	}
	if judgeTieRE.MatchString(reply) {
		return VerdictTie, nil
	}
	return 0, fmt.Errorf("%w: no verdict found", ErrJudgeReply)
}
