package reliability

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDisk damages a channel's disk queue as a disk or an operator could
// and checks, from outside nsqd, that it keeps running and delivers every
// record that internal/diskqueue's documentation says survives. The cases
// share one nsqd binary and run in parallel.
func TestDisk(t *testing.T) {
	bin := buildNSQD(t)
	for _, c := range []struct {
		name string
		run  func(*testing.T, string)
	}{
		{"TruncatedSegment", testDiskTruncatedSegment},
		{"Garbage", testDiskGarbage},
		{"CorruptMetadata", testDiskCorruptMetadata},
		{"SegmentDeletedWhileRunning", testDiskSegmentDeletedWhileRunning},
		{"Full", testDiskFull},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, bin)
		})
	}
}

const (
	diskTopic   = "disk"
	diskChannel = "c"
	// Small segments, so that a few hundred messages span several.
	diskSegmentBytes = 2048
)

// record is one record of a segment file.
type record struct {
	off  int64 // of its length prefix
	size int64 // length prefix included
	id   string
}

// readSegment parses a segment written by nsqd.
func readSegment(t *testing.T, path string) []record {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var out []record
	for off := 0; off < len(b); {
		require.GreaterOrEqual(t, len(b)-off, 4, "%s: torn length at %d", path, off)
		n := int(binary.BigEndian.Uint32(b[off:]))
		require.True(t, n >= 26 && off+4+n <= len(b), "%s: bad record at %d (length %d)", path, off, n)
		m, err := test.ParseMessage(b[off+4 : off+4+n])
		require.NoError(t, err, "%s: record at %d", path, off)
		id, ok := checkBody(m.Body)
		require.True(t, ok, "%s: record at %d has a damaged body", path, off)
		out = append(out, record{off: int64(off), size: int64(4 + n), id: id})
		off += 4 + n
	}
	return out
}

// segments lists the channel's segment files, in order.
func segments(t *testing.T, dataPath string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dataPath, diskTopic+":"+diskChannel+".diskqueue.*.dat"))
	require.NoError(t, err)
	names = slices.DeleteFunc(names, func(n string) bool { return strings.HasSuffix(n, ".meta.dat") })
	slices.Sort(names) // six-digit numbers: lexical order is numeric order
	return names
}

// prepareQueue runs nsqd with every message on disk, publishes n messages
// to the channel and stops nsqd cleanly, leaving them in several segments.
func prepareQueue(t *testing.T, bin string, n int) (*nsqdProc, []string) {
	t.Helper()
	p := newNSQDProc(t, bin, t.TempDir(), "--mem-queue-size=0",
		fmt.Sprintf("--max-bytes-per-file=%d", diskSegmentBytes))
	p.start()
	p.createChannel(diskTopic, diskChannel)
	c, err := test.DialRaw(p.tcpAddr)
	require.NoError(t, err)
	defer c.Close()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("m%04d", i)
		require.NoError(t, c.Request("PUB "+diskTopic, makeBody(ids[i], 30+i%50)), "PUB %d", i)
	}
	p.stop()
	segs := segments(t, p.dataPath)
	require.GreaterOrEqual(t, len(segs), 5, "want at least 5 segments, have %v", segs)
	return p, ids
}

// checkDelivered fails unless every id outside mayLose was delivered, and
// no damaged or unknown body was.
func checkDelivered(t *testing.T, ids []string, d *delivery, mayLose map[string]bool) {
	t.Helper()
	assert.Empty(t, d.corrupt, "delivered damaged bodies")
	known := make(map[string]bool, len(ids))
	var missing, lost []string
	for _, id := range ids {
		known[id] = true
		switch {
		case d.count[id] > 0:
		case mayLose[id]:
			lost = append(lost, id)
		default:
			missing = append(missing, id)
		}
	}
	for id := range d.count {
		assert.True(t, known[id], "delivered unknown body %q", id)
	}
	assert.Empty(t, missing, "%d good records not delivered", len(missing))
	t.Logf("%d records: %d delivered, %d not delivered (of %d allowed to be missing), %d duplicates",
		len(ids), len(d.count), len(lost), len(mayLose), d.duplicates())
}

// checkAlive fails unless nsqd is still running and healthy.
func checkAlive(t *testing.T, p *nsqdProc) {
	t.Helper()
	require.True(t, p.running(), "nsqd exited:\n%s", p.logTail())
	code, body, err := p.ping()
	assert.Equal(t, http.StatusOK, code, "/ping: %q %v", body, err)
	assert.Equal(t, "OK", body, "/ping")
}

// checkBadFile fails unless a damaged segment was set aside as *.bad*.
func checkBadFile(t *testing.T, dataPath string) {
	t.Helper()
	bad, _ := filepath.Glob(filepath.Join(dataPath, "*.bad*"))
	assert.NotEmpty(t, bad, "no damaged segment renamed *.bad in %s", dataPath)
}

func addIDs(set map[string]bool, recs []record) {
	for _, r := range recs {
		set[r.id] = true
	}
}

// testDiskTruncatedSegment cuts a completed segment and the write segment
// in the middle of a record: the records before the cut are delivered, the
// cut one and those after it in the same file are gone, the other
// segments are intact.
func testDiskTruncatedSegment(t *testing.T, bin string) {
	p, ids := prepareQueue(t, bin, 150)
	segs := segments(t, p.dataPath)
	mayLose := make(map[string]bool)
	for _, seg := range []string{segs[1], segs[len(segs)-1]} {
		recs := readSegment(t, seg)
		k := len(recs) / 2
		require.NoError(t, os.Truncate(seg, recs[k].off+4+13))
		addIDs(mayLose, recs[k:])
	}
	p.start()
	d := consume(t, p, diskTopic, diskChannel, time.Minute)
	checkDelivered(t, ids, d, mayLose)
	checkBadFile(t, p.dataPath)
	checkAlive(t, p)
}

// testDiskGarbage overwrites a record's length with garbage in one segment
// and inserts garbage between two records in another: the overwritten
// record is lost, every other one is delivered.
func testDiskGarbage(t *testing.T, bin string) {
	p, ids := prepareQueue(t, bin, 150)
	segs := segments(t, p.dataPath)
	garbage := bytes.Repeat([]byte{0xff, 0xa5, 0x5a, 0xee}, 5)
	mayLose := make(map[string]bool)

	recs := readSegment(t, segs[1])
	k := len(recs) / 2
	f, err := os.OpenFile(segs[1], os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteAt(garbage[:12], recs[k].off)
	require.NoError(t, err)
	f.Close()
	addIDs(mayLose, recs[k:k+1])

	recs = readSegment(t, segs[2])
	b, err := os.ReadFile(segs[2])
	require.NoError(t, err)
	at := recs[len(recs)/2].off
	b = slices.Concat(b[:at], garbage[:17], b[at:])
	require.NoError(t, os.WriteFile(segs[2], b, 0o600))

	p.start()
	d := consume(t, p, diskTopic, diskChannel, time.Minute)
	checkDelivered(t, ids, d, mayLose)
	checkBadFile(t, p.dataPath)
	checkAlive(t, p)
}

// testDiskCorruptMetadata consumes part of the queue, stops nsqd, replaces
// the queue's metadata file with garbage and restarts: the queue is
// rebuilt from the segments present, so every unconsumed record is
// delivered (consumed ones of the first remaining segment again).
func testDiskCorruptMetadata(t *testing.T, bin string) {
	p, ids := prepareQueue(t, bin, 150)
	const consumed = 40
	p.start()
	c, err := test.DialRaw(p.tcpAddr)
	require.NoError(t, err)
	readAndFinish(t, c, consumed)
	c.Close()
	p.stop()

	meta := filepath.Join(p.dataPath, diskTopic+":"+diskChannel+".diskqueue.meta.dat")
	_, err = os.Stat(meta)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(meta, []byte("17\nnot,metadata\n\x00\x01\n"), 0o600))
	p.start()
	d := consume(t, p, diskTopic, diskChannel, time.Minute)
	mayLose := make(map[string]bool)
	for _, id := range ids[:consumed] {
		mayLose[id] = true // consumed before the damage
	}
	checkDelivered(t, ids, d, mayLose)
	checkAlive(t, p)
}

// readAndFinish subscribes on c and consumes n messages one at a time,
// leaving nothing in flight.
func readAndFinish(t *testing.T, c *test.Conn, n int) {
	t.Helper()
	require.NoError(t, c.Request("SUB "+diskTopic+" "+diskChannel, nil))
	require.NoError(t, c.WriteCmd("RDY 1", nil))
	for i := range n {
		ft, data, err := c.Frame(10 * time.Second)
		require.NoError(t, err, "message")
		require.Equal(t, protocol.FrameTypeMessage, ft, "message")
		m, err := test.ParseMessage(data)
		require.NoError(t, err)
		if i == n-1 {
			// Stop delivery before the last FIN frees the slot.
			require.NoError(t, c.WriteCmd("RDY 0", nil))
		}
		require.NoError(t, c.WriteCmd("FIN "+string(m.ID[:]), nil))
	}
}

// testDiskSegmentDeletedWhileRunning removes a segment the reader has not
// reached while nsqd serves the queue: nsqd skips it and delivers every
// record of the other segments.
func testDiskSegmentDeletedWhileRunning(t *testing.T, bin string) {
	p, ids := prepareQueue(t, bin, 150)
	p.start()
	c, err := test.DialRaw(p.tcpAddr)
	require.NoError(t, err)
	readAndFinish(t, c, 1)
	segs := segments(t, p.dataPath)
	victim := segs[len(segs)-3]
	mayLose := map[string]bool{ids[0]: true} // consumed above
	addIDs(mayLose, readSegment(t, victim))
	require.NoError(t, os.Remove(victim))
	c.Close()
	d := consume(t, p, diskTopic, diskChannel, time.Minute)
	checkDelivered(t, ids, d, mayLose)
	checkAlive(t, p)
}

// mountTmpfs mounts a 2 MiB tmpfs on a fresh directory, or skips the test.
func mountTmpfs(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("ENOSPC test: needs root to mount a small tmpfs")
	}
	dir := filepath.Join(t.TempDir(), "fs")
	require.NoError(t, os.Mkdir(dir, 0o700))
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("ENOSPC test: cannot mount a tmpfs (%v: %s)", err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() {
		out, err := exec.Command("umount", dir).CombinedOutput()
		assert.NoError(t, err, "umount %s: %s", dir, out)
	})
	return dir
}

// fillFS writes path until the file system is full.
func fillFS(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			require.ErrorIs(t, err, syscall.ENOSPC, "filling %s: %v", path, err)
			return
		}
	}
}

// dpubOnFullDisk DPUBs until nsqd cannot write the journal record (the
// journal's last page may still have room) and checks that the answer is
// E_DPUB_FAILED; the acknowledged ones must be delivered later.
func dpubOnFullDisk(t *testing.T, p *nsqdProc, next func() string, failed map[string]bool) {
	t.Helper()
	c, err := test.DialRaw(p.tcpAddr)
	require.NoError(t, err)
	defer c.Close()
	for range 1000 {
		id := next()
		err = c.Request("DPUB "+diskTopic+" 1000", makeBody(id, 60))
		if err != nil {
			failed[id] = true
			break
		}
	}
	var ne *test.FrameError
	require.True(t, errors.As(err, &ne), "DPUB on a full disk: want E_DPUB_FAILED, got")
	require.True(t, strings.HasPrefix(ne.Data, "E_DPUB_FAILED "), "DPUB on a full disk: want E_DPUB_FAILED, got")
	t.Logf("DPUB on a full disk: %s", ne.Data)
}

// testDiskFull runs nsqd with every message on a tiny tmpfs that the test
// then fills: publishing fails with E_PUB_FAILED (and a closed
// connection), DPUB with E_DPUB_FAILED, and HTTP /pub fails, /ping reports
// the error; deferred messages that come due meanwhile are held; once space
// is freed publishing works again, /ping is OK and every message
// acknowledged before, during and after is delivered.
func testDiskFull(t *testing.T, bin string) {
	dir := mountTmpfs(t)
	p := newNSQDProc(t, bin, dir, "--mem-queue-size=0")
	p.start()
	p.createChannel(diskTopic, diskChannel)

	var sent []string
	failed := make(map[string]bool) // not acknowledged: may or may not arrive
	next := func() string {
		id := fmt.Sprintf("f%05d", len(sent))
		sent = append(sent, id)
		return id
	}
	pub := func(c *test.Conn) error {
		id := next()
		err := c.Request("PUB "+diskTopic, makeBody(id, 60))
		if err != nil {
			failed[id] = true
		}
		return err
	}
	c, err := test.DialRaw(p.tcpAddr)
	require.NoError(t, err)
	defer c.Close()
	for range 50 {
		require.NoError(t, pub(c))
	}
	// Deferred messages that come due while the disk is full cannot be
	// queued: they must wait and retry, not be dropped.
	const deferred, delay = 20, time.Second
	for range deferred {
		require.NoError(t, c.Request(fmt.Sprintf("DPUB %s %d", diskTopic, delay.Milliseconds()), makeBody(next(), 60)))
	}
	due := time.Now().Add(delay)

	filler := filepath.Join(dir, "filler")
	fillFS(t, filler)
	dpubOnFullDisk(t, p, next, failed)
	var pubErr error
	for range 10000 {
		if pubErr = pub(c); pubErr != nil {
			break
		}
	}
	var ne *test.FrameError
	require.True(t, errors.As(pubErr, &ne), "PUB on a full disk: want E_PUB_FAILED, got")
	require.Equal(t, protocol.FrameTypeError, ne.FrameType, "PUB on a full disk: want E_PUB_FAILED, got")
	require.True(t, strings.HasPrefix(ne.Data, "E_PUB_FAILED "), "PUB on a full disk: want E_PUB_FAILED, got")
	t.Logf("PUB on a full disk: %s", ne.Data)
	ft, data, err := c.Frame(5 * time.Second)
	assert.Error(t, err, "connection still open after %s: frame %d %q", ne.Data, ft, data)

	code, body := 0, ""
	for range 1000 {
		id := next()
		code, body, err = p.post("/pub?topic="+diskTopic, makeBody(id, 60))
		require.NoError(t, err)
		if code != http.StatusOK {
			failed[id] = true
			break
		}
	}
	require.NotEqual(t, http.StatusOK, code, "HTTP /pub kept answering 200 on a full disk")
	t.Logf("HTTP /pub on a full disk: %d %q", code, body)
	code, body, err = p.ping()
	assert.Equal(t, http.StatusInternalServerError, code, "/ping on a full disk: %q %v", body, err)
	assert.True(t, strings.HasPrefix(body, "NOK - "), "/ping on a full disk: %q, want NOK - ...", body)
	t.Logf("/ping on a full disk: %d %q", code, body)

	test.Eventually(t, 10*time.Second, func() bool {
		s, err := p.channelStats(diskTopic, diskChannel)
		return err == nil && time.Now().After(due.Add(2*time.Second)) && s.Deferred >= deferred
	}, "the deferred messages still held two retries after they came due on the full disk")

	require.NoError(t, os.Remove(filler))
	c2, err := test.DialRaw(p.tcpAddr)
	require.NoError(t, err)
	defer c2.Close()
	for range 20 {
		require.NoError(t, pub(c2), "PUB after freeing space")
	}
	code, body, err = p.ping()
	assert.Equal(t, http.StatusOK, code, "/ping after freeing space: %q %v", body, err)
	assert.Equal(t, "OK", body, "/ping after freeing space")
	d := consume(t, p, diskTopic, diskChannel, time.Minute)
	t.Logf("%d publishes, %d of them failed", len(sent), len(failed))
	checkDelivered(t, sent, d, failed)
	checkAlive(t, p)
}
