// Command dump writes the inputs of the loss benchmarks, as
// benchdata.WriteLosses lays them out, so that the PyTorch baseline of
// bench/compare_losses.sh reads exactly the numbers the Go benchmarks use.
//
// Usage:
//
//	go run ./internal/benchdata/cmd/dump -out DIR [-sizes 64x1024,256x2048]
//
// It writes DIR/losses_BxT.bin for each size.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/evolve-go/evolve/internal/benchdata"
)

func main() {
	out := flag.String("out", "", "directory to write losses_BxT.bin files into (required)")
	sizes := flag.String("sizes", "64x1024,256x2048", "comma-separated BxT sizes")
	flag.Parse()
	if *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	for _, s := range strings.Split(*sizes, ",") {
		var B, T int
		if _, err := fmt.Sscanf(s, "%dx%d", &B, &T); err != nil || B <= 0 || T <= 0 {
			log.Fatalf("dump: bad size %q, want BxT", s)
		}
		if err := write(filepath.Join(*out, fmt.Sprintf("losses_%dx%d.bin", B, T)), benchdata.Losses(B, T)); err != nil {
			log.Fatal(err)
		}
	}
}

func write(path string, in *benchdata.LossInputs) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := benchdata.WriteLosses(w, in); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
