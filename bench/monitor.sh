#!/usr/bin/env bash
# monitor.sh: the runs the monitor's default thresholds come from, and how near each came to each
# detector: the main job's default run and its fast variant (lr 4e-4, β 0.04, 8 stories a prompt,
# 60 steps) on -seeds, then TestCalibration (monitor/calibrate_test.go), which adds GRPO-64 on 5
# seeds, the lr 3e-3 collapse on 3, and the runs each detector must catch, and prints one line per
# run: the setting at which each detector would have fired on it, the step its reward reached 0.99,
# and the detectors that fired at their defaults. About 10 minutes on two cores.
#
# usage: bench/monitor.sh [-seeds "1 2 3 4 5"]
set -euo pipefail
cd "$(dirname "$0")/.."
seeds="1 2 3 4 5"
while [ $# -gt 0 ]; do
	case $1 in
	-seeds) seeds=$2; shift 2 ;;
	*) echo "usage: $0 [-seeds \"1 2 3 4 5\"]" >&2; exit 2 ;;
	esac
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/grpo-stories" ./examples/grpo-stories
for s in $seeds; do
	echo "# main job, seed $s" >&2
	"$tmp/grpo-stories" -quiet -seed "$s" -dir "$tmp/main-$s" >/dev/null
	echo "# fast main job, seed $s" >&2
	"$tmp/grpo-stories" -quiet -seed "$s" -lr 4e-4 -kl 0.04 -group 8 -steps 60 -dir "$tmp/fast-$s" >/dev/null
done
go test ./monitor -run '^TestCalibration$' -count 1 -timeout 60m -v -calibrate -calibrate.runs "$tmp/*/monitor.jsonl" |
	sed -n '/base rates/p; /^ *run  /,/^ *NaN: /p'
