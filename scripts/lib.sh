# shellcheck shell=bash
# Shared shell functions for the scripts in this directory. Source it; it
# defines functions only.

# say prints a message prefixed with the calling script's tag ($TAG).
say() { printf '%s: %s\n' "${TAG:-scripts}" "$*"; }

# die prints a message to stderr and exits 1.
die() {
	printf '%s: %s\n' "${TAG:-scripts}" "$*" >&2
	exit 1
}

# port_open HOST PORT succeeds if something accepts TCP connections there.
port_open() {
	(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# require_free_ports PORT... fails if any of the ports on 127.0.0.1 is taken.
require_free_ports() {
	local p
	for p in "$@"; do
		if port_open 127.0.0.1 "$p"; then
			die "port $p on 127.0.0.1 is already in use (is 'make run' or another nsqd running?)"
		fi
	done
}

# wait_ping NAME PID URL [SECONDS] polls URL until it answers, the process
# PID exits, or the deadline (default 15s) passes. Returns non-zero on the
# last two.
wait_ping() {
	local name=$1 pid=$2 url=$3 limit=${4:-15}
	local end=$((SECONDS + limit))
	while ((SECONDS < end)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			say "$name exited before answering $url"
			return 1
		fi
		if curl -fsS --max-time 1 -o /dev/null "$url" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	say "$name did not answer $url within ${limit}s"
	return 1
}

# stop_pid NAME PID [SECONDS] sends SIGTERM to a child of this shell and
# waits for it to exit, up to the deadline (default 10s); then it sends
# SIGKILL. Returns 1 if the process had to be killed, 0 otherwise (whatever
# its exit status, which is printed when non-zero).
stop_pid() {
	local name=$1 pid=$2 limit=${3:-10} status=0
	local end=$((SECONDS + limit))
	kill -TERM "$pid" 2>/dev/null || true
	while kill -0 "$pid" 2>/dev/null && ((SECONDS < end)); do
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		say "$name (pid $pid) did not exit within ${limit}s of SIGTERM; sending SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		return 1
	fi
	wait "$pid" 2>/dev/null || status=$?
	if ((status != 0 && status != 127)); then
		say "$name (pid $pid) exited with status $status"
	fi
	return 0
}

# show_log NAME FILE [LINES] prints the tail of a daemon's log.
show_log() {
	local name=$1 file=$2 lines=${3:-40}
	[[ -s $file ]] || return 0
	say "last $lines lines of the $name log ($file):"
	tail -n "$lines" "$file" | sed 's/^/    /'
}
