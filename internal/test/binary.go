package test

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// BuildBinary compiles the command in the current directory into a
// temporary directory as name; it skips the test in -short mode.
func BuildBinary(t testing.TB, name string) string {
	t.Helper()
	return BuildCommand(t, ".", name)
}

// BuildCommand compiles the command package pkg (a directory, or an import
// path) into a temporary directory as name; it skips the test in -short
// mode.
func BuildCommand(t testing.TB, pkg, name string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), name)
	out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput()
	require.NoError(t, err, "go build %s\n%s", pkg, out)
	return bin
}

// FreeAddr returns a loopback address whose port was free a moment ago,
// for a child process that must keep its address across restarts.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err, "listen")
	defer l.Close()
	return l.Addr().String()
}

// RunBinary runs bin with args and returns its exit status and output.
func RunBinary(t testing.TB, bin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	// A non-zero exit is a result to return; anything else (bin missing, not
	// executable) fails the test.
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		require.NoError(t, err, "run %s %v", bin, args)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errOut.String()
}

// WriteConfig writes a TOML document to a temporary file and returns the
// --config flag naming it.
func WriteConfig(t testing.TB, doc string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.cfg")
	require.NoError(t, os.WriteFile(path, []byte(doc), 0o600))
	return "--config=" + path
}

// BinaryCase is one run of a binary and what it must do: exit with Code,
// write exactly Stdout (when not empty) and a stderr containing Stderr.
type BinaryCase struct {
	Args           []string
	Code           int
	Stdout, Stderr string
}

// CheckBinary runs bin once for each case and reports every mismatch.
func CheckBinary(t testing.TB, bin string, cases ...BinaryCase) {
	t.Helper()
	for _, c := range cases {
		code, stdout, stderr := RunBinary(t, bin, c.Args...)
		if code != c.Code || c.Stdout != "" && stdout != c.Stdout || !strings.Contains(stderr, c.Stderr) {
			assert.Failf(t, "unexpected result", "%v: exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr containing %q",
				c.Args, code, stdout, stderr, c.Code, c.Stdout, c.Stderr)
		}
	}
}
