#!/usr/bin/env bash
# compare_blas.sh — the model's products and training step on the built-in kernels (default build) and on
# OpenBLAS (the openblas build tag, cgo, libopenblas-dev), in the same run, interleaved round by round:
#
#   BenchmarkSgemm       every product of a stories260K and a stories15M training step, on the kernels,
#                        gonum's pure-Go Sgemm and OpenBLAS, back to back per shape (GFLOP/cpu-s)
#   BenchmarkTrainShape  the training step at the stories15M shape (or -shape), default build against the
#                        openblas build as detected and with OPENBLAS_CORETYPE=Haswell and SkylakeX
#
# -threads N sets GOMAXPROCS and OPENBLAS_NUM_THREADS. It prints the median tokens/s and tokens per
# CPU-second of each build over -reps rounds and their ratio to the default build's.
#
# usage: bench/compare_blas.sh [-shape 15M] [-threads 1] [-reps 3]
set -euo pipefail
cd "$(dirname "$0")/.."
shape=15M threads=1 reps=3
while [ $# -gt 0 ]; do
	case $1 in
	-shape) shape=$2; shift 2 ;;
	-threads) threads=$2; shift 2 ;;
	-reps) reps=$2; shift 2 ;;
	*) echo "usage: $0 [-shape 15M] [-threads 1] [-reps 3]" >&2; exit 2 ;;
	esac
done
export OPENBLAS_NUM_THREADS=$threads
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/kernels.test" ./policy/llama
CGO_ENABLED=1 go test -c -tags openblas -o "$tmp/openblas.test" ./policy/llama
cd policy/llama
echo "# BenchmarkSgemm, openblas build ($threads thread(s))" >&2
"$tmp/openblas.test" -test.run '^$' -test.bench '^BenchmarkSgemm$' -test.benchtime 5x -test.cpu "$threads" >"$tmp/sgemm.txt"
bench="^BenchmarkTrainShape\$/^$shape\$"
for r in $(seq "$reps"); do
	echo "# round $r/$reps" >&2
	"$tmp/kernels.test" -test.run '^$' -test.bench "$bench" -test.benchtime 1x -test.cpu "$threads" | sed -n 's/^Benchmark/kernels Benchmark/p' >>"$tmp/train.txt"
	for core in detected Haswell SkylakeX; do
		env $([ "$core" = detected ] || echo OPENBLAS_CORETYPE=$core) "$tmp/openblas.test" -test.run '^$' -test.bench "$bench" \
			-test.benchtime 1x -test.cpu "$threads" | sed -n "s/^Benchmark/openblas-$core Benchmark/p" >>"$tmp/train.txt"
	done
done
echo "BenchmarkSgemm ($threads thread(s), GFLOP per CPU-second; OpenBLAS as detected):"
awk '/^BenchmarkSgemm/ { for (i = 2; i < NF; i++) if ($(i+1) == "GFLOP/cpu-s") v = $i
	n = split($1, p, "/"); sub(/-[0-9]+$/, "", p[n]); key = p[2] "/" p[3]; g[key, p[n]] = v; if (!(key in seen)) { seen[key] = 1; order[m++] = key } }
	END { printf "%-36s %9s %9s %9s %14s\n", "shape", "kernels", "gonum", "openblas", "kernels/openblas"
		for (i = 0; i < m; i++) { k = order[i]; printf "%-36s %9.1f %9.1f %9.1f %13.2fx\n", k, g[k, "kernels"], g[k, "gonum"], g[k, "default"], g[k, "kernels"] / g[k, "default"] } }' "$tmp/sgemm.txt"
echo
echo "training step, shape $shape, $threads thread(s), median of $reps rounds; load average $(cut -d' ' -f1-3 /proc/loadavg):"
python3 - "$tmp/train.txt" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    units = {f[i + 1]: float(f[i]) for i in range(3, len(f) - 1, 2)}
    r = rows.setdefault(f[0], {"w": [], "c": []})
    r["w"].append(units.get("tokens/s", 0)); r["c"].append(units.get("tokens/cpu-s", 0))
base = statistics.median(rows["kernels"]["c"])
print(f"{'build':<20} {'tokens/s':>10} {'tokens/cpu-s':>14} {'vs kernels':>11}")
for k, r in rows.items():
    c = statistics.median(r["c"])
    print(f"{k:<20} {statistics.median(r['w']):>10.0f} {c:>14.0f} {c / base:>10.2f}x")
PY
