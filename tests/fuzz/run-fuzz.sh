#!/bin/sh
# run-fuzz.sh TARGET SEEDS SECONDS: a short libFuzzer run of TARGET from
# the seed corpus SEEDS (suite fuzz). What the run finds goes into a
# scratch folder, never into the source tree; a crash is kept as
# TARGET-crash-* in the build dir (libFuzzer names it and prints how to
# replay it: TARGET FILE).
set -eu
target=$1
seeds=$2
seconds=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
artifacts=$(dirname "$target")
# -rss_limit_mb: a QMP line is capped at 1 MiB, a profile is small; 2 GB
# means a runaway. -timeout: one input may take 10 s on a loaded machine.
# -error_exitcode, -timeout_exitcode: libFuzzer's defaults (77, 70) are
# meson's "skipped" and an ordinary failure; a crash must be a failure.
"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -error_exitcode=1 -timeout_exitcode=1 \
  -print_final_stats=1 -artifact_prefix="$artifacts/$(basename "$target")-" \
  "$work" "$seeds"
