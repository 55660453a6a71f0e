#!/usr/bin/env bash
# curricula.sh: the main job's curricula against each other on several seeds: for each, the
# first held-out check step (every 5 steps) at which every task reached 0.9 ("-" when a run never
# did), the final mean held-out success and KL per token.
#
# usage: bench/curricula.sh [-seeds "1 2 3"] [-curricula "sec uniform ..."] [extra flags for every run...]
set -euo pipefail
cd "$(dirname "$0")/.."
seeds="1 2 3"
curricula="sec uniform easy2hard ladder ucb thompson"
while [ $# -gt 0 ]; do
	case $1 in
	-seeds) seeds=$2; shift 2 ;;
	-curricula) curricula=$2; shift 2 ;;
	*) break ;;
	esac
done
bin=$(mktemp -d)/main
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./examples/grpo-stories
printf '%-10s %-24s %-24s %-24s\n' curriculum "steps to 0.9 (per seed)" "success (per seed)" "KL/token (per seed)"
for c in $curricula; do
	steps= succ= kls=
	for s in $seeds; do
		line=$("$bin" -quiet -curriculum "$c" -seed "$s" "$@" | grep '^summary:')
		get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
		v=$(get solved); [ "$v" = 0 ] && v=-
		steps="$steps $v" succ="$succ $(get success)" kls="$kls $(get kl)"
	done
	printf '%-10s %-24s %-24s %-24s\n' "$c" "$steps" "$succ" "$kls"
done
