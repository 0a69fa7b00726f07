package nsqd_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ---------------------------------------------------------------- nsqd.dat

type hMetaChannel struct {
	Name   string `json:"name"`
	Paused bool   `json:"paused"`
}

type hMetaTopic struct {
	Name     string          `json:"name"`
	Paused   bool            `json:"paused"`
	Channels json.RawMessage `json:"channels"`
}

// hReadMetadata reads nsqd.dat, checks its compact shape and key order and
// returns the topics sorted by name.
func hReadMetadata(t *testing.T, dir string) (raw []byte, topics []hMetaTopic) {
	t.Helper()
	raw = hReadFile(t, filepath.Join(dir, "nsqd.dat"))
	var buf bytes.Buffer
	require.NoError(t, json.Compact(&buf, raw), "nsqd.dat is not JSON: %q", raw)
	require.Equal(t, buf.String(), string(raw), "nsqd.dat is not compact JSON")
	hExpectKeys(t, "nsqd.dat", raw, "topics", "version")
	top := hObj(t, raw)
	require.Equal(t, `"1.3.0"`, string(top["version"]), "nsqd.dat version %s", top["version"])
	for _, traw := range hArr(t, top["topics"]) {
		hExpectKeys(t, "nsqd.dat topic", traw, "name", "paused", "channels")
		var tp hMetaTopic
		require.NoError(t, json.Unmarshal(traw, &tp))
		for _, craw := range hArr(t, tp.Channels) {
			hExpectKeys(t, "nsqd.dat channel", craw, "name", "paused")
		}
		topics = append(topics, tp)
	}
	sort.Slice(topics, func(i, j int) bool { return topics[i].Name < topics[j].Name })
	return raw, topics
}

// hMetaSummary renders topics as "name[P](c1,c2P)" for easy comparison.
func hMetaSummary(t *testing.T, topics []hMetaTopic) string {
	t.Helper()
	var parts []string
	for _, tp := range topics {
		s := tp.Name
		if tp.Paused {
			s += "P"
		}
		if string(tp.Channels) == "null" {
			s += "(null)"
		} else {
			var chans []hMetaChannel
			require.NoError(t, json.Unmarshal(tp.Channels, &chans))
			sort.Slice(chans, func(i, j int) bool { return chans[i].Name < chans[j].Name })
			var cs []string
			for _, c := range chans {
				if c.Paused {
					cs = append(cs, c.Name+"P")
				} else {
					cs = append(cs, c.Name)
				}
			}
			s += "(" + strings.Join(cs, ",") + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func hNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		require.False(t, strings.HasSuffix(e.Name(), ".tmp"), "temporary file left behind: %s", e.Name())
	}
}

func hMode0600(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.EqualValues(t, 0o600, fi.Mode().Perm(), "%s has mode %v, want 0600", filepath.Base(path), fi.Mode().Perm())
}

func TestPersistMetadataEmpty(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, nil)
	dir := h.Opts.DataPath
	const want = `{"topics":null,"version":"1.3.0"}`
	// Written at startup already.
	require.Equal(t, want, string(hReadFile(t, filepath.Join(dir, "nsqd.dat"))), "nsqd.dat after start")
	h.Stop()
	require.Equal(t, want, string(hReadFile(t, filepath.Join(dir, "nsqd.dat"))), "nsqd.dat after exit")
	hMode0600(t, filepath.Join(dir, "nsqd.dat"))
	hNoTempFiles(t, dir)
}

func hSetupMetadataState(t *testing.T, h *testcluster.NSQD) {
	t.Helper()
	for _, p := range []string{
		"/topic/create?topic=a",
		"/channel/create?topic=a&channel=c1",
		"/channel/create?topic=a&channel=c2",
		"/channel/create?topic=a&channel=x%23ephemeral",
		"/channel/pause?topic=a&channel=c2",
		"/topic/create?topic=b",
		"/topic/pause?topic=b",
		"/topic/create?topic=e%23ephemeral",
		"/channel/create?topic=e%23ephemeral&channel=c",
		"/topic/create?topic=f",
		"/channel/create?topic=f&channel=only%23ephemeral",
	} {
		hExpectEmpty(t, test.HTTPPost(t, h.URL()+p, ""))
	}
}

const hWantMeta = "a(c1,c2P) bP(null) f(null)"

func TestPersistMetadataShape(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, nil)
	dir := h.Opts.DataPath
	hSetupMetadataState(t, h)
	// Persisted while running (creation asynchronously, pause on the call).
	test.Eventually(t, hWait, func() bool {
		_, topics := hReadMetadata(t, dir)
		return hMetaSummary(t, topics) == hWantMeta
	}, "nsqd.dat reflects the running state")

	h.Stop()
	raw, topics := hReadMetadata(t, dir)
	require.Equal(t, hWantMeta, hMetaSummary(t, topics), "nsqd.dat after exit:\n%s", raw)
	hMode0600(t, filepath.Join(dir, "nsqd.dat"))
	hNoTempFiles(t, dir)
}

func TestPersistMetadataPauseImmediate(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, nil)
	dir := h.Opts.DataPath
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/topic/create?topic=p", ""))
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/channel/create?topic=p&channel=c", ""))
	test.Eventually(t, hWait, func() bool {
		_, topics := hReadMetadata(t, dir)
		return hMetaSummary(t, topics) == "p(c)"
	}, "created topic persisted")
	for _, step := range []struct{ path, want string }{
		{"/topic/pause?topic=p", "pP(c)"},
		{"/channel/pause?topic=p&channel=c", "pP(cP)"},
		{"/topic/unpause?topic=p", "p(cP)"},
		{"/channel/unpause?topic=p&channel=c", "p(c)"},
	} {
		hExpectEmpty(t, test.HTTPPost(t, h.URL()+step.path, ""))
		_, topics := hReadMetadata(t, dir)
		require.Equal(t, step.want, hMetaSummary(t, topics), "right after %s nsqd.dat says", step.path)
	}
}

func TestPersistMetadataReload(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, nil)
	dir := h.Opts.DataPath
	hSetupMetadataState(t, h)
	h.Stop()

	h2 := startNSQD(t, func(o *nsqd.Options) { o.DataPath = dir })
	s, _ := getStats(t, h2, "")
	var parts []string
	for _, tp := range s.Topics {
		p := tp.TopicName
		if tp.Paused {
			p += "P"
		}
		var cs []string
		for _, c := range tp.Channels {
			if c.Paused {
				cs = append(cs, c.ChannelName+"P")
			} else {
				cs = append(cs, c.ChannelName)
			}
		}
		parts = append(parts, p+"("+strings.Join(cs, ",")+")")
	}
	require.Equal(t, "a(c1,c2P) bP() f()", strings.Join(parts, " "), "state after restart")

	// The restored pause flags are in force.
	c := test.DialV2(t, h2.TCPAddr)
	c.Sub(t, "a", "c1")
	c.Cmd("RDY 5")
	hExpectOK(t, test.HTTPPost(t, h2.URL()+"/pub?topic=a", "x"))
	require.Equal(t, "x", string(c.ReadMessage(t).Body))
	test.Eventually(t, hWait, func() bool { return channelOf(t, h2, "a", "c2").Depth == 1 }, "paused c2 holds the message")
	hExpectOK(t, test.HTTPPost(t, h2.URL()+"/pub?topic=b", "y"))
	tp := topicOf(t, h2, "b")
	require.EqualValues(t, 1, tp.Depth, "paused topic b %+v", *tp)
	require.True(t, tp.Paused, "paused topic b %+v", *tp)
}

func TestPersistMetadataInvalid(t *testing.T) {
	t.Parallel()
	for _, content := range []string{"{not json", "", `{"topics":[{"name":1}]}`} {
		opts := testcluster.NSQDOptions(t, testDefaults)
		hWriteFile(t, filepath.Join(opts.DataPath, "nsqd.dat"), []byte(content))
		n, err := nsqd.New(opts)
		if err == nil {
			n.Exit()
		}
		require.Error(t, err, "nsqd.dat %q: New succeeded", content)
		require.Contains(t, err.Error(), "failed to parse metadata", "nsqd.dat %q: error %q does not mention %q", content, err, "failed to parse metadata")
	}
}

func TestPersistMetadataInvalidNamesSkipped(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	hWriteFile(t, filepath.Join(dir, "nsqd.dat"), []byte(`{"topics":[`+
		`{"name":"good","paused":false,"channels":[{"name":"ok","paused":true},{"name":"bad!","paused":false},{"name":"","paused":false}]},`+
		`{"name":"bad topic","paused":false,"channels":[{"name":"c","paused":false}]},`+
		`{"name":"","paused":true,"channels":null},`+
		`{"name":"`+strings.Repeat("x", 65)+`","paused":false,"channels":null},`+
		`{"name":"also-good","paused":true,"channels":null}`+
		`],"version":"1.2.1"}`))
	h := startNSQD(t, testcluster.WithDataPath(dir))
	s, _ := getStats(t, h, "")
	var parts []string
	for _, tp := range s.Topics {
		p := tp.TopicName + fmt.Sprint(tp.Paused)
		for _, c := range tp.Channels {
			p += "/" + c.ChannelName + fmt.Sprint(c.Paused)
		}
		parts = append(parts, p)
	}
	require.Equal(t, "also-goodtrue goodfalse/oktrue", strings.Join(parts, " "), "loaded")
	// And the file is rewritten without them.
	h.Stop()
	_, topics := hReadMetadata(t, dir)
	require.Equal(t, "also-goodP(null) good(okP)", hMetaSummary(t, topics), "rewritten nsqd.dat")
}

// ---------------------------------------------------------------- disk queue format

// hRecord encodes one disk-queue record: [4-byte length][ts][attempts][id][body].
func hRecord(ts int64, attempts uint16, id string, body string) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(26+len(body)))
	b = binary.BigEndian.AppendUint64(b, uint64(ts))
	b = binary.BigEndian.AppendUint16(b, attempts)
	b = append(b, id...)
	return append(b, body...)
}

func hMetaFile(depth, readNum, readPos, writeNum, writePos int) []byte {
	return fmt.Appendf(nil, "%d\n%d,%d\n%d,%d\n", depth, readNum, readPos, writeNum, writePos)
}

type hStored struct {
	ts       int64
	attempts uint16
	id       string
	body     string
}

// TestPersistReadsUpstreamDataDir builds a data directory byte by byte from
// the upstream layout and checks that every stored message is delivered.
func TestPersistReadsUpstreamDataDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := time.Now().Add(-time.Hour).UnixNano()
	hWriteFile(t, filepath.Join(dir, "nsqd.dat"),
		[]byte(`{"topics":[{"channels":[{"name":"ch","paused":false}],"name":"compat","paused":false}],"version":"1.3.0"}`))

	// Topic queue: one record already consumed (before readPos), two pending.
	consumed := hRecord(base, 0, "0000000000000001", "already consumed")
	t1 := hStored{base + 1, 0, "0000000000000a01", "topic one"}
	t2 := hStored{base + 2, 0, "0000000000000a02", "topic two"}
	seg := append(append(append([]byte(nil), consumed...),
		hRecord(t1.ts, t1.attempts, t1.id, t1.body)...), hRecord(t2.ts, t2.attempts, t2.id, t2.body)...)
	hWriteFile(t, filepath.Join(dir, "compat.diskqueue.000000.dat"), seg)
	hWriteFile(t, filepath.Join(dir, "compat.diskqueue.meta.dat"), hMetaFile(2, 0, len(consumed), 0, len(seg)))

	// Channel queue: two segments, stored attempts preserved.
	c1 := hStored{base + 3, 2, "0000000000000b01", "channel one"}
	c2 := hStored{base + 4, 0, "0000000000000b02", "channel two\n\x00binary"}
	c3 := hStored{base + 5, 5, "0000000000000b03", "channel three (second segment)"}
	seg0 := append(hRecord(c1.ts, c1.attempts, c1.id, c1.body), hRecord(c2.ts, c2.attempts, c2.id, c2.body)...)
	seg1 := hRecord(c3.ts, c3.attempts, c3.id, c3.body)
	hWriteFile(t, filepath.Join(dir, "compat:ch.diskqueue.000000.dat"), seg0)
	hWriteFile(t, filepath.Join(dir, "compat:ch.diskqueue.000001.dat"), seg1)
	hWriteFile(t, filepath.Join(dir, "compat:ch.diskqueue.meta.dat"), hMetaFile(3, 0, 0, 1, len(seg1)))

	h := startNSQD(t, func(o *nsqd.Options) { o.DataPath = dir })
	test.Eventually(t, hWait, func() bool {
		ch := channelOf(t, h, "compat", "ch")
		return ch != nil && ch.Depth == 5 && topicOf(t, h, "compat").Depth == 0
	}, fmt.Sprintf("5 stored messages reach the channel: %+v", topicOf(t, h, "compat")))

	want := map[string]hStored{}
	for _, s := range []hStored{t1, t2, c1, c2, c3} {
		want[s.id] = s
	}
	c := test.DialV2(t, h.TCPAddr)
	c.Sub(t, "compat", "ch")
	c.Cmd("RDY 10")
	for range 5 {
		m := c.ReadMessage(t)
		s, ok := want[m.ID]
		require.True(t, ok, "unexpected message id %q body %q", m.ID, m.Body)
		delete(want, m.ID)
		require.Equal(t, s.body, string(m.Body), "message %s: body", m.ID)
		require.Equal(t, s.ts, m.Timestamp, "message %s: timestamp", m.ID)
		require.Equal(t, s.attempts+1, m.Attempts, "message %s: attempts", m.ID)
		c.Cmd("FIN " + m.ID)
	}
	test.Eventually(t, hWait, func() bool {
		ch := channelOf(t, h, "compat", "ch")
		return ch.Depth == 0 && ch.InFlightCount == 0
	}, fmt.Sprintf("everything consumed, nothing else delivered: %+v", channelOf(t, h, "compat", "ch")))
}

// hDiskRecords is an independent reader of one disk queue following the
// upstream layout. It returns the metadata and the pending records.
func hDiskRecords(t *testing.T, dir, name string, maxBytesPerFile int) (meta string, recs []hStored) {
	t.Helper()
	metaPath := filepath.Join(dir, name+".diskqueue.meta.dat")
	meta = string(hReadFile(t, metaPath))
	hMode0600(t, metaPath)
	require.True(t, regexp.MustCompile(`^\d+\n\d+,\d+\n\d+,\d+\n$`).MatchString(meta), "%s metadata %q does not match %%d\\n%%d,%%d\\n%%d,%%d\\n", name, meta)
	var depth, rNum, rPos, wNum, wPos int
	_, err := fmt.Sscanf(meta, "%d\n%d,%d\n%d,%d\n", &depth, &rNum, &rPos, &wNum, &wPos)
	require.NoError(t, err, "%s metadata %q", name, meta)
	for num := rNum; num <= wNum; num++ {
		path := filepath.Join(dir, name+".diskqueue."+fmt.Sprintf("%06d", num)+".dat")
		data := hReadFile(t, path)
		hMode0600(t, path)
		pos, end := 0, len(data)
		if num == rNum {
			pos = rPos
		}
		if num == wNum {
			require.LessOrEqual(t, wPos, len(data), "%s: write position beyond the file size", path)
			end = wPos
		}
		if len(data) > maxBytesPerFile && end > 0 {
			// Only a single oversized record may exceed the limit.
			require.Equal(t, len(data), int(binary.BigEndian.Uint32(data))+4, "%s is %d bytes, over the %d limit", path, len(data), maxBytesPerFile)
		}
		for pos < end {
			require.GreaterOrEqual(t, end-pos, 4, "%s: truncated length at %d", path, pos)
			l := int(binary.BigEndian.Uint32(data[pos:]))
			require.True(t, l >= 26 && pos+4+l <= end, "%s: bad record length %d at %d", path, l, pos)
			p := data[pos+4 : pos+4+l]
			recs = append(recs, hStored{
				ts:       int64(binary.BigEndian.Uint64(p)),
				attempts: binary.BigEndian.Uint16(p[8:]),
				id:       string(p[10:26]),
				body:     string(p[26:]),
			})
			pos += 4 + l
		}
	}
	require.Equal(t, len(recs), depth, "%s: metadata depth %d but %d records pending", name, depth, len(recs))
	return meta, recs
}

// TestPersistWritesUpstreamDataDir checks the files nsqd writes against the
// upstream layout with an independent reader.
func TestPersistWritesUpstreamDataDir(t *testing.T) {
	t.Parallel()
	const maxBytes = 100
	h := startNSQD(t, func(o *nsqd.Options) { o.MaxBytesPerFile = maxBytes })
	dir := h.Opts.DataPath
	start := time.Now().UnixNano()
	for i := range 5 {
		hExpectOK(t, test.HTTPPost(t, h.URL()+"/pub?topic=rev", fmt.Sprint("msg-", i)))
	}
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/topic/create?topic=rev2", ""))
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/channel/create?topic=rev2&channel=c", ""))
	hExpectOK(t, test.HTTPPost(t, h.URL()+"/mpub?topic=rev2", "a-0\na-1\na-2"))
	test.Eventually(t, hWait, func() bool { return channelOf(t, h, "rev2", "c").Depth == 3 }, "rev2:c has 3")
	end := time.Now().UnixNano()
	h.Stop()
	hNoTempFiles(t, dir)

	check := func(name, wantMeta string, bodies ...string) {
		t.Helper()
		meta, recs := hDiskRecords(t, dir, name, maxBytes)
		assert.Equal(t, wantMeta, meta, "%s metadata %q, want %q", name, meta, wantMeta)
		require.Len(t, recs, len(bodies), "%s: %d records, want %d", name, len(recs), len(bodies))
		ids := map[string]bool{}
		for i, r := range recs {
			require.Equal(t, bodies[i], r.body, "%s record %d: %+v", name, i, r)
			require.Zero(t, r.attempts, "%s record %d: %+v", name, i, r)
			require.True(t, r.ts >= start && r.ts <= end, "%s record %d: %+v, timestamp outside the publish window", name, i, r)
			require.Regexp(t, `^[0-9a-f]{16}$`, r.id, "%s record %d: %+v", name, i, r)
			require.False(t, ids[r.id], "%s record %d: %+v, repeated id", name, i, r)
			ids[r.id] = true
		}
	}
	// 35-byte records, 100-byte files: two per segment.
	check("rev", "5\n0,0\n2,35\n", "msg-0", "msg-1", "msg-2", "msg-3", "msg-4")
	for i := range 3 {
		_, err := os.Stat(filepath.Join(dir, "rev.diskqueue.00000"+strconv.Itoa(i)+".dat"))
		require.NoError(t, err, "segment %d", i)
	}
	fi, err := os.Stat(filepath.Join(dir, "rev.diskqueue.000000.dat"))
	require.NoError(t, err, "first segment")
	require.EqualValues(t, 70, fi.Size(), "first segment size")
	// 33-byte records: three fit in 100 bytes (99).
	check("rev2:c", "3\n0,0\n0,99\n", "a-0", "a-1", "a-2")

	// Round trip: a new nsqd reads it all back.
	h2 := startNSQD(t, func(o *nsqd.Options) { o.DataPath = dir; o.MaxBytesPerFile = maxBytes })
	c := test.DialV2(t, h2.TCPAddr)
	c.Sub(t, "rev", "c")
	c.Cmd("RDY 10")
	for i := range 5 {
		m := c.ReadMessage(t)
		require.Equal(t, fmt.Sprint("msg-", i), string(m.Body), "round trip message")
		require.EqualValues(t, 1, m.Attempts, "round trip message")
		c.Cmd("FIN " + m.ID)
	}
}
