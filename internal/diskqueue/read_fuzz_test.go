package diskqueue

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	fuzzMin = 4
	fuzzMax = 64
)

// fuzzValid is the validator of the fuzz queue when it has one: a payload
// starts with a lowercase letter.
func fuzzValid(p []byte) bool { return len(p) > 0 && p[0] >= 'a' && p[0] <= 'z' }

// FuzzDiskQueueRead writes the input as two segment files and a metadata
// file (none when meta is empty), opens the queue and reads while it
// reports a depth. Every record delivered must be a well-formed record of
// the files, and the queue must still take and deliver a new record, after
// which it is empty.
func FuzzDiskQueueRead(f *testing.F) {
	rec := func(p string) string { return string(record([]byte(p))) }
	f.Add([]byte(rec("abcd")+rec("efghij")), []byte(rec("klmn")), "3\n0,0\n1,8\n", false)
	f.Add([]byte(rec("abcd")+rec("efghij")), []byte(rec("klmn")), "3\n0,8\n1,8\n", true)
	f.Add([]byte(rec("abcd")+"\xff\xff\xff\xff"+rec("efgh")), []byte{}, "2\n0,0\n0,20\n", false)
	f.Add([]byte(rec("abcd")+"\x00\x00\x00\x40xyz"), []byte(rec("wxyz")), "", false)
	f.Add([]byte(rec("abcd")+rec("\xffbad")+rec("good")), []byte{}, "3\n0,0\n1,0\n", true)
	f.Add([]byte(rec("abc")), []byte(rec("abcd")), "1\n0,0\n1,0\n", false)
	f.Add([]byte(rec("abcd")), []byte{}, "garbage", false)
	f.Add([]byte(rec("abcd")), []byte{}, "-5\n0,0\n0,8\n", false)
	f.Add([]byte(rec("abcd")), []byte{}, "9\n0,100\n0,8\n", false)
	f.Add([]byte(rec("abcd")), []byte(rec("efgh")), "1\n1,0\n0,0\n", false)
	f.Add([]byte{}, []byte{}, "0\n0,0\n0,0\n", false)
	f.Add([]byte(rec("abcd")), []byte{}, "1\n-1,0\n0,8\n", false)
	f.Add([]byte(rec("abcd")), []byte{}, "1\n0,0\n999999999999,8\n", false)
	f.Fuzz(func(t *testing.T, seg0, seg1 []byte, meta string, validate bool) {
		dir := t.TempDir()
		write := func(name string, b []byte) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o600))
		}
		write("T.diskqueue.000000.dat", seg0)
		write("T.diskqueue.000001.dat", seg1)
		if meta != "" {
			write("T.diskqueue.meta.dat", []byte(meta))
		}
		o := Options{
			Name: "T", DataPath: dir, MaxBytesPerFile: 100,
			MinMsgSize: fuzzMin, MaxMsgSize: fuzzMax,
			SyncEvery: 1 << 30, SyncTimeout: time.Hour,
			Logf: func(LogLevel, string, ...any) {},
		}
		if validate {
			o.Validate = fuzzValid
		}
		q := NewWithOptions(o)
		defer closeWithin(t, q)

		limit := (len(seg0) + len(seg1)) / (4 + fuzzMin)
		n := 0
		check := func(p []byte) {
			n++
			require.LessOrEqual(t, n, limit, "%d records from %d bytes of segments", n, len(seg0)+len(seg1))
			valid := len(p) >= fuzzMin && len(p) <= fuzzMax && (!validate || fuzzValid(p))
			require.True(t, valid, "invalid record %q delivered", p)
			r := record(p)
			require.True(t, bytes.Contains(seg0, r) || bytes.Contains(seg1, r), "record %q is not in the segment files", p)
		}
		// Read while the queue reports a depth (a depth the segments do not
		// hold is reset when the reader reaches the writer).
		stuck := time.Now().Add(5 * time.Second)
		for q.Depth() > 0 {
			select {
			case r := <-q.ReadChan():
				p := r.Data
				check(p)
				stuck = time.Now().Add(5 * time.Second)
			case <-time.After(time.Millisecond):
				require.False(t, time.Now().After(stuck), "depth %d but nothing delivered", q.Depth())
			}
		}
		// The queue still works: a new record is delivered after whatever
		// was left.
		want := []byte("zzzz-new")
		require.NoError(t, q.Put(want), "Put after reading")
		for {
			select {
			case r := <-q.ReadChan():
				p := r.Data
				if bytes.Equal(p, want) {
					// The loop accounts for a record just after handing it over.
					for deadline := time.Now().Add(5 * time.Second); q.Depth() != 0; time.Sleep(time.Millisecond) {
						require.False(t, time.Now().After(deadline), "depth %d after reading everything", q.Depth())
					}
					return
				}
				check(p)
			case <-time.After(5 * time.Second):
				require.FailNow(t, "record written after reading was not delivered")
			}
		}
	})
}

func closeWithin(t *testing.T, q Interface) {
	done := make(chan error, 1)
	go func() { done <- q.Close() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		require.FailNow(t, "Close did not return")
	}
}
