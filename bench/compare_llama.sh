#!/usr/bin/env bash
# compare_llama.sh — throughput of the Go model (package policy/llama) against our PyTorch baseline
# (bench/torch_llama.py: Debian's python3-torch on OpenBLAS, eager), measured in the same run on the same
# inputs, the two interleaved round by round so that both see the same load on a shared machine.
#
#   -shape 260K (default)  the stories260K checkpoint:
#       train   BenchmarkTrainStep     forward+backward of summed log-probs, B=16, T=256, the same tokens
#       sample  BenchmarkSample        batched greedy decoding with a KV cache, B=16, 128 new tokens from BOS
#       single  BenchmarkDecodeSingle  one greedy stream, 256 new tokens from BOS
#   -shape 15M | 42M | 110M  randomly initialised models of the tinyllamas shapes (vocabulary 32000):
#       train   BenchmarkTrainShape/SHAPE   B=8, T=256, the same tokens (torch_llama.py --config)
#       sample  BenchmarkSampleShape/SHAPE  batched greedy decoding with a KV cache, B=8, 64 new tokens
#
# -threads N runs Go with GOMAXPROCS=N and PyTorch with N threads (torch and OpenBLAS); -reps R rounds
# (default 3), each one Go run then one PyTorch run. Before measuring, the script makes sure PyTorch runs
# on OpenBLAS: without torch or with the reference BLAS it installs `python3-torch libopenblas0-pthread`
# (as root, with apt-get), then bench/torch_blas.py prints the BLAS and its 1024² matmul GFLOP/s at N
# threads and the script stops when that is below -min-gflops (default 50: the reference BLAS runs at
# about 6). Each round also runs BenchmarkFMAPeak (internal/cpu) with -cpu N: the machine's float32 FMA
# peak, the denominator of the training step's fraction of peak.
#
# It prints per case the median and best Go and PyTorch tokens/s, their ratios, and for the training step
# tokens per second of CPU time (Go and, with one thread, PyTorch: a rate that other load on the machine
# does not dilute), GFLOP per CPU-second as a fraction of the peak's, and peak resident memory (Go's
# test binary; PyTorch's process, and above its resident memory before the model). llama2.c's
# single-stream figure (shape 260K) is the 14k tokens/s of docs/PERFORMANCE.md unless -llama2c names a
# copy of llama2.c's run.c, built here with gcc -Ofast -march=native and measured in the same run.
#
# usage: bench/compare_llama.sh [-shape 260K|15M|42M|110M] [-threads 1] [-reps 3] [-benchtime 20x]
#                               [-python /usr/bin/python3] [-min-gflops 50] [-llama2c run.c]
set -euo pipefail
cd "$(dirname "$0")/.."

shape=260K
threads=1
reps=3
benchtime=20x
python=/usr/bin/python3
min_gflops=50
llama2c=
usage="usage: $0 [-shape 260K|15M|42M|110M] [-threads 1] [-reps 3] [-benchtime 20x] [-python /usr/bin/python3] [-min-gflops 50] [-llama2c run.c]"
while [ $# -gt 0 ]; do
	case $1 in
	-shape) shape=$2; shift 2 ;;
	-threads) threads=$2; shift 2 ;;
	-reps) reps=$2; shift 2 ;;
	-benchtime) benchtime=$2; shift 2 ;;
	-python) python=$2; shift 2 ;;
	-min-gflops) min_gflops=$2; shift 2 ;;
	-llama2c) llama2c=$2; shift 2 ;;
	*) echo "$usage" >&2; exit 2 ;;
	esac
done
case $shape in
260K) B=16 T=256 vocab=512 ;;
15M) B=8 T=256 vocab=32000 config=288,768,6,6,6,32000,256 ;;
42M) B=8 T=256 vocab=32000 config=512,1376,8,8,8,32000,1024 ;;
110M) B=8 T=256 vocab=32000 config=768,2048,12,12,12,32000,1024 ;;
*) echo "$usage" >&2; exit 2 ;;
esac
export OPENBLAS_NUM_THREADS=$threads

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# PyTorch on OpenBLAS, or stop.
if ! "$python" -c 'import torch' 2>/dev/null || ! "$python" bench/torch_blas.py --threads "$threads" --min 0 >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "# installing python3-torch libopenblas0-pthread" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-torch libopenblas0-pthread >&2
	fi
fi
"$python" bench/torch_blas.py --threads "$threads" --min "$min_gflops" | tee "$tmp/blas.txt" >&2

# The training tokens of the Go benchmarks (benchTokens in policy/llama/bench_shapes_test.go): for each
# of the B sequences, T+1 tokens 3 + IntN(vocab−3) from rand.NewPCG(0, 0), little-endian int32.
mkdir "$tmp/gen"
cat >"$tmp/gen/main.go" <<'GO'
package main

import (
	"encoding/binary"
	"math/rand/v2"
	"os"
	"strconv"
)

func main() {
	B, _ := strconv.Atoi(os.Args[1])
	T, _ := strconv.Atoi(os.Args[2])
	vocab, _ := strconv.Atoi(os.Args[3])
	rng := rand.New(rand.NewPCG(0, 0))
	toks := make([]int32, 0, B*(T+1))
	for i := 0; i < B; i++ {
		for j := 0; j <= T; j++ {
			toks = append(toks, int32(3+rng.IntN(vocab-3)))
		}
	}
	if err := binary.Write(os.Stdout, binary.LittleEndian, toks); err != nil {
		panic(err)
	}
}
GO
printf 'module gen\n\ngo 1.24\n' >"$tmp/gen/go.mod"
(cd "$tmp/gen" && GOFLAGS=-mod=mod go run . "$B" "$T" "$vocab") >"$tmp/tokens.bin"

go test -c -o "$tmp/llama.test" ./policy/llama
go test -c -o "$tmp/cpu.test" ./internal/cpu
if [ "$shape" = 260K ]; then
	benches='^(BenchmarkTrainStep|BenchmarkSample|BenchmarkDecodeSingle)$'
	torch_args=(policy/llama/stories260k/stories260K.bin --batch 16 --seq 256 --new 128 --single-new 256)
else
	benches="^Benchmark(TrainShape|SampleShape)\$/^$shape\$"
	benchtime=1x
	torch_args=(--config "$config" --batch "$B" --seq "$T" --new 64 --cases train,sample)
fi
for r in $(seq "$reps"); do
	echo "# round $r/$reps: FMA peak, Go ($benches, -benchtime $benchtime, GOMAXPROCS=$threads), PyTorch ($threads threads)" >&2
	"$tmp/cpu.test" -test.run '^$' -test.bench 'FMAPeak/avx2' -test.cpu "$threads" -test.benchtime 2000x >>"$tmp/peak.txt"
	(cd policy/llama && "$tmp/llama.test" -test.run '^$' -test.bench "$benches" -test.benchtime "$benchtime" -test.cpu "$threads") >>"$tmp/go.txt"
	"$python" bench/torch_llama.py "${torch_args[@]}" --tokens "$tmp/tokens.bin" --threads "$threads" --reps 3 >>"$tmp/torch.txt"
done

# stat FILE SELECT FIELD [med|max]: median or maximum of a field over the lines matching SELECT (a Go
# benchmark name: the value before the unit FIELD; a PyTorch case: the value of FIELD=).
stat() {
	awk -v sel="$2" -v f="$3" -v how="${4:-med}" '
		$1 ~ "^Benchmark" && $1 ~ "^"sel"(-[0-9]+)?$" { for (i = 2; i < NF; i++) if ($(i+1) == f) v[n++] = $i + 0 }
		$1 == sel { for (i = 1; i <= NF; i++) if (index($i, f"=") == 1) v[n++] = substr($i, length(f) + 2) + 0 }
		END {
			if (n == 0) { print "NA"; exit }
			for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
			if (how == "max") print v[n-1]; else print (n % 2) ? v[int(n/2)] : (v[n/2-1] + v[n/2]) / 2
		}' "$1"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NA" || b == "NA" || b == 0) print "NA"; else printf "%.2fx", a / b }'; }

echo
echo "shape $shape, $threads thread(s), $reps rounds; $(grep -o 'matmul1024_gflops=[0-9.]*' "$tmp/blas.txt") $(grep -o 'openblas_core=[A-Za-z0-9]*' "$tmp/blas.txt"); load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %12s %12s %12s %12s %9s %9s\n' case go_median go_best torch_median torch_best ratio_med ratio_best
if [ "$shape" = 260K ]; then
	cases="train:BenchmarkTrainStep sample:BenchmarkSample single:BenchmarkDecodeSingle"
else
	cases="train:BenchmarkTrainShape/$shape sample:BenchmarkSampleShape/$shape"
fi
for c in $cases; do
	name=${c%%:*} gob=${c#*:}
	gm=$(stat "$tmp/go.txt" "$gob" tokens/s) gx=$(stat "$tmp/go.txt" "$gob" tokens/s max)
	pm=$(stat "$tmp/torch.txt" "case=$name" tokens_per_s) px=$(stat "$tmp/torch.txt" "case=$name" tokens_per_s max)
	printf '%-8s %12.0f %12.0f %12s %12s %9s %9s\n' "$name" "$gm" "$gx" "$pm" "$px" "$(ratio "$gm" "$pm")" "$(ratio "$gx" "$px")"
done
gob=${cases#train:}
gob=${gob%% *}
gcpu=$(stat "$tmp/go.txt" "$gob" tokens/cpu-s)
pcpu=$(stat "$tmp/torch.txt" case=train cpu_tokens_per_s)
echo "train per CPU-second: Go $gcpu tokens/cpu-s, PyTorch $pcpu ($(ratio "$gcpu" "$pcpu"); PyTorch's counts spinning threads when threads > 1)"
if [ "$shape" != 260K ]; then
	gf=$(stat "$tmp/go.txt" "$gob" GFLOP/cpu-s) pk=$(stat "$tmp/peak.txt" BenchmarkFMAPeak/avx2 GFLOP/cpu-s max)
	gw=$(stat "$tmp/go.txt" "$gob" GFLOP/s max) pw=$(stat "$tmp/peak.txt" BenchmarkFMAPeak/avx2 GFLOP/s max)
	echo "train fraction of the FMA peak: per CPU-second $gf / $pk GFLOP = $(awk -v a="$gf" -v b="$pk" 'BEGIN { printf "%.0f%%", 100 * a / b }');" \
		"wall clock, best rounds: $gw / $pw GFLOP/s = $(awk -v a="$gw" -v b="$pw" 'BEGIN { printf "%.0f%%", 100 * a / b }')"
	echo "train peak memory: Go $(stat "$tmp/go.txt" "$gob" maxrss-MB max) MB;" \
		"PyTorch $(stat "$tmp/torch.txt" case=train maxrss_mb max) MB ($(stat "$tmp/torch.txt" case=train base_mb) MB before the model)"
else
	c_single=14000 c_src=quoted
	if [ -n "$llama2c" ]; then
		gcc -Ofast -march=native -o "$tmp/run" "$llama2c" -lm
		c_single=$(for i in 1 2 3; do
			"$tmp/run" policy/llama/stories260k/stories260K.bin -z policy/llama/stories260k/tok512.bin \
				-t 0 -n 256 2>&1 >/dev/null | sed -n 's/^achieved tok\/s: //p'
		done | sort -n | sed -n 2p)
		c_src=measured
	fi
	gs=$(stat "$tmp/go.txt" BenchmarkDecodeSingle tokens/s)
	echo "single stream vs llama2.c ($c_single tokens/s, $c_src): $(ratio "$gs" "$c_single")"
fi
echo
echo "raw output:"
cat "$tmp/blas.txt" "$tmp/peak.txt" "$tmp/go.txt" "$tmp/torch.txt" | grep -E '^(Benchmark|case=|torch=|openblas)'
