package llama

import (
	"bytes"
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
