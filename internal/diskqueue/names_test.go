package diskqueue

import (
	"os"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFileBaseMapping(t *testing.T) {
	for _, c := range []struct{ name, sep, want string }{
		{"topic", ";", "topic"},
		{"topic:channel", ";", "topic;channel"},
		{"t#ephemeral:c#ephemeral", ";", "t#ephemeral;c#ephemeral"},
		{"topic:channel", ":", "topic:channel"},
		{"topic", ":", "topic"},
	} {
		require.Equal(t, c.want, fileBase(c.name, c.sep), "fileBase(%q, %q)", c.name, c.sep)
	}
}

func TestFileBaseThisSystem(t *testing.T) {
	want := "topic:channel"
	if runtime.GOOS == "windows" {
		want = "topic;channel"
	}
	require.Equal(t, want, FileBase("topic:channel"))
}

// TestChannelQueueFileNames checks that a channel's queue writes, and after
// a restart finds, files named after FileBase of its name.
func TestChannelQueueFileNames(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(t, dir, newLogRecorder(t))
	o.Name = "topic:channel"
	q := open(t, o)
	put(t, q, msg(1, "a"))
	require.NoError(t, q.Close())

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	base := FileBase(o.Name)
	require.ElementsMatch(t, []string{base + ".diskqueue.000000.dat", base + ".diskqueue.meta.dat"}, names)

	q = open(t, o)
	expectRecords(t, q, msg(1, "a"))
}
