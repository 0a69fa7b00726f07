package diskqueue

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// logRecorder routes queue logs to t.Log and keeps them for assertions.
type logRecorder struct {
	t     testing.TB
	mu    sync.Mutex
	lines []logLine
}

type logLine struct {
	lvl LogLevel
	msg string
}

func newLogRecorder(t testing.TB) *logRecorder { return &logRecorder{t: t} }

func (l *logRecorder) logf(lvl LogLevel, f string, args ...any) {
	s := fmt.Sprintf(f, args...)
	l.mu.Lock()
	l.lines = append(l.lines, logLine{lvl, s})
	l.mu.Unlock()
	l.t.Logf("[%d] %s", lvl, s)
}

// has reports whether a line at lvl contains substr.
func (l *logRecorder) has(lvl LogLevel, substr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ln := range l.lines {
		if ln.lvl == lvl && strings.Contains(ln.msg, substr) {
			return true
		}
	}
	return false
}

func (l *logRecorder) count(lvl LogLevel) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, ln := range l.lines {
		if ln.lvl == lvl {
			n++
		}
	}
	return n
}

const (
	testMin = 26
	testMax = 1024 + 26
)

// testOptions are the options most tests use: message-sized limits, no
// sync unless asked for.
func testOptions(t testing.TB, dir string, log *logRecorder) Options {
	return Options{
		Name:            "T",
		DataPath:        dir,
		MaxBytesPerFile: 100,
		MinMsgSize:      testMin,
		MaxMsgSize:      testMax,
		SyncEvery:       1 << 30,
		SyncTimeout:     time.Hour,
		Logf:            log.logf,
	}
}

// open starts a queue that the test will close at the latest on cleanup.
func open(t testing.TB, o Options) Interface {
	t.Helper()
	q := NewWithOptions(o)
	t.Cleanup(func() { q.Close() })
	return q
}

// msg builds a payload in the message layout: 8-byte timestamp, 2-byte
// attempts, 16 hex chars of ID, body.
func msg(id int, body string) []byte {
	b := make([]byte, 26+len(body))
	binary.BigEndian.PutUint64(b, uint64(1700000000000000000+id))
	copy(b[10:26], fmt.Sprintf("%016x", id))
	copy(b[26:], body)
	return b
}

// record is the on-disk form of payload p, built from the spec's layout.
func record(p []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(p)))
	return append(b, p...)
}

// validMsg accepts payloads whose ID field is 16 lowercase hex chars.
func validMsg(p []byte) bool {
	if len(p) < 26 {
		return false
	}
	for _, c := range p[10:26] {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func put(t testing.TB, q Interface, payloads ...[]byte) {
	t.Helper()
	for _, p := range payloads {
		require.NoError(t, q.Put(p), "Put")
	}
}

// readN receives n records, failing if they do not come within 5s.
func readN(t testing.TB, q Interface, n int) [][]byte {
	t.Helper()
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	out := make([][]byte, 0, n)
	for len(out) < n {
		select {
		case r := <-q.ReadChan():
			b := r.Data
			out = append(out, b)
		case <-deadline.C:
			require.FailNow(t, "records missing", "received %d of %d records", len(out), n)
		}
	}
	return out
}

// expectRecords reads len(want) records and compares them.
func expectRecords(t testing.TB, q Interface, want ...[]byte) {
	t.Helper()
	got := readN(t, q, len(want))
	for i := range want {
		require.Equal(t, string(want[i]), string(got[i]), "record %d = %q", i, got[i])
	}
}

// expectNothing checks that no record is ready.
func expectNothing(t testing.TB, q Interface) {
	t.Helper()
	select {
	case r := <-q.ReadChan():
		b := r.Data
		require.FailNow(t, "unexpected record", "%q", b)
	case <-time.After(20 * time.Millisecond):
	}
}

// eventually polls cond until it holds or 5s pass.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		require.False(t, time.Now().After(deadline), "timed out waiting for %s", what)
		time.Sleep(time.Millisecond)
	}
}

func expectDepth(t testing.TB, q Interface, want int64) {
	t.Helper()
	eventually(t, fmt.Sprintf("depth %d (is %d)", want, q.Depth()), func() bool { return q.Depth() == want })
}

func writeFile(t testing.TB, dir, name string, parts ...[]byte) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), bytes.Join(parts, nil), 0o600))
}

func readFile(t testing.TB, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	return string(b)
}

func exists(dir, name string) bool {
	_, err := os.Stat(filepath.Join(dir, name))
	return err == nil
}

// listDir returns the sorted file names in dir.
func listDir(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}
