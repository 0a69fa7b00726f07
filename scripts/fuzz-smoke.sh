#!/usr/bin/env bash
# Runs every Go fuzz target of the module, one after another, for FUZZTIME
# each (default 5s), starting from the committed corpora in
# <package>/testdata/fuzz/<FuzzName>/. Fails if any target finds a crasher.
#
#   scripts/fuzz-smoke.sh [PACKAGE...]      (default ./...)
#
# Targets are discovered with `go test -list`. Everything a run produces
# (the fuzz cache, the data directories of in-process daemons) goes to a
# temporary directory that is removed at the end. A crasher that Go writes
# into testdata/fuzz is moved out of the tree, to FUZZ_CRASHERS (default: a
# directory under /tmp that is kept), and its path is printed.
#
# Run one target for longer by hand, e.g.:
#   go test -run x -fuzz '^FuzzProtocolV2$' -fuzztime 10m ./nsqd/
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
TAG=fuzz

FUZZTIME=${FUZZTIME:-5s}
pkgs=("$@")
((${#pkgs[@]})) || pkgs=(./...)

work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-smoke.XXXXXX")
trap 'rm -rf "$work"' EXIT

# corpus_files lists the files under every testdata/fuzz directory.
corpus_files() {
	find . -path ./.git -prune -o -path '*/testdata/fuzz/*' -type f -print | LC_ALL=C sort
}
corpus_files >"$work/before"

# "go test -list" prints a package's matching names, then "ok <pkg> <time>".
go test -list '^Fuzz' "${pkgs[@]}" >"$work/list"
targets=()
names=()
while read -r first second _; do
	case $first in
	Fuzz*) names+=("$first") ;;
	ok)
		for n in "${names[@]}"; do targets+=("$second $n"); done
		names=()
		;;
	esac
done <"$work/list"
((${#targets[@]})) || die "no fuzz targets found in ${pkgs[*]}"

# fuzz_once runs one target; its output goes to $work/out.
fuzz_once() {
	mkdir -p "$work/tmp"
	local rc=0
	TMPDIR="$work/tmp" go test -run '^$' -fuzz "^$2\$" -fuzztime "$FUZZTIME" "$1" \
		-test.fuzzcachedir="$work/cache" >"$work/out" 2>&1 || rc=$?
	rm -rf "$work/tmp"
	return "$rc"
}

# benign_stop: the go command can report "context deadline exceeded" when
# -fuzztime runs out while an input is still executing; no input failed.
benign_stop() {
	grep -q 'context deadline exceeded' "$work/out" && ! grep -q 'Failing input written to' "$work/out"
}

failed=()
for t in "${targets[@]}"; do
	read -r pkg name <<<"$t"
	say "$name ($pkg) for $FUZZTIME"
	if ! fuzz_once "$pkg" "$name" && ! { benign_stop && say "retrying $name: fuzz time ran out mid-input" && fuzz_once "$pkg" "$name"; }; then
		cat "$work/out"
		failed+=("$name ($pkg)")
	else
		{ grep -E '^fuzz: elapsed: .*execs' "$work/out" || true; } | tail -n 1 | sed 's/^/    /'
	fi
done

corpus_files >"$work/after"
new=$(LC_ALL=C comm -13 "$work/before" "$work/after")
if [[ -n $new ]]; then
	dest=${FUZZ_CRASHERS:-$(mktemp -d /tmp/fuzz-crashers.XXXXXX)}
	mkdir -p "$dest"
	while read -r f; do
		mkdir -p "$dest/$(dirname "$f")"
		mv "$f" "$dest/$f"
		rmdir -p --ignore-fail-on-non-empty "$(dirname "$f")"
		say "new corpus file $f moved to $dest/$f"
	done <<<"$new"
	failed+=("new corpus files")
fi

if ((${#failed[@]})); then
	die "failing targets: ${failed[*]}"
fi
say "${#targets[@]} targets ran for $FUZZTIME each"
