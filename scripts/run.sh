#!/usr/bin/env bash
# Starts the daemons built in build/ on this machine with their default
# ports: nsqlookupd, nsqd and nsqadmin, whichever exist. Ctrl-C stops them
# all. Extra flags go in NSQLOOKUPD_ARGS, NSQD_ARGS and NSQADMIN_ARGS.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
TAG=run

BUILD_DIR=${BUILD_DIR:-build}
RUN_DIR=${RUN_DIR:-.run}

names=()
pids=()

# shellcheck disable=SC2317 # called from the EXIT trap
stop_all() {
	trap - INT TERM EXIT
	local i
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		say "stopping ${names[i]} (pid ${pids[i]})"
		stop_pid "${names[i]}" "${pids[i]}" || true
	done
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start NAME PING_URL ARGS... runs build/NAME in the background and waits
# until it answers PING_URL.
start() {
	local name=$1 url=$2
	shift 2
	say "starting $BUILD_DIR/$name $*"
	# In a session of its own, a daemon does not get the terminal's Ctrl-C:
	# this script stops them all, in order, when it gets it.
	$detach "$BUILD_DIR/$name" "$@" &
	names+=("$name")
	pids+=("$!")
	wait_ping "$name" "$!" "$url" || exit 1
}

have() { [[ -x $BUILD_DIR/$1 ]]; }

detach=
command -v setsid >/dev/null && detach=setsid

have nsqd || die "$BUILD_DIR/nsqd is missing: run 'make build' (is cmd/nsqd there?)"
ports=(4150 4151)
have nsqlookupd && ports+=(4160 4161)
have nsqadmin && ports+=(4171)
require_free_ports "${ports[@]}"
mkdir -p "$RUN_DIR/nsqd"

if have nsqlookupd; then
	read -r -a lookupd_args <<<"${NSQLOOKUPD_ARGS:-}"
	start nsqlookupd http://127.0.0.1:4161/ping \
		--tcp-address=127.0.0.1:4160 --http-address=127.0.0.1:4161 \
		--broadcast-address=127.0.0.1 "${lookupd_args[@]}"
fi

nsqd_args=(--data-path="$RUN_DIR/nsqd" --tcp-address=127.0.0.1:4150
	--http-address=127.0.0.1:4151 --broadcast-address=127.0.0.1)
have nsqlookupd && nsqd_args+=(--lookupd-tcp-address=127.0.0.1:4160)
read -r -a user_nsqd_args <<<"${NSQD_ARGS:-}"
start nsqd http://127.0.0.1:4151/ping "${nsqd_args[@]}" "${user_nsqd_args[@]}"

if have nsqadmin; then
	admin_args=(--http-address=127.0.0.1:4171)
	if have nsqlookupd; then
		admin_args+=(--lookupd-http-address=127.0.0.1:4161)
	else
		admin_args+=(--nsqd-http-address=127.0.0.1:4151)
	fi
	read -r -a user_admin_args <<<"${NSQADMIN_ARGS:-}"
	start nsqadmin http://127.0.0.1:4171/ping "${admin_args[@]}" "${user_admin_args[@]}"
fi

echo
have nsqlookupd && echo "  nsqlookupd  tcp 127.0.0.1:4160  http http://127.0.0.1:4161"
echo "  nsqd        tcp 127.0.0.1:4150  http http://127.0.0.1:4151  data $RUN_DIR/nsqd"
have nsqadmin && echo "  nsqadmin    http http://127.0.0.1:4171"
echo
echo "  try: curl -d hi 'http://127.0.0.1:4151/pub?topic=t'"
echo "       curl 'http://127.0.0.1:4151/stats?format=json'"
echo "  Ctrl-C stops everything."
echo

# Run until Ctrl-C, or until one daemon exits on its own.
status=0
wait -n "${pids[@]}" || status=$?
for i in "${!pids[@]}"; do
	if ! kill -0 "${pids[i]}" 2>/dev/null; then
		say "${names[i]} exited (status $status); stopping the others"
	fi
done
exit 1
