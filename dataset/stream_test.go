package dataset_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evolve-go/evolve/dataset"
)

// filler is text of the length of a short answer, with escapes.
var filler = strings.Repeat(`The sky is blue because air scatters short wavelengths more; \"Rayleigh\"\n`, 4)

// appendLine appends preference line i (about 1 KB): the standard format
// for even i, the conversational one for odd i; the prompt starts with i.
func appendLine(b []byte, i int) []byte {
	n := strconv.Itoa(i)
	if i%2 == 0 {
		return fmt.Appendf(b, `{"prompt": "%s %s", "chosen": "%s", "rejected": "%s", "source": "gen"}`+"\n", n, filler, filler, filler)
	}
	return fmt.Appendf(b, `{"prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "%s %s"}], `+
		`"chosen": [{"role": "assistant", "content": "%s"}], "rejected": [{"role": "assistant", "content": "%s"}]}`+"\n",
		n, filler, filler, filler)
}

// genReader makes n lines on the fly: the stream is never in memory.
type genReader struct {
	i, n int
	buf  []byte
	off  int
}

func (g *genReader) Read(p []byte) (int, error) {
	if g.off == len(g.buf) {
		if g.i == g.n {
			return 0, io.EOF
		}
		g.buf, g.off = appendLine(g.buf[:0], g.i), 0
		g.i++
	}
	c := copy(p, g.buf[g.off:])
	g.off += c
	return c, nil
}

// TestStreamBoundedMemory reads 200 MB (20 MB with -short; DATASET_STREAM_MB
// sets another size) of generated lines and checks every record while the
// heap stays small.
func TestStreamBoundedMemory(t *testing.T) {
	size := 200
	if testing.Short() {
		size = 20
	}
	if s := os.Getenv("DATASET_STREAM_MB"); s != "" {
		var err error
		if size, err = strconv.Atoi(s); err != nil {
			t.Fatalf("DATASET_STREAM_MB=%q: %v", s, err)
		}
	}
	lineLen := len(appendLine(nil, 100000))
	n := (size << 20) / lineLen
	runtime.GC()
	var ms runtime.MemStats
	peak := uint64(0)
	start := time.Now()
	r := dataset.NewReader[dataset.Preference](&genReader{n: n})
	for i := 0; ; i++ {
		rec, err := r.Read()
		if err == io.EOF {
			if i != n {
				t.Fatalf("read %d records, want %d", i, n)
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := checkGenerated(rec, i); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if i%1000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	mb := float64(n) * float64(lineLen) / (1 << 20)
	t.Logf("%.0f MB in %v (%.0f MB/s), peak heap %.1f MiB", mb, time.Since(start).Round(time.Millisecond),
		mb/time.Since(start).Seconds(), float64(peak)/(1<<20))
	if peak > 16<<20 {
		t.Errorf("peak heap %d MiB while streaming, want < 16 MiB", peak>>20)
	}
}

func checkGenerated(rec dataset.Preference, i int) error {
	prompt := rec.Prompt.Text()
	if i%2 == 1 {
		m := rec.Prompt.Messages()
		if len(m) != 2 || m[0].Content != "Be brief." || rec.Chosen.Messages()[0].Role != "assistant" {
			return fmt.Errorf("messages %v", m)
		}
		prompt = m[1].Content
	}
	if !strings.HasPrefix(prompt, strconv.Itoa(i)+" The sky") {
		return fmt.Errorf("prompt %.40q", prompt)
	}
	return nil
}

// TestTooLongLineBoundedMemory streams a 40 MB line past a 1 MiB limit:
// it is reported and skipped without being held.
func TestTooLongLineBoundedMemory(t *testing.T) {
	huge := io.MultiReader(strings.NewReader(`{"prompt": "`), io.LimitReader(xs{}, 40<<20), strings.NewReader("\"}\n"+good+"\n"))
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r := dataset.NewReader[dataset.PromptOnly](huge)
	r.MaxLineSize = 1 << 20
	if _, err := r.Read(); err == nil || !strings.Contains(err.Error(), "line 1: longer than") {
		t.Fatalf("got %v", err)
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Errorf("allocated %d MiB reading past a 40 MB line", grew>>20)
	}
	if rec, err := r.Read(); err != nil || rec.Prompt.Text() != "p" || r.Line() != 2 {
		t.Errorf("after the long line: %v, %v, line %d", rec, err, r.Line())
	}
}

// xs is an endless stream of x.
type xs struct{}

func (xs) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// benchData is n generated lines of one format.
func benchData(n int, isChat bool) []byte {
	var b []byte
	for i := range n {
		b = appendLine(b, 2*i+boolInt(isChat))
	}
	return b
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

var formats = []struct {
	name   string
	isChat bool
}{{"standard", false}, {"conversational", true}}

func BenchmarkRead(b *testing.B) {
	for _, f := range formats {
		data := benchData(1000, f.isChat)
		b.Run(f.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				r := dataset.NewReader[dataset.Preference](bytes.NewReader(data))
				for {
					if _, err := r.Read(); err == io.EOF {
						break
					} else if err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

func BenchmarkWrite(b *testing.B) {
	for _, f := range formats {
		recs, err := dataset.ReadAll[dataset.Preference](bytes.NewReader(benchData(1000, f.isChat)))
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if err := dataset.WriteAll(&buf, recs); err != nil {
			b.Fatal(err)
		}
		b.Run(f.name, func(b *testing.B) {
			b.SetBytes(int64(buf.Len()))
			for b.Loop() {
				if err := dataset.WriteAll(io.Discard, recs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
