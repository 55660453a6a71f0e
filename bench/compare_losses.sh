#!/usr/bin/env bash
# compare_losses.sh: loss + gradient throughput of the Go objectives next to
# PyTorch eager (CPU, autograd, float64), one thread each, on the very same
# inputs, in the same run.
#
# It dumps benchdata.Losses(B, T) for 64x1024 and 256x2048, runs the Go
# benchmarks BenchmarkGRPO and BenchmarkNFT (package policy) and BenchmarkRDP
# and BenchmarkDPO (package preference) with -cpu 1 (a missing one is
# skipped), runs bench/torch_losses.py on the dumped inputs with one thread,
# and prints: case, B×T, Go tokens/s (median of COUNT runs), PyTorch tokens/s
# (median of REPS), their ratio, Go allocs/op, and whether the two losses
# agree (where the Go benchmark reports its loss).
#
# Usage: bench/compare_losses.sh            (from anywhere in the repository)
# Environment: BENCHTIME (go test -benchtime, default 1s), COUNT (go test
# -count, default 5), REPS (PyTorch repetitions, default 15), PYTHON (default
# /usr/bin/python3: Debian's python3-torch on OpenBLAS, `apt-get install -y python3-torch
# libopenblas0-pthread`, which the script installs when missing), MIN_GFLOPS (the least 1024² matmul
# GFLOP/s bench/torch_blas.py accepts from PyTorch's BLAS, default 50).
#
# The machines here are shared and noisy: compare ratios from one run, not
# absolute numbers across runs (see docs/PERFORMANCE.md).
set -euo pipefail

cd "$(dirname "$0")/.."
BENCHTIME=${BENCHTIME:-1s}
COUNT=${COUNT:-5}
REPS=${REPS:-15}
PYTHON=${PYTHON:-/usr/bin/python3}
SIZES=64x1024,256x2048

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "# inputs: benchdata.Losses for $SIZES" >&2
go run ./internal/benchdata/cmd/dump -out "$tmp" -sizes "$SIZES"

# run_go PKG NAME...: run the named benchmarks of PKG that exist.
run_go() {
	local pkg=$1
	shift
	local have=()
	local listed
	if ! listed=$(go test -list '^Benchmark' "$pkg" 2>"$tmp/list.err"); then
		echo "# $pkg does not build; skipping its benchmarks:" >&2
		sed -n '1,5s/^/#   /p' "$tmp/list.err" >&2
		return 0
	fi
	for name in "$@"; do
		if grep -qx "Benchmark$name" <<<"$listed"; then
			have+=("$name")
		else
			echo "# $pkg has no Benchmark$name; skipping it" >&2
		fi
	done
	((${#have[@]})) || return 0
	local re
	re=$(
		IFS='|'
		echo "${have[*]}"
	)
	echo "# go test -bench '^Benchmark($re)\$' -cpu 1 -count $COUNT -benchtime $BENCHTIME $pkg" >&2
	go test -run '^$' -bench "^Benchmark($re)\$" -cpu 1 -count "$COUNT" -benchtime "$BENCHTIME" "$pkg" |
		tee -a "$tmp/go.log" >&2
}

: >"$tmp/go.log"
run_go ./policy/ GRPO NFT
run_go ./preference/ RDP DPO

files=()
for s in ${SIZES//,/ }; do files+=("$tmp/losses_$s.bin"); done
: >"$tmp/torch.log"
# The baseline is the PyTorch a user has: Debian's, on OpenBLAS (the losses use no BLAS, but the same
# environment serves bench/compare_llama.sh, whose products do). Install it when missing (as root), print
# the BLAS and its matmul GFLOP/s, and stop on the reference BLAS or below MIN_GFLOPS (default 50).
export OPENBLAS_NUM_THREADS=1
if ! "$PYTHON" -c 'import torch' 2>/dev/null || ! "$PYTHON" bench/torch_blas.py --min 0 >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "# installing python3-torch libopenblas0-pthread" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-torch libopenblas0-pthread >&2
	fi
fi
if "$PYTHON" -c 'import torch' 2>/dev/null; then
	"$PYTHON" bench/torch_blas.py --threads 1 --min "${MIN_GFLOPS:-50}" >&2
	echo "# $PYTHON bench/torch_losses.py --threads 1 --reps $REPS" >&2
	"$PYTHON" bench/torch_losses.py --threads 1 --reps "$REPS" "${files[@]}" | tee "$tmp/torch.log" >&2
else
	echo "# $PYTHON has no torch (apt-get install -y python3-torch); PyTorch columns left empty" >&2
fi

# The table. Plain python3 is enough here; it only parses the two logs.
"$PYTHON" - "$tmp/go.log" "$tmp/torch.log" <<'EOF'
import re, statistics, sys

go = {}  # (case, "BxT") -> {"tok": [...], "allocs": [...], "loss": [...]}
for line in open(sys.argv[1]):
    m = re.match(r"Benchmark(\w+)/(\d+x\d+)(?:-\d+)?\s+\d+\s+(.*)", line)
    if not m:
        continue
    f = m.group(3).split()
    vals = {f[i + 1]: float(f[i]) for i in range(0, len(f) - 1, 2)}
    d = go.setdefault((m.group(1).lower(), m.group(2)), {"tok": [], "allocs": [], "loss": []})
    d["tok"].append(vals.get("tokens/s", float("nan")))
    if "allocs/op" in vals:
        d["allocs"].append(vals["allocs/op"])
    if "loss" in vals:
        d["loss"].append(vals["loss"])

torch = {}
for line in open(sys.argv[2]):
    kv = dict(p.split("=", 1) for p in line.split())
    torch[(kv["case"], f'{kv["B"]}x{kv["T"]}')] = (float(kv["tokens_per_s"]), float(kv["loss"]))

order = ["grpo", "nft", "rdp", "dpo"]
keys = sorted(set(go) | set(torch), key=lambda k: (order.index(k[0]) if k[0] in order else 99, int(k[1].split("x")[0])))
fmt = "{:<6} {:>9} {:>14} {:>14} {:>7} {:>10} {:>6}"
print(fmt.format("case", "B×T", "Go tok/s", "PyTorch tok/s", "ratio", "allocs/op", "loss"))
for k in keys:
    g, t = go.get(k), torch.get(k)
    gt = statistics.median(g["tok"]) if g else None
    tt = t[0] if t else None
    ratio = f"{gt / tt:.2f}x" if gt and tt else "-"
    allocs = f'{statistics.median(g["allocs"]):.0f}' if g and g["allocs"] else "-"
    agree = "-"
    if g and g["loss"] and t:
        gl, tl = g["loss"][-1], t[1]
        # The benchmark line prints 4 significant digits.
        agree = "same" if abs(gl - tl) <= 1e-3 * max(1.0, abs(tl)) else f"DIFF {gl:g} vs {tl:g}"
    print(fmt.format(k[0], k[1], f"{gt:,.0f}" if gt else "-", f"{tt:,.0f}" if tt else "-", ratio, allocs, agree))
EOF
