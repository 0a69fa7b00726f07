#!/usr/bin/env bash
# Runs go-nsq's own test suite, unmodified, against the daemons in build/:
# nsqd always, nsqlookupd when it has been built. The daemons get the flags
# of go-nsq's test.sh, on their default ports, with a temporary data path.
# The suite runs twice: with nsqd's default flags, then with
# --mem-queue-size=0 (every message through the disk queues, durable mode).
#
# Tests named in COMPAT_EXPECTED_FAIL (space-separated) may fail; any other
# failure, a daemon that dies during the run, or one that does not stop on
# SIGTERM fails the script. A test that hangs is cut off by go test's
# -timeout (COMPAT_RUN_TIMEOUT) and counted as failed; the tests it kept
# from running are then run again without it. COMPAT_DEADLINE (seconds)
# bounds the whole suite: tests still unrun by then count as failed.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
TAG=compat

BUILD_DIR=$(cd "${BUILD_DIR:-build}" 2>/dev/null && pwd) || die "no build directory: run 'make build' first"
RUN_TIMEOUT=${COMPAT_RUN_TIMEOUT:-30s}
DEADLINE=${COMPAT_DEADLINE:-360}
read -r -a expected_fail <<<"${COMPAT_EXPECTED_FAIL:-}"
module=github.com/nsqio/go-nsq

[[ -x $BUILD_DIR/nsqd ]] || die "$BUILD_DIR/nsqd is missing: run 'make build' (is cmd/nsqd there?)"
with_lookupd=false
[[ -x $BUILD_DIR/nsqlookupd ]] && with_lookupd=true

version=$(go list -m -f '{{.Version}}' "$module") ||
	die "$module is not in go.mod: add it (go get $module@v1.1.0)"
src=$(go mod download -json "$module@$version" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
[[ -n $src && -d $src ]] || die "cannot find $module@$version in the module cache"

work=$(mktemp -d "${TMPDIR:-/tmp}/nsq-compat.XXXXXX")
names=()
pids=()
logs=()
cleanup() {
	local i
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill -KILL "${pids[i]}" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "go-nsq $version from $src, copied to $work/go-nsq"
cp -R "$src/." "$work/go-nsq"
chmod -R u+w "$work/go-nsq"
gonsq=$work/go-nsq

# The test run uses go-nsq's own go.mod; its dependencies come from the proxy.
export GOFLAGS=-mod=mod GOWORK=off

# start NAME PING_URL ARGS... runs build/NAME with its log in $work.
start() {
	local name=$1 url=$2
	shift 2
	say "starting $name $*"
	local log=$work/$label-$name.log # label: the mode run_mode is running
	"$BUILD_DIR/$name" "$@" >"$log" 2>&1 &
	names+=("$name")
	pids+=("$!")
	logs+=("$log")
	if ! wait_ping "$name" "$!" "$url"; then
		show_log "$name" "$log"
		exit 1
	fi
}

# --- list the tests -----------------------------------------------------------

listing=$(cd "$gonsq" && go test -count=1 -list '.*' ./... 2>&1) || {
	printf '%s\n' "$listing"
	die "go test -list failed"
}
mapfile -t all_tests < <(printf '%s\n' "$listing" | grep -E '^(Test|Example|Fuzz)[[:alnum:]_]*$')
((${#all_tests[@]} > 0)) || die "found no tests in $module"
say "${#all_tests[@]} tests: ${all_tests[*]}"

# --- run the suite once per mode ---------------------------------------------

declare -A result # "<mode> <test name>" -> PASS, FAIL, SKIP, TIMEOUT, NORESULT, NOTRUN
problems=()
all_logs=()

# run_mode LABEL NSQD_ARGS... starts the daemons, runs every test, stops them.
run_mode() {
	local label=$1 i
	shift
	say "=== $label: nsqd $*"
	ports=(4150 4151)
	$with_lookupd && ports+=(4160 4161)
	require_free_ports "${ports[@]}"

	local nsqd_args=(--data-path="$work/data-$label" "$@")
	if $with_lookupd; then
		start nsqlookupd http://127.0.0.1:4161/ping
		nsqd_args+=(--lookupd-tcp-address=127.0.0.1:4160)
	else
		say "no $BUILD_DIR/nsqlookupd: running nsqd alone"
	fi
	mkdir -p "$work/data-$label"
	nsqd_args+=(--tls-cert="$gonsq/test/server.pem" --tls-key="$gonsq/test/server.key"
		--tls-root-ca-file="$gonsq/test/ca.pem")
	start nsqd http://127.0.0.1:4151/ping "${nsqd_args[@]}"

	local remaining=("${all_tests[@]}") t name verdict left args out
	local end=$((SECONDS + DEADLINE))
	local round=0
	while ((${#remaining[@]} > 0)); do
		round=$((round + 1))
		if ((SECONDS >= end)); then
			say "$label: deadline of ${DEADLINE}s passed; not running: ${remaining[*]}"
			for t in "${remaining[@]}"; do result[$label $t]=NOTRUN; done
			break
		fi
		args=(-count=1 -v -timeout "$RUN_TIMEOUT")
		if ((round > 1)); then
			args+=(-run "^($(IFS='|' && echo "${remaining[*]}"))\$")
		fi
		say "$label: round $round: go test ${args[*]} ./..."
		out=$work/$label-round$round.log
		(cd "$gonsq" && go test "${args[@]}" ./...) >"$out" 2>&1 || true
		cat "$out"

		# Top-level results; subtests are indented and carry a '/'.
		while read -r verdict name; do
			result[$label $name]=$verdict
		done < <(sed -n 's/^--- \(PASS\|FAIL\|SKIP\): \([^ /]*\) .*/\1 \2/p' "$out")
		# A test cut off by -timeout is listed under "running tests:".
		while read -r name; do
			[[ -n ${result[$label $name]:-} ]] || result[$label $name]=TIMEOUT
		done < <(sed -n '/^[[:space:]]*running tests:/,/^[[:space:]]*$/s/^[[:space:]]\{1,\}\([[:alnum:]_]\{1,\}\) (.*/\1/p' "$out")

		left=()
		for t in "${remaining[@]}"; do
			[[ -n ${result[$label $t]:-} ]] || left+=("$t")
		done
		if ((${#left[@]} == ${#remaining[@]})); then
			say "$label: round $round gave no result for: ${left[*]}"
			for t in "${left[@]}"; do result[$label $t]=NORESULT; done
			left=()
		elif ((${#left[@]} > 0)); then
			say "$label: round $round stopped early; running the rest again: ${left[*]}"
		fi
		remaining=("${left[@]}")
	done

	for i in "${!pids[@]}"; do
		if ! kill -0 "${pids[i]}" 2>/dev/null; then
			problems+=("$label: ${names[i]} exited during the test run")
			show_log "${names[i]}" "${logs[i]}"
		fi
	done
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		if ! stop_pid "${names[i]}" "${pids[i]}"; then
			problems+=("$label: ${names[i]} did not stop on SIGTERM")
			show_log "${names[i]}" "${logs[i]}"
		fi
	done
	all_logs+=("${logs[@]}")
	pids=() names=() logs=()
}

modes=(default mem-queue-size=0)
run_mode default
run_mode mem-queue-size=0 --mem-queue-size=0

# --- report --------------------------------------------------------------------

declare -A is_expected
for t in "${expected_fail[@]}"; do is_expected[$t]=1; done

passed=0 failed=0 skipped=0 failed_expected=0
unexpected=() now_passing=()
for mode in "${modes[@]}"; do
	for t in "${all_tests[@]}"; do
		case ${result[$mode $t]} in
		PASS)
			passed=$((passed + 1))
			[[ -n ${is_expected[$t]:-} ]] && now_passing+=("$mode $t")
			;;
		SKIP)
			skipped=$((skipped + 1))
			say "$mode: skipped by the suite itself: $t"
			;;
		*)
			failed=$((failed + 1))
			if [[ -n ${is_expected[$t]:-} ]]; then
				failed_expected=$((failed_expected + 1))
				say "$mode: ${result[$mode $t]}: $t (expected)"
			else
				unexpected+=("$mode $t")
				say "$mode: ${result[$mode $t]}: $t (UNEXPECTED)"
			fi
			;;
		esac
	done
done
for t in "${expected_fail[@]}"; do
	if [[ -z ${result[default $t]:-} ]]; then
		say "COMPAT_EXPECTED_FAIL names $t, which is not a test of $module"
	fi
done
if ((${#now_passing[@]} > 0)); then
	say "now passing, remove from COMPAT_EXPECTED_FAIL: ${now_passing[*]}"
fi
if ((${#unexpected[@]} > 0)); then
	problems+=("unexpected failures: ${unexpected[*]}")
	for l in "${all_logs[@]}"; do show_log "$(basename "$l" .log)" "$l"; done
fi
for p in "${problems[@]}"; do say "FAILED: $p"; done

say "$failed_expected of $failed failures expected (COMPAT_EXPECTED_FAIL)"
echo "compat: $passed passed, $failed failed, $skipped skipped (${#all_tests[@]} tests × ${#modes[@]} modes: ${modes[*]})"
((${#problems[@]} == 0))
