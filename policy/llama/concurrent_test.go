package llama

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
)

// TestModelConcurrentReads checks the documented concurrency of Model and
// Tokenizer (run with -race): LogProbs of one Model from several
// goroutines (each from the pool of tapes) gives the log-probs it gives alone,
// and one Tokenizer encodes and decodes from several goroutines at once.
func TestModelConcurrentReads(t *testing.T) {
	m, tok := loadStories(t)
	seqs, T, _ := wideBatch(rand.New(rand.NewPCG(1, 2)))
	want := make([]float64, len(seqs)*T)
	if err := m.LogProbs(want, seqs, T); err != nil {
		t.Fatal(err)
	}
	const text = "Once upon a time, a little fish swam."
	ids, err := tok.Encode(text, true, false)
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := tok.Decode(ids[1:])
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for k := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got := make([]float64, len(want))
			if err := m.LogProbs(got, seqs, T); err != nil || !reflect.DeepEqual(got, want) {
				errs[k] = fmt.Errorf("goroutine %d: log-probs differ from the call alone (%v)", k, err)
				return
			}
			again, err := tok.Encode(text, true, false)
			if err != nil || !reflect.DeepEqual(again, ids) {
				errs[k] = fmt.Errorf("goroutine %d: Encode = %v, %v", k, again, err)
				return
			}
			if s, err := tok.Decode(ids[1:]); err != nil || s != decoded {
				errs[k] = fmt.Errorf("goroutine %d: Decode = %q, %v", k, s, err)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Error(err)
	}
}
