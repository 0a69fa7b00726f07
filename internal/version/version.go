// Package version holds the version string every daemon reports on the wire
// (IDENTIFY responses, /info, /stats, nsqd.dat) and on --version.
package version

import (
	"fmt"
	"runtime"
)

// Binary is the release this implementation is compatible with.
const Binary = "1.3.0"

// String renders the --version line, e.g. "nsqd v1.3.0 (built w/go1.26.8)".
func String(app string) string {
	return fmt.Sprintf("%s v%s (built w/%s)", app, Binary, runtime.Version())
}
