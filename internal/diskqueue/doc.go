// Package diskqueue is the file-backed FIFO that nsqd uses for the part of a
// durable topic or channel that does not fit in memory. Its files are byte for
// byte those of NSQ v1.3.0, so an existing data directory can be read and
// written by either implementation.
//
// # Files
//
// A queue called name (a topic "T" or a channel "T:C") lives in the data
// directory as segments "<name>.diskqueue.000000.dat", ".000001.dat", … (the
// number is %06d and grows wider past 999999) and one metadata file
// "<name>.diskqueue.meta.dat" (on Windows the ':' of a channel's name is ';'
// in its file names, see FileBase). A segment is a run of records, each a
// 4-byte big-endian int32 length L followed by L payload bytes, with
// MinMsgSize ≤ L ≤ MaxMsgSize. The metadata file is exactly
// "%d\n%d,%d\n%d,%d\n" of depth, readFileNum,readPos and
// writeFileNum,writePos; it is replaced atomically by writing
// "<meta>.<random>.tmp", fsyncing it and renaming it over. Files are mode 0600.
//
// Before a record is appended, the writer moves to the next segment when the
// current one is not empty and the record would take it past MaxBytesPerFile
// (so one oversized record may exceed the limit, alone in its segment).
//
// # Goroutines and durability
//
// One goroutine (the I/O loop) owns all the queue state and files. It selects
// on write requests, on sending the next record on the read channel
// (without Acked one record is read ahead; it is consumed, and depth falls
// by one, only when a receiver takes it), on Empty requests, on the sync ticker and on the stop
// signal. Put hands its payload to the loop and waits for the answer, so a nil
// error means the record is in the operating system's page cache. Writes that
// arrive together are written through one buffered writer and handed to the
// OS in a single flush before any of them is answered. The loop runs only
// while there is something to read or sync: an idle queue's loop returns,
// closing its segments and dropping its buffers, and the next request starts
// it again, so idle queues cost no goroutine.
//
// A sync is: flush, fsync the write segment, rewrite the metadata file. It
// happens after SyncEvery reads and writes together (before the write that
// completes the count is answered), on the SyncTimeout timer when anything
// happened since the last sync, when the writer moves to a new segment, when
// the reader moves to a new segment, after corruption handling, and on Close.
// Delete empties the queue and stops without a sync.
//
// A write is answered only once what it needs is durable. A write that
// completes the SyncEvery count needs the sync: if any step fails, it and
// every write answered with it that no earlier fsync covered get the error
// and are taken back out of the queue (the segment is cut back to where they
// began), so a publisher's retry does not duplicate them. A write that needs
// a new segment needs the full one fsynced and the move recorded in the
// metadata: if the fsync fails the writer stays and the write fails; if the
// metadata write fails the move stands (startup finds segments past the
// recorded one) and the write fails. A failed sync on the timer, on a read or
// on Close has no write waiting for it: it is logged (Close returns it).
// # Acknowledged reading
//
// With Options.Acked a record received from ReadChan is not consumed for
// good: it stays on disk until Done is called with its position. The read
// position written to the metadata file is the low-water mark, the oldest
// record received and not yet done (or the next unread record when there
// is none), and the depth written there counts every record from the mark
// on, so that NSQ v1.3.0 opening the directory delivers all of them. A
// segment is deleted only once the mark has passed it. Records done ahead
// of the mark are appended, at each sync, to the sidecar
// "<name>.diskqueue.done.dat" and fsynced before the metadata is written:
// 20-byte records of [8] segment number, [8] offset, [4] CRC-32
// (Castagnoli) of the 16 bytes, big endian. When the sidecar holds more
// than twice its live records plus 1024, it is rewritten (atomically, after
// the metadata) with only the records still ahead of the mark, and removed
// when there is none. At startup the sidecar's records at or after the read
// position are left out of the depth and passed over when reading reaches
// them; a torn or damaged tail ends the replay and is cut off (those
// records are delivered again). Reads do not count towards SyncEvery in
// this mode; Done calls do. A queue opened without Acked honours a sidecar
// it finds the same way, then removes it. If a segment holding records
// that are not done is damaged, its recovered copy starts at the oldest of
// them instead of at the read position, and their positions are
// renumbered.
//
// An acknowledged queue reads ahead: up to 32 records wait in ReadChan's
// buffer, already in the window of records read and not done, so the mark
// stays at or before them and a crash loses none; Depth counts them as
// unconsumed. Peek starts at the oldest of them; Take shows that record to
// its callback and receives it only if it is consumed; Empty takes them
// back. A record taken back is sent again from the window, in order,
// passing over any the reader received meanwhile.
//
// # Startup
//
// The metadata file gives the positions. If it is absent the queue starts
// empty at segment 0 unless segment files are present, and if it cannot be
// read or parsed, or its positions are inconsistent (read ahead of write, or
// negative numbers), an error is logged; in both cases the queue is rebuilt
// from the segment files present: reading starts at offset 0 of the lowest
// numbered segment, writing continues in a new segment after the highest one,
// and the depth is the number of well-formed records counted in them. This
// favours redelivery over loss: records already consumed from the lowest
// segment are delivered again. A negative depth in otherwise valid metadata is
// replaced by a count of the unread records.
//
// If the write segment on disk is longer than the recorded writePos (the
// process stopped after writing but before the next sync), writing continues
// in a new segment and the old one is read to its real end, so those records
// are delivered; the well-formed ones among them are added to the depth.
// Further segment files after the write segment, which exist only if a
// metadata write failed, are treated the same way. If the write segment is
// shorter than writePos, writing also moves to a new segment.
//
// # Corruption
//
// A read fails when a segment cannot be opened, a length is outside
// [MinMsgSize, MaxMsgSize], a record runs past the end of its segment (the
// write position for the segment being written, the file size otherwise), a
// read returns short, or the optional Options.Validate rejects a payload. The
// queue never crashes on such data; what happens is:
//
//   - A missing segment is logged and skipped: reading continues at the start
//     of the next segment file present (or of the write segment).
//   - Otherwise the unread rest of the segment (from the failing record to the
//     segment's end) is loaded and scanned. Well-formed records are kept in
//     order. At a record that fails, bytes are skipped one at a time until an
//     offset where a record is well-formed and confirmed: with Validate set a
//     single accepted record confirms; without it, it and the records chained
//     after it must be well-formed for three records or up to the exact end of
//     the segment. Each skipped byte range is logged at ERROR level with its
//     file offsets.
//     The unread rest is loaded into memory for this, once per damaged
//     segment.
//   - The damaged segment is renamed "<segment>.bad" ("<segment>.bad.N" if
//     that name is taken) and kept untouched for inspection. If any records were kept, they are written (fsynced) as a
//     new segment with the same number, which is then read from offset 0 like
//     any completed segment; otherwise reading moves to the next segment. If
//     the damaged segment was also the write segment, writing moves on to a
//     new segment first.
//   - Depth is not reduced for the records lost; when the reader catches up
//     with the writer and depth is not 0, it is set to 0 and an error logged.
//     If the read position is ever past the write position, both move to a
//     fresh segment.
//
// Without a validator, damage that happens to be a well-formed record (a
// plausible length followed by enough bytes) is delivered as a record, and
// fewer than three good records squeezed between two damaged ranges in the
// middle of a segment may be skipped. Validate is also applied to every record
// read normally, so with a strict validator such damage is detected instead.
package diskqueue
