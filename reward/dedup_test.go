package reward

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestDuplicateShare(t *testing.T) {
	ctx := context.Background()
	// 0~1 and 1~2 link (a chain), 3 alone, 4 identical to 3's opposite: none.
	emb := fixedEmbedder{{1, 0}, {0.8, 0.6}, {0.28, 0.96}, {-1, 0}, {0, -1}}
	d := DuplicateShare{Embedder: emb, Threshold: 0.7}
	share, cluster, err := d.Shares(ctx, make([]string, 5))
	if err != nil {
		t.Fatal(err)
	}
	// cos(0,1) = 0.8, cos(1,2) = 0.8, cos(0,2) = 0.28: single linkage joins all three.
	if !reflect.DeepEqual(cluster, []int{0, 0, 0, 1, 2}) {
		t.Errorf("clusters = %v", cluster)
	}
	if !reflect.DeepEqual(share, []float64{0.6, 0.6, 0.6, 0.2, 0.2}) {
		t.Errorf("shares = %v", share)
	}
	d.Threshold = 0.9
	share, _, _ = d.Shares(ctx, make([]string, 5))
	if !reflect.DeepEqual(share, []float64{0.2, 0.2, 0.2, 0.2, 0.2}) {
		t.Errorf("strict threshold shares = %v", share)
	}
	// Default embedder: the near-identical tasks cluster.
	share, _, err = DuplicateShare{}.Shares(ctx, []string{
		"Compute the sum of the first 100 positive integers.",
		"Compute the sum of the first 100 positive integers!",
		"A train leaves at noon travelling 60 km/h; when does it arrive 150 km away?",
	})
	if err != nil || share[0] != 2.0/3 || share[1] != 2.0/3 || share[2] != 1.0/3 {
		t.Errorf("hash embedder shares = %v, %v", share, err)
	}
	if s, c, err := (DuplicateShare{}).Shares(ctx, nil); err != nil || len(s) != 0 || len(c) != 0 {
		t.Errorf("empty: %v %v %v", s, c, err)
	}
	if _, _, err := (DuplicateShare{Threshold: 2}).Shares(ctx, []string{"a"}); err == nil || !strings.Contains(err.Error(), "Threshold") {
		t.Errorf("bad threshold: %v", err)
	}
	if _, _, err := (DuplicateShare{Embedder: fixedEmbedder{{1}}}).Shares(ctx, []string{"a", "b"}); err == nil || !strings.Contains(err.Error(), "Embedder") {
		t.Errorf("embedder error: %v", err)
	}
}

func ExampleDuplicateShare() {
	tasks := []string{
		"What is 17 times 23?",
		"What is 17 times 23 ?",
		"Name the capital of Australia.",
		"Sort the list [3, 1, 2].",
	}
	share, _, _ := DuplicateShare{}.Shares(context.Background(), tasks)
	fmt.Println(share)
	// Output: [0.5 0.5 0.25 0.25]
}
