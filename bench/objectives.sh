#!/usr/bin/env bash
# objectives.sh: every objective of the main job (examples/grpo-stories) on its default task set
# and settings, one run each, and a table of what each did to the model: held-out success, KL to
# the base model per token, the base model's NLL per token of the stories (before → after),
# distinct-2 (before → after), and the training time.
#
# usage: bench/objectives.sh [-seed 1] [extra flags for every run...]
set -euo pipefail
cd "$(dirname "$0")/.."
seed=1
if [ "${1:-}" = -seed ]; then seed=$2; shift 2; fi
bin=$(mktemp -d)/main
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./examples/grpo-stories
printf '%-8s %9s %9s %14s %16s %9s\n' objective success KL/token "base NLL" distinct-2 train_s
for o in grpo dapo drgrpo gspo cispo nft dpo ipo rdp copg kto; do
	line=$("$bin" -quiet -objective "$o" -seed "$seed" "$@" | grep '^summary:')
	get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
	printf '%-8s %9s %9s %14s %16s %9s\n' "$o" "$(get success)" "$(get kl)" "$(get nll)" "$(get distinct2)" "$(get train_s)"
done
