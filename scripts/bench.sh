#!/usr/bin/env bash
# Runs every load generator built from bench/ against a fresh nsqd on the
# default ports (127.0.0.1:4150/4151), each for DURATION (default 3s).
#
#   scripts/bench.sh [DURATION]
#
# A tool that has a --runfor flag gets --runfor=DURATION and must stop by
# itself within BENCH_TOOL_LIMIT (default 5m); any other tool is stopped with
# SIGINT after DURATION. The tools run one after another in the order of
# BENCH_ORDER (the writer fills the topic the reader then drains; the
# many-topics stress test comes last), then any others alphabetically.
# Extra flags for every tool go in BENCH_ARGS, for one tool in
# BENCH_ARGS_<tool> (e.g. BENCH_ARGS_bench_e2e=--rate=50000), for nsqd in
# NSQD_ARGS (default --mem-queue-size=1000000, as NSQ's own bench.sh). With
# DRY_RUN=1 it only prints what it would run.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
TAG=${TAG:-bench}

BUILD_DIR=${BUILD_DIR:-build}
DURATION=${1:-3s}
LIMIT=${BENCH_TOOL_LIMIT:-5m}
read -r -a nsqd_args <<<"${NSQD_ARGS---mem-queue-size=1000000}"
read -r -a order <<<"${BENCH_ORDER:-bench_writer bench_reader bench_e2e bench_channels}"

found=()
for dir in bench/*/; do
	[[ -d $dir ]] || continue
	name=$(basename "$dir")
	compgen -G "$dir*.go" >/dev/null || continue
	[[ -x $BUILD_DIR/$name ]] || die "$BUILD_DIR/$name is missing: run 'make build'"
	found+=("$name")
done

# tools is found, ordered: those named in BENCH_ORDER first, in that order.
tools=()
for name in "${order[@]}"; do
	if [[ " ${found[*]} " == *" $name "* ]]; then tools+=("$name"); fi
done
for name in "${found[@]}"; do
	if [[ " ${tools[*]} " != *" $name "* ]]; then tools+=("$name"); fi
done

if ((${#tools[@]} == 0)); then
	say "no bench tools under bench/ yet; nothing ran"
	say "(once there are, each runs for $DURATION against a fresh nsqd on 127.0.0.1:4150)"
	exit 0
fi

# command_for TOOL prints, one word a line, the command that runs TOOL. A
# tool with --runfor stops by itself, within LIMIT or it counts as hung;
# any other tool is sent SIGINT after DURATION.
command_for() {
	local bin=$BUILD_DIR/$1 own="BENCH_ARGS_$1" args usage
	read -r -a args <<<"${BENCH_ARGS:-} ${!own:-}"
	# Captured whole: "| grep -q" under pipefail fails when grep stops
	# reading before the tool has written all of its usage.
	usage=$(timeout 5 "$bin" --help </dev/null 2>&1 || true)
	if [[ $usage == *-runfor* ]]; then
		printf '%s\n' timeout --kill-after=10s "$LIMIT" \
			"$bin" "--runfor=$DURATION" "${args[@]}"
	else
		printf '%s\n' timeout --signal=INT --kill-after=10s "$DURATION" \
			"$bin" "${args[@]}"
	fi
}

if [[ ${DRY_RUN:-} == 1 ]]; then
	say "would start $BUILD_DIR/nsqd on 127.0.0.1:4150/4151 with a temporary --data-path ${nsqd_args[*]}, then run:"
	for t in "${tools[@]}"; do
		mapfile -t cmd < <(command_for "$t")
		say "  ${cmd[*]}"
	done
	exit 0
fi

[[ -x $BUILD_DIR/nsqd ]] || die "$BUILD_DIR/nsqd is missing: run 'make build'"
require_free_ports 4150 4151
data=$(mktemp -d "${TMPDIR:-/tmp}/nsq-bench.XXXXXX")
nsqd_pid=
cleanup() {
	[[ -n $nsqd_pid ]] && kill -KILL "$nsqd_pid" 2>/dev/null
	rm -rf "$data"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "starting nsqd --data-path=$data ${nsqd_args[*]}"
"$BUILD_DIR/nsqd" --data-path="$data" --tcp-address=127.0.0.1:4150 \
	--http-address=127.0.0.1:4151 "${nsqd_args[@]}" >"$data/nsqd.log" 2>&1 &
nsqd_pid=$!
wait_ping nsqd "$nsqd_pid" http://127.0.0.1:4151/ping || {
	show_log nsqd "$data/nsqd.log"
	exit 1
}

failed=()
for t in "${tools[@]}"; do
	mapfile -t cmd < <(command_for "$t")
	say "running: ${cmd[*]}"
	status=0
	"${cmd[@]}" || status=$?
	# 124 is timeout(1) reporting that it stopped the tool: expected after
	# SIGINT at DURATION, a hang for a --runfor tool.
	if ((status != 0)) && ! [[ ${cmd[1]} == --signal=INT && $status == 124 ]]; then
		say "$t exited with status $status"
		failed+=("$t")
	fi
done

if ! kill -0 "$nsqd_pid" 2>/dev/null; then
	failed+=("nsqd (exited during the run)")
fi
if ! stop_pid nsqd "$nsqd_pid"; then
	failed+=("nsqd (did not stop on SIGTERM)")
fi
nsqd_pid=
if ((${#failed[@]} > 0)); then
	show_log nsqd "$data/nsqd.log"
	die "failed: ${failed[*]}"
fi
say "${#tools[@]} bench tools ran for $DURATION each: ${tools[*]}"
