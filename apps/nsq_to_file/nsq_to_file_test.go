package main

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFinishOnlyAfterSync(t *testing.T) {
	d := startDaemons(t, false)
	out := t.TempDir()
	p := startProgram(t, "--nsqd-tcp-address="+d.nsqdTCP, "--topic=arch", "--output-dir="+out,
		"--host-identifier=h", "--datetime-format=%Y", "--sync-interval=1h")
	name := filepath.Join(out, "arch.h."+year()+".log")
	test.Eventually(t, waitFor, func() bool { return d.ready(t, "arch", "nsq_to_file", 200) }, "consumer ready")
	// The first message opens the file, and opening a file syncs.
	d.publish(t, "arch", "a")
	test.Eventually(t, waitFor, func() bool { return d.drained(t, "arch", "nsq_to_file", 1) }, "first message FINished")
	require.Equal(t, "a\n", content(t, name), "first message")
	// With RDY 200, two messages in flight do not look starved, so nothing
	// but a sync may FINish them.
	d.publish(t, "arch", "b", "c")
	test.Eventually(t, waitFor, func() bool { _, n := d.channelCounts(t, "arch", "nsq_to_file"); return n == 2 },
		"two messages in flight")
	require.Equal(t, "a\n", content(t, name), "unsynced messages visible in the file")

	// SIGHUP syncs and closes the file. It is repeated until it has
	// caught both messages in the router: one that arrives after it
	// waits for the next sync.
	test.Eventually(t, waitFor, func() bool {
		select {
		case p.sigs <- syscall.SIGHUP:
		default:
		}
		return d.drained(t, "arch", "nsq_to_file", 3)
	}, "FIN after SIGHUP")
	require.Equal(t, "a\nb\nc\n", content(t, name), "after SIGHUP")

	d.publish(t, "arch", "d")
	test.Eventually(t, waitFor, func() bool { _, n := d.channelCounts(t, "arch", "nsq_to_file"); return n == 1 })
	require.EqualValues(t, 0, p.stop(t, syscall.SIGTERM), "exit")
	require.Equal(t, "a\nb\nc\nd\n", content(t, name), "after shutdown")
	assert.Equal(t, []string{"arch.h." + year() + ".log"}, files(t, out))
	assert.True(t, d.drained(t, "arch", "nsq_to_file", 4), "messages left unFINished")
}

func TestGzipRotateSize(t *testing.T) {
	d := startDaemons(t, false)
	out := t.TempDir()
	msgs := []string{strings.Repeat("a", 31), strings.Repeat("b", 31), strings.Repeat("c", 31)}
	d.publish(t, "gz", msgs...)
	p := startProgram(t, "--nsqd-tcp-address="+d.nsqdTCP, "--topic=gz", "--output-dir="+out,
		"--host-identifier=h", "--datetime-format=%Y", "--gzip", "--gzip-level=9", "--rotate-size=20")
	test.Eventually(t, waitFor, func() bool { return d.drained(t, "gz", "nsq_to_file", 3) }, "all FINished")
	require.EqualValues(t, 0, p.stop(t, syscall.SIGINT), "exit")
	var want, got []string
	for i := range msgs {
		want = append(want, "gz.h-00000"+string(rune('0'+i))+"."+year()+".log.gz")
	}
	names := files(t, out)
	require.Equal(t, want, names, "files = %v", names)
	for _, n := range names {
		got = append(got, content(t, filepath.Join(out, n)))
	}
	slices.Sort(got)
	for i, m := range msgs {
		assert.Equal(t, m+"\n", got[i], "file %d holds %q", i, got[i])
	}
}

func TestWorkDirAndRotateInterval(t *testing.T) {
	d := startDaemons(t, false)
	work, out := t.TempDir(), t.TempDir()
	p := startProgram(t, "--nsqd-tcp-address="+d.nsqdTCP, "--topic=iv", "--output-dir="+out, "--work-dir="+work,
		"--filename-format=<TOPIC>/<HOST><REV>.<DATETIME>.log", "--host-identifier=h", "--datetime-format=%Y",
		"--rotate-interval=100ms", "--sync-interval=20ms", "--skip-empty-files")
	first := filepath.Join("iv", "h-000000."+year()+".log")
	second := filepath.Join("iv", "h-000001."+year()+".log")

	d.publish(t, "iv", "one")
	test.Eventually(t, waitFor, func() bool { return slices.Equal(files(t, out), []string{first}) },
		"first file moved to the output dir on rotation")
	require.Equal(t, "one\n", content(t, filepath.Join(out, first)), "first file")
	require.Empty(t, files(t, work), "work dir still holds")

	d.publish(t, "iv", "two")
	test.Eventually(t, waitFor, func() bool { return len(files(t, work)) == 1 }, "second file open in work dir")
	require.EqualValues(t, 0, p.stop(t, syscall.SIGTERM), "exit")
	require.Equal(t, []string{first, second}, files(t, out), "output files")
	assert.Equal(t, "two\n", content(t, filepath.Join(out, second)), "second file")
	assert.Empty(t, files(t, work), "work dir still holds")
}

func TestRotateIntervalOpensNewFiles(t *testing.T) {
	d := startDaemons(t, false)
	out := t.TempDir()
	p := startProgram(t, "--nsqd-tcp-address="+d.nsqdTCP, "--topic=ri", "--output-dir="+out,
		"--host-identifier=h", "--datetime-format=%Y", "--rotate-interval=50ms", "--sync-interval=20ms")
	d.publish(t, "ri", "x")
	test.Eventually(t, waitFor, func() bool { return len(files(t, out)) >= 3 }, "empty files opened on rotation")
	require.EqualValues(t, 0, p.stop(t, syscall.SIGTERM), "exit")
	re := regexp.MustCompile(`^ri\.h-\d{6}\.` + year() + `\.log$`)
	for _, f := range files(t, out) {
		assert.True(t, re.MatchString(f), "unexpected file %s", f)
	}
	assert.Equal(t, map[string]int{"x\n": 1}, lines(t, out))
}

// TestShutdownExactlyOnce stops the program while messages flow: every
// message is then either in a file exactly once or back in the channel.
func TestShutdownExactlyOnce(t *testing.T) {
	d := startDaemons(t, false)
	out := t.TempDir()
	msgs := bodies("m", 400)
	d.publish(t, "once", msgs...)
	p := startProgram(t, "--nsqd-tcp-address="+d.nsqdTCP, "--topic=once", "--output-dir="+out,
		"--gzip", "--rotate-size=500", "--max-in-flight=20", "--sync-interval=10ms")
	test.Eventually(t, waitFor, func() bool { return len(files(t, out)) >= 2 }, "archiving has started")
	require.EqualValues(t, 0, p.stop(t, syscall.SIGTERM), "exit")
	seen := lines(t, out)
	for l, n := range seen {
		assert.EqualValues(t, 1, n, "%q written %d times", l, n)
	}
	var depth, inFlight int64
	test.Eventually(t, waitFor, func() bool {
		depth, inFlight = d.channelCounts(t, "once", "nsq_to_file")
		return inFlight == 0 && int(depth)+len(seen) == len(msgs)
	}, "messages archived + left in the channel = published")
	for _, m := range msgs[:len(seen)] {
		assert.EqualValues(t, 1, seen[m+"\n"], "%s missing from the files", m)
	}
}

func TestTopicPatternDiscovery(t *testing.T) {
	d := startDaemons(t, true)
	out := t.TempDir()
	d.publish(t, "disc_a", "x")
	d.publish(t, "other", "o")
	waitLookupdTopics(t, d, "disc_a", "other")
	p := startProgram(t, "--lookupd-http-address="+d.lookupdHTTP, "--topic-pattern=^disc_", "--topic-refresh=20ms",
		"--output-dir="+out, "--host-identifier=h", "--datetime-format=%Y", "--sync-interval=20ms")
	fa, fb := "disc_a.h."+year()+".log", "disc_b.h."+year()+".log"
	test.Eventually(t, waitFor, func() bool { return slices.Equal(files(t, out), []string{fa}) })

	d.publish(t, "disc_b", "y")
	test.Eventually(t, waitFor, func() bool { return slices.Equal(files(t, out), []string{fa, fb}) },
		"topic created later is discovered")
	test.Eventually(t, waitFor, func() bool { return d.drained(t, "disc_b", "nsq_to_file", 1) })
	require.EqualValues(t, 0, p.stop(t, syscall.SIGTERM), "exit")
	a, b := content(t, filepath.Join(out, fa)), content(t, filepath.Join(out, fb))
	assert.Equal(t, "x\n", a, "contents %q %q", a, b)
	assert.Equal(t, "y\n", b, "contents %q %q", a, b)
	assert.Contains(t, p.stderr.String(), "WARNING: skipping topic other (doesn't match pattern ^disc_)", "no skip warning in:\n")
}

func waitLookupdTopics(t *testing.T, d *daemons, want ...string) {
	t.Helper()
	test.Eventually(t, waitFor, func() bool {
		var doc struct{ Topics []string }
		test.HTTPGetJSON(t, "http://"+d.lookupdHTTP+"/topics", &doc)
		slices.Sort(doc.Topics)
		return slices.Equal(doc.Topics, want)
	})
}

func TestMissingRevSkipsTopicButRuns(t *testing.T) {
	d := startDaemons(t, false)
	p := startProgram(t, "--nsqd-tcp-address="+d.nsqdTCP, "--topic=norev", "--output-dir="+t.TempDir(),
		"--gzip", "--filename-format=<TOPIC>.log")
	want := "ERROR: couldn't create logger for new topic norev: missing <REV> in --filename-format when gzip, rotation, or work dir enabled"
	test.Eventually(t, waitFor, func() bool { return strings.Contains(p.stderr.String(), want) })
	select {
	case code := <-p.exit:
		require.FailNow(t, "exited early", "exit code %d", code)
	case <-time.After(20 * time.Millisecond):
	}
	require.EqualValues(t, 0, p.stop(t, syscall.SIGTERM), "exit")
}
