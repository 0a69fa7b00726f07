#!/usr/bin/env bash
# nsqadmin's browser tests: a throw-away cluster from the binaries in
# $BUILD_DIR (make build runs first), driven through Debian's headless
# chromium by playwright-core (nsqadmin/uitest). Installs what is missing:
# the chromium package (needs root) and the pinned npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
UITEST=nsqadmin/uitest

if [[ ! -d nsqadmin ]]; then
	echo "test-ui: nsqadmin does not exist yet; no UI tests ran"
	exit 0
fi
if [[ ! -d cmd/nsqadmin ]]; then
	echo "test-ui: cmd/nsqadmin does not exist yet, so there is no nsqadmin binary to test; no UI tests ran"
	exit 0
fi
for bin in nsqadmin nsqd nsqlookupd; do
	if [[ ! -x $BUILD_DIR/$bin ]]; then
		echo "test-ui: $BUILD_DIR/$bin is missing: run 'make build' first" >&2
		exit 1
	fi
done

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "test-ui: node and npm are needed (Debian packages nodejs, npm)" >&2
	exit 1
fi

if [[ ! -x $CHROMIUM ]]; then
	if [[ $(id -u) -ne 0 ]]; then
		echo "test-ui: $CHROMIUM is missing and installing it needs root: apt-get install -y chromium" >&2
		exit 1
	fi
	echo "test-ui: installing chromium (apt-get)"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# npm ci when node_modules is absent or holds another playwright-core.
want=$(node -p "require('./$UITEST/package.json').dependencies['playwright-core']")
have=$(node -p "try { require('./$UITEST/node_modules/playwright-core/package.json').version } catch { '' }")
if [[ $want != "$have" ]]; then
	echo "test-ui: npm ci in $UITEST (playwright-core $want)"
	(cd "$UITEST" && npm ci --no-audit --no-fund --loglevel=error)
fi

build_abs=$(cd "$BUILD_DIR" && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
set +e
(cd "$UITEST" && BUILD_DIR="$build_abs" CHROMIUM="$CHROMIUM" \
	node --test --test-concurrency=1 --test-timeout=180000 --test-reporter=spec ui.test.js unit.test.js) 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
set -e

pass=$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$out" | tail -n 1)
fail=$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$out" | tail -n 1)
echo "ui: ${pass:-0} passed, ${fail:-0} failed"
if [[ $status -eq 0 && ${fail:-0} -ne 0 ]]; then status=1; fi
if [[ $status -eq 0 && ${pass:-0} -eq 0 ]]; then
	echo "test-ui: no UI test ran" >&2
	status=1
fi
exit "$status"
