package nsqd

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func journalMsg(id string, body string, due int64, attempts uint16) *Message {
	var mid MessageID
	copy(mid[:], id)
	return &Message{ID: mid, Body: []byte(body), Timestamp: 12345, Attempts: attempts, pri: due}
}

func addToJournal(t *testing.T, j *deferJournal, m *Message) {
	t.Helper()
	require.NoError(t, j.add(m, func() error { return nil }), "add %s", m.ID)
}

func openJournalT(t *testing.T, path string) (*deferJournal, map[MessageID]*Message) {
	t.Helper()
	j, st, err := openDeferJournal(path, true, 1, time.Second)
	require.NoError(t, err, "open")
	return j, st.held
}

func sameMessage(t *testing.T, got, want *Message) {
	t.Helper()
	require.NotNil(t, got, "message %s not replayed", want.ID)
	require.Equal(t, want.ID, got.ID, "replayed ID")
	require.True(t, bytes.Equal(want.Body, got.Body), "replayed body %q, want %q", got.Body, want.Body)
	require.Equal(t, want.Timestamp, got.Timestamp, "replayed timestamp")
	require.Equal(t, want.Attempts, got.Attempts, "replayed attempts")
	require.Equal(t, want.pri, got.pri, "replayed deadline")
}

// journalWithTwo opens a new journal and adds two messages to it.
func journalWithTwo(t *testing.T) (path string, j *deferJournal, a, b *Message) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "j")
	j, _ = openJournalT(t, path)
	a = journalMsg("000000000000000a", "alpha", 1e18, 1)
	b = journalMsg("000000000000000b", "beta", 1e18, 1)
	addToJournal(t, j, a)
	addToJournal(t, j, b)
	return path, j, a, b
}

func TestDeferJournalReplaysOpenRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t:c.deferred.journal")
	j, _ := openJournalT(t, path)
	a := journalMsg("000000000000000a", "alpha", 1e18, 1)
	b := journalMsg("000000000000000b", "", 2e18, 0)
	c := journalMsg("000000000000000c", "gamma", 3e18, 7)
	for _, m := range []*Message{a, b, c} {
		addToJournal(t, j, m)
	}
	require.NoError(t, j.remove(b.ID))
	// A crash: the file is read as it is, without close.
	_, got := openJournalT(t, path)
	require.Len(t, got, 2, "replayed")
	sameMessage(t, got[a.ID], a)
	sameMessage(t, got[c.ID], c)
}

func TestDeferJournalReAddAfterRemove(t *testing.T) {
	path, j, a, b := journalWithTwo(t)
	j.remove(a.ID)
	a2 := journalMsg("000000000000000a", "alpha", 5e18, 2)
	addToJournal(t, j, a2)
	_, got := openJournalT(t, path)
	sameMessage(t, got[a.ID], a2)
	sameMessage(t, got[b.ID], b)
}

func TestDeferJournalTornTail(t *testing.T) {
	path, _, a, b := journalWithTwo(t)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	for cut := len(data) - 1; cut > len(data)/2; cut -= 7 {
		require.NoError(t, os.WriteFile(path, data[:cut], 0600))
		j2, st, err := openDeferJournal(path, true, 1, time.Second)
		require.Error(t, err, "cut at %d: no error reported for the torn record", cut)
		require.Len(t, st.held, 1, "cut at %d: replayed %v, want only %s", cut, st.held, a.ID)
		require.Contains(t, st.held, a.ID, "cut at %d: replayed", cut)
		// The rewrite dropped the torn tail: appending works again.
		addToJournal(t, j2, b)
		_, got := openJournalT(t, path)
		sameMessage(t, got[b.ID], b)
	}
}

func TestDeferJournalBadChecksum(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	j, _ := openJournalT(t, path)
	a := journalMsg("000000000000000a", "alpha", 1e18, 1)
	addToJournal(t, j, a)
	data, _ := os.ReadFile(path)
	data[len(data)-6] ^= 0xff // a body byte
	os.WriteFile(path, data, 0600)
	_, st, err := openDeferJournal(path, true, 1, time.Second)
	require.Error(t, err, "damaged record")
	require.Empty(t, st.held, "damaged record replayed")
}

func TestDeferJournalEmptiesWhenNothingIsOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	j, _ := openJournalT(t, path)
	a := journalMsg("000000000000000a", "alpha", 1e18, 1)
	addToJournal(t, j, a)
	j.remove(a.ID)
	st, err := os.Stat(path)
	require.NoError(t, err, "after the last removal")
	require.Zero(t, st.Size(), "after the last removal: want an empty file")
	addToJournal(t, j, a)
	require.NoError(t, j.reset())
	_, got := openJournalT(t, path)
	require.Empty(t, got, "after reset replayed")
	// Nothing open at startup: no file is left behind.
	_, err = os.Stat(path)
	require.True(t, os.IsNotExist(err), "journal with no open records still exists: %v", err)
}

func TestDeferJournalCompaction(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	j, _ := openJournalT(t, path)
	keep := journalMsg("00000000000000ff", "keep", 1e18, 3)
	addToJournal(t, j, keep)
	for i := 0; i < 100; i++ {
		m := journalMsg("000000000000"+string(rune('a'+i%6))+"000", "x", 1e18, 1)
		addToJournal(t, j, m)
		j.remove(m.ID)
	}
	before := j.size
	j.mu.Lock()
	err := j.compactLocked()
	j.mu.Unlock()
	require.NoError(t, err)
	st, err := os.Stat(path)
	require.NoError(t, err, "compacted file")
	require.Less(t, st.Size(), before, "compacted file size")
	require.Equal(t, j.size, st.Size(), "compacted file size, as the journal counts it")
	require.Equal(t, j.liveBytes, j.size, "compacted journal: size and live bytes")
	addToJournal(t, j, journalMsg("00000000000000fe", "after", 2e18, 1))
	_, got := openJournalT(t, path)
	require.Len(t, got, 2, "replayed")
	sameMessage(t, got[keep.ID], keep)
}

func TestDeferJournalClosed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	j, _ := openJournalT(t, path)
	a := journalMsg("000000000000000a", "alpha", 1e18, 1)
	addToJournal(t, j, a)
	require.NoError(t, j.close(false))
	require.Equal(t, errExiting, j.add(a, func() error { return nil }), "add after close")
	_, got := openJournalT(t, path)
	require.Len(t, got, 1, "close(false) kept")
	j.close(true)
	_, err := os.Stat(path)
	require.True(t, os.IsNotExist(err), "close(true) left the file: %v", err)
}

// Deadlines of messages that wait in the disk queue share the file with
// held messages; a clean shutdown saves both, and a journal opened without
// --mem-queue-size=0 reads the file once and removes it.
func TestDeferJournalDeadlinesAndSave(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	j, _ := openJournalT(t, path)
	a := journalMsg("000000000000000a", "alpha", 1e18, 1)
	addToJournal(t, j, a)
	var d, gone MessageID
	copy(d[:], "000000000000000d")
	copy(gone[:], "000000000000000e")
	require.NoError(t, j.addDeadline(d, 7e18))
	require.NoError(t, j.addDeadline(gone, 8e18))
	require.NoError(t, j.remove(gone))
	_, st, err := openDeferJournal(path, true, 1, time.Second)
	require.NoError(t, err)
	require.Len(t, st.held, 1)
	require.Equal(t, map[MessageID]int64{d: 7e18}, st.due)

	j2, _, err := openDeferJournal(path, true, 1, time.Second)
	require.NoError(t, err)
	require.NoError(t, j2.save(journalState{held: map[MessageID]*Message{}, due: map[MessageID]int64{d: 9e18}}))
	_, st, err = openDeferJournal(path, false, 1, time.Second)
	require.NoError(t, err)
	require.Empty(t, st.held)
	require.Equal(t, map[MessageID]int64{d: 9e18}, st.due)
	require.NoFileExists(t, path)
}
