package diskqueue

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// msgs returns n message payloads with 4-byte bodies (34-byte records).
func msgs(n int) [][]byte {
	var out [][]byte
	for i := range n {
		out = append(out, msg(i, fmt.Sprintf("m%03d", i)))
	}
	return out
}

func TestGarbageInMiddleOfSegment(t *testing.T) {
	dir := t.TempDir()
	log := newLogRecorder(t)
	m := msgs(5)
	garbage := bytes.Repeat([]byte{0xff}, 50)
	seg0 := [][]byte{record(m[0]), record(m[1]), garbage, record(m[2]), record(m[3])}
	writeFile(t, dir, "T.diskqueue.000000.dat", seg0...)
	writeFile(t, dir, "T.diskqueue.000001.dat", record(m[4]))
	writeFile(t, dir, "T.diskqueue.meta.dat", []byte("5\n0,0\n1,34\n"))
	q := open(t, testOptions(t, dir, log))
	expectRecords(t, q, m...)
	expectDepth(t, q, 0)
	require.True(t, log.has(ERROR, "skipped bytes 68-118 (50 bytes) of"), "skipped range not logged")
	require.Equal(t, string(bytes.Join(seg0, nil)), readFile(t, dir, "T.diskqueue.000000.dat.bad"), ".bad file is not the original segment")
	// The recovered segment is consumed and removed like any other.
	eventually(t, "recovered segment removed", func() bool {
		return !exists(dir, "T.diskqueue.000000.dat")
	})
}

// TestPlausibleGarbageNeedsValidator: garbage that starts with an in-range
// length is only detected with a validator.
func TestPlausibleGarbageWithValidator(t *testing.T) {
	dir := t.TempDir()
	log := newLogRecorder(t)
	m := msgs(4)
	garbage := append([]byte{0, 0, 0, 40}, bytes.Repeat([]byte{0xee}, 20)...)
	writeFile(t, dir, "T.diskqueue.000000.dat",
		record(m[0]), record(m[1]), garbage, record(m[2]), record(m[3]))
	writeFile(t, dir, "T.diskqueue.meta.dat", []byte("4\n0,0\n1,0\n"))
	o := testOptions(t, dir, log)
	o.Validate = validMsg
	q := open(t, o)
	expectRecords(t, q, m...)
	expectDepth(t, q, 0)
	require.True(t, log.has(ERROR, "skipped bytes 68-92 (24 bytes)"), "skipped range not logged")
}

func TestTruncatedLastRecord(t *testing.T) {
	dir := t.TempDir()
	log := newLogRecorder(t)
	m := msgs(4)
	writeFile(t, dir, "T.diskqueue.000000.dat", record(m[0]), record(m[1]), record(m[2])[:14])
	writeFile(t, dir, "T.diskqueue.000001.dat", record(m[3]))
	writeFile(t, dir, "T.diskqueue.meta.dat", []byte("4\n0,0\n1,34\n"))
	q := open(t, testOptions(t, dir, log))
	expectRecords(t, q, m[0], m[1], m[3])
	// Depth counted the lost record; it is reset when the reader catches up.
	expectDepth(t, q, 0)
	require.True(t, log.has(ERROR, "positive depth at tail (1)"), "loss not logged")
	require.True(t, log.has(ERROR, "skipped bytes 68-82"), "loss not logged")
	require.True(t, exists(dir, "T.diskqueue.000000.dat.bad"), "files: %v", listDir(t, dir))
	require.False(t, exists(dir, "T.diskqueue.000000.dat"), "files: %v", listDir(t, dir))
}

// TestBadLengthInWriteSegment: the damaged segment is also the one being
// written, so writing moves on and the recovered records keep their order.
func TestBadLengthInWriteSegment(t *testing.T) {
	dir := t.TempDir()
	log := newLogRecorder(t)
	m := msgs(5)
	bad := record(m[1])
	binary.BigEndian.PutUint32(bad, 0x7fffffff)
	writeFile(t, dir, "T.diskqueue.000000.dat", record(m[0]), bad, record(m[2]), record(m[3]))
	writeFile(t, dir, "T.diskqueue.meta.dat", []byte("4\n0,0\n0,136\n"))
	o := testOptions(t, dir, log)
	o.MaxBytesPerFile = 1000
	q := open(t, o)
	expectRecords(t, q, m[0], m[2], m[3])
	put(t, q, m[4])
	expectRecords(t, q, m[4])
	expectDepth(t, q, 0)
	require.True(t, log.has(ERROR, "skipped bytes 34-68 (34 bytes)"), "skipped range not logged")
	require.NoError(t, q.Close())
	require.Equal(t, "0\n1,34\n1,34\n", readFile(t, dir, "T.diskqueue.meta.dat"), "metadata")
	require.True(t, exists(dir, "T.diskqueue.000000.dat.bad"), "no .bad file")
}

func TestMissingSegment(t *testing.T) {
	dir := t.TempDir()
	log := newLogRecorder(t)
	m := msgs(3)
	writeFile(t, dir, "T.diskqueue.000000.dat", record(m[0]))
	writeFile(t, dir, "T.diskqueue.000002.dat", record(m[2]))
	writeFile(t, dir, "T.diskqueue.meta.dat", []byte("3\n0,0\n2,34\n"))
	q := open(t, testOptions(t, dir, log))
	expectRecords(t, q, m[0], m[2])
	expectDepth(t, q, 0)
	require.True(t, log.has(ERROR, "000001.dat is missing (segments 1..1), skipping to segment 2"), "missing segment not logged")
}

func TestCorruptMetadataRebuildsFromSegments(t *testing.T) {
	for _, meta := range []string{"garbage", "3\n0,0\n", "3\n2,100\n2,34\n", "3\n-1,0\n3,34\n", ""} {
		t.Run(fmt.Sprintf("%q", meta), func(t *testing.T) {
			dir := t.TempDir()
			log := newLogRecorder(t)
			m := msgs(4)
			writeFile(t, dir, "T.diskqueue.000002.dat", record(m[0]), record(m[1]))
			writeFile(t, dir, "T.diskqueue.000003.dat", record(m[2]))
			writeFile(t, dir, "T.diskqueue.000003.dat.bad", record(m[3]))
			writeFile(t, dir, "T.diskqueue.meta.dat", []byte(meta))
			q := open(t, testOptions(t, dir, log))
			require.EqualValues(t, 3, q.Depth(), "depth")
			expectRecords(t, q, m[:3]...)
			expectDepth(t, q, 0)
			put(t, q, m[3])
			require.NoError(t, q.Close())
			require.Equal(t, "1\n4,0\n4,34\n", readFile(t, dir, "T.diskqueue.meta.dat"), "metadata")
			require.True(t, log.has(ERROR, "unusable metadata file"), "not logged")
		})
	}
}

func TestMissingMetadataWithSegments(t *testing.T) {
	dir := t.TempDir()
	m := msgs(2)
	writeFile(t, dir, "T.diskqueue.000000.dat", record(m[0]), record(m[1]))
	q := open(t, testOptions(t, dir, newLogRecorder(t)))
	expectRecords(t, q, m...)
	expectDepth(t, q, 0)
}

func TestNegativeDepthIsRecounted(t *testing.T) {
	dir := t.TempDir()
	m := msgs(3)
	writeFile(t, dir, "T.diskqueue.000000.dat", record(m[0]), record(m[1]))
	writeFile(t, dir, "T.diskqueue.000001.dat", record(m[2]))
	writeFile(t, dir, "T.diskqueue.meta.dat", []byte("-4\n0,34\n1,34\n"))
	q := open(t, testOptions(t, dir, newLogRecorder(t)))
	require.EqualValues(t, 2, q.Depth(), "depth")
	expectRecords(t, q, m[1:]...)
}

// TestUncleanShutdownTail: records written after the last sync are beyond
// writePos; they are read and counted, and writing continues in a new segment.
func TestUncleanShutdownTail(t *testing.T) {
	dir := t.TempDir()
	log := newLogRecorder(t)
	m := msgs(5)
	writeFile(t, dir, "T.diskqueue.000000.dat", record(m[0]), record(m[1]), record(m[2]))
	// A segment written after a failed metadata write.
	writeFile(t, dir, "T.diskqueue.000001.dat", record(m[3]))
	writeFile(t, dir, "T.diskqueue.meta.dat", []byte("1\n0,0\n0,34\n"))
	o := testOptions(t, dir, log)
	o.MaxBytesPerFile = 1000
	q := open(t, o)
	require.EqualValues(t, 4, q.Depth(), "depth")
	put(t, q, m[4])
	expectRecords(t, q, m...)
	expectDepth(t, q, 0)
	require.NoError(t, q.Close())
	require.Equal(t, "0\n2,34\n2,34\n", readFile(t, dir, "T.diskqueue.meta.dat"), "metadata")
	require.EqualValues(t, 0, log.count(ERROR), "errors logged")
}

// TestUncleanShutdownTornTail: the last write was cut short by the crash.
func TestUncleanShutdownTornTail(t *testing.T) {
	dir := t.TempDir()
	log := newLogRecorder(t)
	m := msgs(4)
	writeFile(t, dir, "T.diskqueue.000000.dat", record(m[0]), record(m[1]), record(m[2])[:20])
	writeFile(t, dir, "T.diskqueue.meta.dat", []byte("1\n0,0\n0,34\n"))
	q := open(t, testOptions(t, dir, log))
	require.EqualValues(t, 2, q.Depth(), "depth")
	put(t, q, m[3])
	expectRecords(t, q, m[0], m[1], m[3])
	expectDepth(t, q, 0)
	require.True(t, exists(dir, "T.diskqueue.000000.dat.bad"), "torn segment not kept as .bad")
}

func TestWriteSegmentShorterThanMetadata(t *testing.T) {
	dir := t.TempDir()
	m := msgs(3)
	writeFile(t, dir, "T.diskqueue.000000.dat", record(m[0]))
	writeFile(t, dir, "T.diskqueue.meta.dat", []byte("2\n0,0\n0,68\n"))
	q := open(t, testOptions(t, dir, newLogRecorder(t)))
	put(t, q, m[2])
	expectRecords(t, q, m[0], m[2])
	expectDepth(t, q, 0)
	// Nothing was written into the hole of segment 0.
	require.False(t, exists(dir, "T.diskqueue.000000.dat"), "segment 0 still present")
}

func TestScanner(t *testing.T) {
	m := msgs(4)
	r := func(i int) []byte { return record(m[i]) }
	junk := func(b ...byte) []byte { return b }
	cases := []struct {
		name     string
		parts    [][]byte
		validate func([]byte) bool
		keep     []int // indices into m, in order
		skipped  []span
	}{
		{"clean", [][]byte{r(0), r(1)}, nil, []int{0, 1}, nil},
		{"junk first", [][]byte{junk(1, 2, 3), r(0), r(1)}, nil, []int{0, 1}, []span{{0, 3}}},
		{"junk between", [][]byte{r(0), junk(0xff, 0xff), r(1), r(2)}, nil, []int{0, 1, 2}, []span{{34, 36}}},
		{"truncated", [][]byte{r(0), r(1)[:30]}, nil, []int{0}, []span{{34, 64}}},
		{"short header", [][]byte{r(0), junk(0, 0)}, nil, []int{0}, []span{{34, 36}}},
		{"only junk", [][]byte{junk(0, 0, 0, 200, 1, 2, 3)}, nil, nil, []span{{0, 7}}},
		{"plausible junk with validator", [][]byte{junk(0, 0, 0, 30), bytes.Repeat([]byte{'x'}, 30), r(1)},
			validMsg, []int{1}, []span{{0, 34}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			buf := bytes.Join(c.parts, nil)
			sc := scanner{buf: buf, minSize: testMin, maxSize: testMax, validate: c.validate}
			keep, skipped := sc.scan()
			var got [][]byte
			for _, s := range keep {
				got = append(got, buf[s.start+4:s.end])
			}
			require.Len(t, got, len(c.keep), "kept %d records", len(got))
			for i, k := range c.keep {
				require.Equal(t, string(m[k]), string(got[i]), "kept record %d = %q", i, got[i])
			}
			require.Equal(t, fmt.Sprint(c.skipped), fmt.Sprint(skipped), "skipped %v", skipped)
		})
	}
}

// TestScannerWithoutValidatorKeepsPlausibleJunk shows the documented limit:
// junk shaped like a record is kept when there is no validator.
func TestScannerWithoutValidatorKeepsPlausibleJunk(t *testing.T) {
	m := msgs(2)
	junk := append([]byte{0, 0, 0, 30}, record(m[0])[:30]...)
	buf := append(junk, record(m[1])...)
	sc := scanner{buf: buf, minSize: testMin, maxSize: testMax}
	keep, skipped := sc.scan()
	require.Len(t, keep, 2, "keep %v skipped %v", keep, skipped)
	require.Empty(t, skipped, "keep %v skipped %v", keep, skipped)
	require.Equal(t, string(m[1]), string(buf[keep[1].start+4:keep[1].end]), "keep %v skipped %v", keep, skipped)
}

func TestEarlierBadFileIsKept(t *testing.T) {
	dir := t.TempDir()
	m := msgs(2)
	writeFile(t, dir, "T.diskqueue.000000.dat.bad", []byte("older"))
	writeFile(t, dir, "T.diskqueue.000000.dat", []byte{1, 2, 3}, record(m[0]), record(m[1]))
	writeFile(t, dir, "T.diskqueue.meta.dat", []byte("2\n0,0\n1,0\n"))
	q := open(t, testOptions(t, dir, newLogRecorder(t)))
	expectRecords(t, q, m...)
	require.Equal(t, "older", readFile(t, dir, "T.diskqueue.000000.dat.bad"), "files: %v", listDir(t, dir))
	require.True(t, exists(dir, "T.diskqueue.000000.dat.bad.1"), "files: %v", listDir(t, dir))
}

func TestManyMissingSegments(t *testing.T) {
	dir := t.TempDir()
	log := newLogRecorder(t)
	m := msgs(3)
	writeFile(t, dir, "T.diskqueue.000500.dat", record(m[0]))
	writeFile(t, dir, "T.diskqueue.900000.dat", record(m[1]))
	writeFile(t, dir, "T.diskqueue.meta.dat", []byte("9\n3,0\n900000,34\n"))
	q := open(t, testOptions(t, dir, log))
	put(t, q, m[2])
	expectRecords(t, q, m...)
	expectDepth(t, q, 0)
	require.LessOrEqual(t, log.count(ERROR), 3, "%d errors logged", log.count(ERROR))
}

func TestEmptyOverWideRange(t *testing.T) {
	dir := t.TempDir()
	m := msgs(2)
	writeFile(t, dir, "T.diskqueue.000500.dat", record(m[0]))
	writeFile(t, dir, "T.diskqueue.900000.dat", record(m[1]))
	writeFile(t, dir, "T.diskqueue.meta.dat", []byte("2\n3,0\n900000,34\n"))
	q := open(t, testOptions(t, dir, newLogRecorder(t)))
	require.NoError(t, q.Empty())
	require.Empty(t, listDir(t, dir), "files after Empty")
}
