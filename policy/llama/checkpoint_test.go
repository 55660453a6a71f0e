package llama

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/evolve-go/evolve/policy/llama/stories260k"
)

func TestLoadStories260K(t *testing.T) {
	m, err := LoadBytes(stories260k.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Dim: 64, Hidden: 172, Layers: 5, Heads: 8, KVHeads: 4, Vocab: 512, SeqLen: 512, Shared: true}
	if m.Config != want {
		t.Fatalf("config %+v, want %+v", m.Config, want)
	}
	if len(m.freq) != 16384 {
		t.Fatalf("freq table %d bytes, want 16384", len(m.freq))
	}
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), stories260k.Checkpoint) {
		t.Fatalf("Save(Load(x)) differs from x (%d vs %d bytes)", buf.Len(), len(stories260k.Checkpoint))
	}
}

// header builds a checkpoint header.
func header(dim, hid, layers, heads, kv, vocab, seq int32) []byte {
	b := make([]byte, headerSize)
	for i, v := range []int32{dim, hid, layers, heads, kv, vocab, seq} {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(v))
	}
	return b
}

func TestLoadErrors(t *testing.T) {
	good := stories260k.Checkpoint
	body := good[headerSize:]
	withBody := func(h []byte, n int) []byte { return append(append([]byte(nil), h...), body[:n]...) }
	nw := 260032 * 4
	nan := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(nan[headerSize+40:], math.Float32bits(float32(math.NaN())))
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "shorter than"},
		{"short header", good[:20], "shorter than"},
		{"version 2", append([]byte("ak42"), good[4:]...), "ak42"},
		{"zero dim", withBody(header(0, 172, 5, 8, 4, 512, 512), 100), "Dim = 0"},
		{"negative layers", withBody(header(64, 172, -5, 8, 4, 512, 512), 100), "Layers = -5"},
		{"zero vocab", withBody(header(64, 172, 5, 8, 4, 0, 512), 100), "Vocab = 0"},
		{"dim not multiple of heads", withBody(header(64, 172, 5, 7, 7, 512, 512), 100), "multiple of Heads"},
		{"heads not multiple of kv", withBody(header(64, 172, 5, 8, 3, 512, 512), 100), "multiple of KVHeads"},
		{"odd head size", withBody(header(63, 172, 5, 9, 3, 512, 512), 100), "odd"},
		{"absurd sizes", withBody(header(1<<24, 1<<24, 1<<24, 2, 1, 512, 512), 100), "parameters"},
		{"sizes that overflow int64", withBody(header(1<<24, 1<<24, 1<<24, 1<<23, 1<<23, -(1<<24), 1<<24), 100), "parameters"},
		{"min int vocab", withBody(header(64, 172, 5, 8, 4, math.MinInt32, 512), 100), "Vocab"},
		{"huge but in range", withBody(header(2048, 5632, 4, 32, 4, 32000, 2048), 100), "truncated"},
		{"truncated", good[:len(good)-20000], "truncated"},
		{"truncated weights", good[:headerSize+nw-4], "truncated"},
		{"trailing byte", append(append([]byte(nil), good...), 0), "bytes after the header"},
		{"separate classifier missing", withBody(header(64, 172, 5, 8, 4, -512, 512), nw), "truncated"},
		{"NaN weight", nan, "NaN"},
	} {
		_, err := LoadBytes(tc.data)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	// A shared checkpoint without the RoPE table is accepted and saved as read.
	short := good[:headerSize+nw]
	m, err := LoadBytes(short)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil || !bytes.Equal(buf.Bytes(), short) {
		t.Errorf("round trip without RoPE table: err %v, equal %v", err, bytes.Equal(buf.Bytes(), short))
	}
	if _, err := Load(errReader{}); err == nil {
		t.Error("failing reader: no error")
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

// TestSeparateClassifierRoundTrip saves a model with its own classifier and
// reads it back.
func TestSeparateClassifierRoundTrip(t *testing.T) {
	m, err := New(Config{Dim: 8, Hidden: 12, Layers: 2, Heads: 2, KVHeads: 1, Vocab: 16, SeqLen: 16}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	data := append([]byte(nil), buf.Bytes()...)
	if v := int32(binary.LittleEndian.Uint32(data[20:])); v != -16 {
		t.Fatalf("header vocab %d, want -16", v)
	}
	m2, err := Load(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if m2.Config != m.Config || m2.WCls == nil || m2.WCls[5] != m.WCls[5] {
		t.Fatalf("round trip lost the classifier")
	}
	buf.Reset()
	if err := m2.Save(&buf); err != nil || !bytes.Equal(buf.Bytes(), data) {
		t.Fatal("second round trip differs")
	}
	// A diverged model is not saved.
	m2.W2[7] = float32(math.Inf(-1))
	if err := m2.Save(io.Discard); err == nil || !strings.Contains(err.Error(), "W2[7]") {
		t.Errorf("Save of an infinite weight: error %v", err)
	}
	m2.W2[7] = 0
	// Clone is deep.
	c := m2.Clone()
	c.WCls[5]++
	c.WQ[0]++
	if m2.WCls[5] == c.WCls[5] || m2.WQ[0] == c.WQ[0] {
		t.Fatal("Clone shares weights")
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := New(Config{}, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("zero Config: no error")
	}
	if _, err := New(Config{Dim: 8, Hidden: 8, Layers: 1, Heads: 2, KVHeads: 1, Vocab: 4, SeqLen: 4}, nil); err == nil {
		t.Error("nil rng: no error")
	}
}

// FuzzLoadBytes checks that no input makes the loader panic and that what
// it accepts saves back byte for byte.
func FuzzLoadBytes(f *testing.F) {
	f.Add(header(8, 12, 1, 2, 1, 4, 4))
	f.Add(append(header(2, 2, 1, 1, 1, 2, 1), make([]byte, 4*(2*2+1*(2*2+2*4+2*4+3*4)+2))...))
	f.Add(append(header(2, 2, 1, 1, 1, -2, 1), make([]byte, 4*(2*2*2+1*(2*2+2*4+2*4+3*4)+2)+8)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := LoadBytes(data)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := m.Save(&buf); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), data) {
			t.Fatal("Save(LoadBytes(x)) != x")
		}
	})
}
