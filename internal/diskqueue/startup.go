package diskqueue

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// metaData is the content of the metadata file.
type metaData struct {
	depth        int64
	readFileNum  int64
	readPos      int64
	writeFileNum int64
	writePos     int64
}

// appendMetaData appends m in the "%d\n%d,%d\n%d,%d\n" layout.
func appendMetaData(b []byte, m metaData) []byte {
	b = strconv.AppendInt(b, m.depth, 10)
	b = append(b, '\n')
	b = strconv.AppendInt(b, m.readFileNum, 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, m.readPos, 10)
	b = append(b, '\n')
	b = strconv.AppendInt(b, m.writeFileNum, 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, m.writePos, 10)
	return append(b, '\n')
}

// parseMetaData parses the metadata file and checks that its positions are
// consistent. A negative depth is accepted.
func parseMetaData(b []byte) (metaData, error) {
	var m metaData
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 3 {
		return m, fmt.Errorf("want 3 lines, found %d", len(lines))
	}
	var err error
	if m.depth, err = strconv.ParseInt(lines[0], 10, 64); err != nil {
		return m, err
	}
	if m.readFileNum, m.readPos, err = parsePair(lines[1]); err != nil {
		return m, err
	}
	if m.writeFileNum, m.writePos, err = parsePair(lines[2]); err != nil {
		return m, err
	}
	if m.readFileNum > m.writeFileNum ||
		(m.readFileNum == m.writeFileNum && m.readPos > m.writePos) {
		return m, errors.New("read position is past write position")
	}
	return m, nil
}

// parsePair parses "<fileNum>,<pos>" with both non-negative.
func parsePair(s string) (int64, int64, error) {
	a, b, ok := strings.Cut(s, ",")
	if !ok {
		return 0, 0, fmt.Errorf("malformed position %q", s)
	}
	x, err := strconv.ParseInt(a, 10, 64)
	if err != nil {
		return 0, 0, err
	}
	y, err := strconv.ParseInt(b, 10, 64)
	if err != nil {
		return 0, 0, err
	}
	if x < 0 || y < 0 {
		return 0, 0, fmt.Errorf("negative position %q", s)
	}
	return x, y, nil
}

// retrieveMetaData sets the starting state from the metadata file, or from
// the segment files when the metadata is absent or unusable.
func (d *diskQueue) retrieveMetaData() {
	fn := d.metaDataFileName()
	b, err := os.ReadFile(fn)
	if errors.Is(err, os.ErrNotExist) {
		d.rebuildFromSegments(false)
		return
	}
	var m metaData
	if err == nil {
		m, err = parseMetaData(b)
	}
	if err != nil {
		d.logf(ERROR, "unusable metadata file %s (%s), rebuilding from segment files", fn, err)
		d.rebuildFromSegments(true)
		return
	}
	d.readFileNum, d.readPos = m.readFileNum, m.readPos
	d.keepFrom = d.readFileNum
	d.writeFileNum, d.writePos = m.writeFileNum, m.writePos
	d.flushedPos = d.writePos
	d.depth.Store(m.depth)
	d.checkWriteSegment()
	if m.depth < 0 {
		d.recountDepth()
	}
	d.checkTail()
}

// rebuildFromSegments starts reading at the lowest segment present and
// writing after the highest one, with depth the count of their records.
func (d *diskQueue) rebuildFromSegments(corrupt bool) {
	nums, err := d.listSegments()
	if err != nil {
		d.logf(ERROR, "failed to list segments - %s", err)
	}
	if len(nums) == 0 {
		d.needSync = corrupt
		return
	}
	d.readFileNum = nums[0]
	d.keepFrom = d.readFileNum
	d.writeFileNum = nums[len(nums)-1] + 1
	var depth int64
	for _, n := range nums {
		depth += d.countRecords(n, 0)
	}
	d.depth.Store(depth)
	d.needSync = true
	d.logf(WARN, "rebuilt from %d segment files %d..%d: depth %d",
		len(nums), nums[0], nums[len(nums)-1], depth)
}

// listSegments returns the numbers of this queue's segment files, sorted.
func (d *diskQueue) listSegments() ([]int64, error) {
	entries, err := os.ReadDir(d.dataPath)
	if err != nil {
		return nil, err
	}
	prefix := FileBase(d.name) + ".diskqueue."
	var nums []int64
	for _, e := range entries {
		mid, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || e.IsDir() {
			continue
		}
		if mid, ok = strings.CutSuffix(mid, ".dat"); !ok {
			continue
		}
		n, err := strconv.ParseInt(mid, 10, 64)
		if err != nil || n < 0 || fmt.Sprintf("%06d", n) != mid {
			continue
		}
		nums = append(nums, n)
	}
	slices.Sort(nums)
	return nums, nil
}

// checkWriteSegment moves the writer to a new segment when the write segment
// on disk does not end at writePos, counting records written after the last
// sync (there and in any later segment files) into the depth.
func (d *diskQueue) checkWriteSegment() {
	size := fileSize(d.fileName(d.writeFileNum))
	if size == d.writePos {
		return
	}
	if size > d.writePos {
		extra := d.countRecords(d.writeFileNum, d.writePos)
		d.logf(WARN, "metadata writePos %d < file size of %d, skipping to new file (%d unrecorded records)",
			d.writePos, size, extra)
		d.depth.Add(extra)
	} else {
		d.logf(ERROR, "file size of %d < metadata writePos %d, skipping to new file", size, d.writePos)
	}
	d.writeFileNum++
	d.writePos, d.flushedPos = 0, 0
	for fileSize(d.fileName(d.writeFileNum)) > 0 {
		extra := d.countRecords(d.writeFileNum, 0)
		d.logf(WARN, "found segment %d after the write segment (%d records), skipping it for writes",
			d.writeFileNum, extra)
		d.depth.Add(extra)
		d.writeFileNum++
	}
	d.needSync = true
}

// recountDepth replaces the depth by a count of the unread records.
func (d *diskQueue) recountDepth() {
	old := d.depth.Load()
	var depth int64
	pos := d.readPos
	for n := d.readFileNum; n < d.writeFileNum; n++ {
		depth += d.countRecords(n, pos)
		pos = 0
	}
	if d.readFileNum == d.writeFileNum {
		depth += d.countRecords(d.writeFileNum, pos)
	} else {
		depth += d.countRecords(d.writeFileNum, 0)
	}
	d.depth.Store(depth)
	d.needSync = true
	d.logf(ERROR, "negative depth %d in metadata, recounted %d", old, depth)
}

// fileSize is the size of fn, 0 if it cannot be read.
func fileSize(fn string) int64 {
	fi, err := os.Stat(fn)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// countRecords counts the well-formed records of segment n from offset from
// up to the first damaged one or the end of the file. It reads headers only.
func (d *diskQueue) countRecords(n, from int64) int64 {
	f, err := os.Open(d.fileName(n))
	if err != nil {
		return 0
	}
	defer f.Close()
	if _, err := f.Seek(from, io.SeekStart); err != nil {
		return 0
	}
	r := bufio.NewReaderSize(f, bufSize)
	var hdr [4]byte
	var count int64
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return count
		}
		l := int32(binary.BigEndian.Uint32(hdr[:]))
		if l < d.minMsgSize || l > d.maxMsgSize {
			return count
		}
		if k, _ := r.Discard(int(l)); k != int(l) {
			return count
		}
		count++
	}
}
