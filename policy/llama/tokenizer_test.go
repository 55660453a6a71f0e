package llama

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/evolve-go/evolve/policy/llama/stories260k"
)

func loadTokenizer(t testing.TB) *Tokenizer {
	t.Helper()
	tok, err := LoadTokenizerBytes(stories260k.Tokenizer)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// naiveEncode is a line-by-line port of run.c's encode (O(n²) merges), the
// reference the priority-queue merge must reproduce.
func naiveEncode(t *Tokenizer, text string, bos, eos bool) []int {
	var toks []int
	if bos {
		toks = append(toks, BOS)
	}
	if text != "" {
		if t.space >= 0 {
			toks = append(toks, int(t.space))
		} else {
			toks = append(toks, ' '+3)
		}
	}
	var buf []byte
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c&0xC0 != 0x80 {
			buf = buf[:0]
		}
		buf = append(buf, c)
		if i+1 < len(text) && text[i+1]&0xC0 == 0x80 && len(buf) < 4 {
			continue
		}
		if id, ok := t.lookup[string(buf)]; ok {
			toks = append(toks, int(id))
		} else {
			for _, b := range buf {
				toks = append(toks, int(b)+3)
			}
		}
		buf = buf[:0]
	}
	for {
		best, bestID, bestIdx := float32(-1e10), -1, -1
		for i := 0; i+1 < len(toks); i++ {
			id, ok := t.lookup[t.pieces[toks[i]]+t.pieces[toks[i+1]]]
			if ok && t.scores[id] > best {
				best, bestID, bestIdx = t.scores[id], int(id), i
			}
		}
		if bestIdx < 0 {
			break
		}
		toks[bestIdx] = bestID
		toks = slices.Delete(toks, bestIdx+1, bestIdx+2)
	}
	if eos {
		toks = append(toks, EOS)
	}
	return toks
}

func TestTokenizerLoad(t *testing.T) {
	tok := loadTokenizer(t)
	if tok.Len() != 512 {
		t.Fatalf("Len = %d, want 512", tok.Len())
	}
	if tok.MaxTokenLength() != 7 {
		t.Errorf("MaxTokenLength = %d, want 7", tok.MaxTokenLength())
	}
	for id, want := range map[int]string{0: "<unk>", 1: "\n<s>\n", 2: "\n</s>\n", 3: "<0x00>", 258: "<0xFF>", 259: " t"} {
		if p, ok := tok.Piece(id); !ok || p != want {
			t.Errorf("Piece(%d) = %q, %v, want %q", id, p, ok, want)
		}
	}
	if _, ok := tok.Piece(512); ok {
		t.Error("Piece(512) ok")
	}
	if s := tok.Score(260); s != -1 {
		t.Errorf("Score(260) = %v, want -1", s)
	}
}

// TestEncodeGolden checks the encodings llama2.c gives for the texts of
// the golden case (testdata/golden/llama_stories260K.json).
func TestEncodeGolden(t *testing.T) {
	tok := loadTokenizer(t)
	for _, c := range []struct {
		text string
		want []int
	}{
		{"Once upon a time", []int{1, 403, 407, 261, 378}},
		{"Lily and Tom went to the park.", []int{1, 317, 269, 274, 287, 263, 377, 267, 265, 282, 295, 433, 426}},
		{"The cat sat on the mat. It was happy!", []int{1, 291, 280, 294, 262, 294, 353, 265, 284, 294, 426, 359, 413, 286, 393, 443}},
	} {
		got, err := tok.Encode(c.text, true, false)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("Encode(%q) = %v, want %v", c.text, got, c.want)
		}
		got, _ = tok.Encode(c.text, true, true)
		if got[len(got)-1] != EOS || !slices.Equal(got[:len(got)-1], c.want) {
			t.Errorf("Encode(%q, eos) = %v", c.text, got)
		}
		got, _ = tok.Encode(c.text, false, false)
		if !slices.Equal(got, c.want[1:]) {
			t.Errorf("Encode(%q, no bos) = %v", c.text, got)
		}
		s, err := tok.Decode(c.want)
		if err != nil || s != c.text {
			t.Errorf("Decode(%v) = %q, %v, want %q", c.want, s, err, c.text)
		}
	}
}

func TestEncodeEdgeCases(t *testing.T) {
	tok := loadTokenizer(t)
	for _, c := range []struct {
		text string
		bos  bool
		want []int
	}{
		{"", false, []int{}},
		{"", true, []int{1}},
		{"\x00", false, nil}, // " " then <0x00>
		{"\xff", true, nil},
		{"\x80\x80\x80\x80\x80\x80", false, nil},
		{"日本語", true, nil},
		{"a\U0001F600b", true, nil},
	} {
		got, err := tok.Encode(c.text, c.bos, false)
		if err != nil {
			t.Fatalf("Encode(%q): %v", c.text, err)
		}
		if c.want != nil && !slices.Equal(got, c.want) {
			t.Errorf("Encode(%q) = %v, want %v", c.text, got, c.want)
		}
		if ref := naiveEncode(tok, c.text, c.bos, false); !slices.Equal(got, ref) && !(len(got) == 0 && len(ref) == 0) {
			t.Errorf("Encode(%q) = %v, run.c port gives %v", c.text, got, ref)
		}
		s, err := tok.Decode(got)
		want := c.text
		if !c.bos && c.text != "" {
			want = " " + c.text
		}
		if err != nil || s != want {
			t.Errorf("Decode(Encode(%q)) = %q, %v, want %q", c.text, s, err, want)
		}
	}
	// Byte fallback: 0x00 is token 3, 0xFF token 258.
	got, _ := tok.Encode("\x00\xff", false, false)
	if !slices.Equal(got[1:], []int{3, 258}) {
		t.Errorf("Encode(\"\\x00\\xff\") = %v, want [space 3 258]", got)
	}
}

func TestDecode(t *testing.T) {
	tok := loadTokenizer(t)
	if _, err := tok.Decode([]int{1, 512}); err == nil || !strings.Contains(err.Error(), "token[1] = 512") {
		t.Errorf("Decode out of range: err = %v", err)
	}
	if _, err := tok.Decode([]int{-1}); err == nil {
		t.Error("Decode(-1): no error")
	}
	// BOS and EOS decode to nothing; the piece after BOS loses its space.
	s, _ := tok.Decode([]int{1, 403, 2, 1, 403})
	if s != "OnceOnce" {
		t.Errorf("Decode([BOS ' Once' EOS BOS ' Once']) = %q, want %q", s, "OnceOnce")
	}
	s, _ = tok.DecodeAfter(403, []int{407})
	if s != " upon" {
		t.Errorf("DecodeAfter = %q, want %q", s, " upon")
	}
	s, _ = tok.Decode([]int{0x41 + 3, 0x0A + 3})
	if s != "A\n" {
		t.Errorf("byte tokens decode to %q", s)
	}
}

func TestEncodeMatchesRunC(t *testing.T) {
	tok := loadTokenizer(t)
	texts := []string{
		"Once upon a time, there was a little girl named Lily. She loved to play outside in the park.",
		"  leading spaces and trailing  ",
		"tabs\tand\nnewlines\r\n",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"the the the the the the",
		"Ünïcödé ‘quotes’ — and emoji 🎉",
	}
	for _, s := range texts {
		for _, bos := range []bool{false, true} {
			got, err := tok.Encode(s, bos, false)
			if err != nil {
				t.Fatal(err)
			}
			if ref := naiveEncode(tok, s, bos, false); !slices.Equal(got, ref) {
				t.Errorf("Encode(%q, %v) = %v, run.c port gives %v", s, bos, got, ref)
			}
		}
	}
}

func TestEncodeLongText(t *testing.T) {
	tok := loadTokenizer(t)
	s := strings.Repeat("Once upon a time, there was a little dog. ", 2000) // 84 KB
	got, err := tok.Encode(s, true, false)
	if err != nil {
		t.Fatal(err)
	}
	back, _ := tok.Decode(got)
	if back != s {
		t.Fatal("long text does not round-trip")
	}
	// The pattern repeats, so its tokens must too.
	one, _ := tok.Encode("Once upon a time, there was a little dog.", false, false)
	if len(got) > 2000*(len(one)+1)+1 {
		t.Errorf("%d tokens for 2000 repeats of a %d-token sentence", len(got), len(one))
	}
}

// buildTokenizer writes a tokenizer.bin image.
func buildTokenizer(maxLen int32, pieces []string, scores []float32) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, maxLen)
	for i, p := range pieces {
		binary.Write(&b, binary.LittleEndian, scores[i])
		binary.Write(&b, binary.LittleEndian, int32(len(p)))
		b.WriteString(p)
	}
	return b.Bytes()
}

func TestLoadTokenizerErrors(t *testing.T) {
	good := buildTokenizer(4, []string{"<unk>"[:4], "<s>", "</s>", "a"}, []float32{0, 0, 0, -1})
	if _, err := LoadTokenizerBytes(good); err != nil {
		t.Fatalf("valid file: %v", err)
	}
	neg := buildTokenizer(4, []string{"a", "b", "c"}, []float32{0, 0, 0})
	binary.LittleEndian.PutUint32(neg[4+4:], math.MaxUint32) // length -1
	long := buildTokenizer(2, []string{"a", "b", "abc"}, []float32{0, 0, 0})
	for name, c := range map[string]struct {
		data []byte
		want string
	}{
		"empty":          {nil, "too short"},
		"short header":   {[]byte{1, 0}, "too short"},
		"zero max":       {buildTokenizer(0, nil, nil), "max_token_length = 0"},
		"negative max":   {buildTokenizer(-5, nil, nil), "max_token_length = -5"},
		"no tokens":      {buildTokenizer(4, nil, nil), "0 tokens"},
		"two tokens":     {buildTokenizer(4, []string{"a", "b"}, []float32{0, 0}), "2 tokens"},
		"cut record":     {good[:len(good)-3], "token 3: truncated header"},
		"cut piece":      {good[:len(good)-1], "token 3: truncated piece"},
		"negative len":   {neg, "token 0: length -1"},
		"piece too long": {long, "token 2: length 3"},
	} {
		_, err := LoadTokenizerBytes(c.data)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to mention %q", name, err, c.want)
		}
	}
	if tk, err := LoadTokenizer(bytes.NewReader(stories260k.Tokenizer)); err != nil || tk.Len() != 512 {
		t.Errorf("LoadTokenizer: %v", err)
	}
}

func TestEncodeSmallVocabulary(t *testing.T) {
	// No byte-fallback tokens and no " " piece: bytes without a piece are
	// an error, never a panic.
	tk, err := LoadTokenizerBytes(buildTokenizer(4, []string{"<unk>"[:4], "<s>", "</s>", "a", "b", "ab"}, []float32{0, 0, 0, 0, 0, 5}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tk.Encode("ab", true, false); err == nil || !strings.Contains(err.Error(), "byte 0x20") {
		t.Errorf("Encode without a space piece: err = %v", err)
	}
	tk, _ = LoadTokenizerBytes(buildTokenizer(4, []string{"<u>", "<s>", "</s>", " ", "a", "b", "ab", " ab"}, []float32{0, 0, 0, 0, 0, 0, -1, -2}))
	got, err := tk.Encode("abab", false, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{7, 6}; !slices.Equal(got, want) {
		t.Errorf("Encode(abab) = %v, want %v", got, want)
	}
	if _, err := tk.Encode("c", false, false); err == nil {
		t.Error("Encode(c) with no fallback: no error")
	}
}

// FuzzEncode checks, for any input, that Encode agrees with the port of
// run.c, never fails with the stories260K vocabulary, and round-trips:
// Decode(Encode(s, bos=true)) == s, and without BOS the dummy-prefix space
// stays.
func FuzzEncode(f *testing.F) {
	for _, s := range []string{"", "Once upon a time", " x", "\x00", "\xff\xfe", "日本語🎉", "a\x80\x80\x80\x80\x80b", "The cat sat on the mat."} {
		f.Add(s)
	}
	tok := loadTokenizer(f)
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 4096 {
			return // the O(n²) reference is the slow part
		}
		got, err := tok.Encode(s, true, false)
		if err != nil {
			t.Fatal(err)
		}
		if ref := naiveEncode(tok, s, true, false); !slices.Equal(got, ref) {
			t.Fatalf("Encode(%q) = %v, run.c port gives %v", s, got, ref)
		}
		back, err := tok.Decode(got)
		if err != nil {
			t.Fatal(err)
		}
		if back != s {
			t.Fatalf("Decode(Encode(%q)) = %q", s, back)
		}
		nb, _ := tok.Encode(s, false, false)
		back, _ = tok.Decode(nb)
		if s != "" && back != " "+s {
			t.Fatalf("Decode(Encode(%q, no BOS)) = %q", s, back)
		}
		if utf8.ValidString(s) && !utf8.ValidString(back) {
			t.Fatalf("valid input %q decoded to invalid UTF-8", s)
		}
	})
}

// FuzzLoadTokenizer checks that any file either loads or returns an error,
// and that a loaded vocabulary encodes and decodes without panicking.
func FuzzLoadTokenizer(f *testing.F) {
	f.Add(stories260k.Tokenizer[:200])
	f.Add(buildTokenizer(4, []string{"<u>", "<s>", "</s>", " ", "a", "b", "ab", " ab"}, []float32{0, 0, 0, 0, 0, 0, -1, -2}))
	f.Add([]byte{})
	f.Add([]byte{255, 255, 255, 127, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		tk, err := LoadTokenizerBytes(data)
		if err != nil {
			return
		}
		toks, err := tk.Encode("ab c\x00\xff", true, true)
		if err != nil {
			return
		}
		if _, err := tk.Decode(toks); err != nil {
			t.Fatal(err)
		}
	})
}

func BenchmarkEncode(b *testing.B) {
	tok := loadTokenizer(b)
	s := strings.Repeat("Once upon a time, there was a little girl named Lily. ", 20)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if _, err := tok.Encode(s, true, false); err != nil {
			b.Fatal(err)
		}
	}
}
