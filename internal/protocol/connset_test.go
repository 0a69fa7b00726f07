package protocol

import (
	"io"
	"net"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestConnSetClosesTrackedAndRefusesLater: CloseAll closes the connections
// still tracked, leaves alone one untracked before, and Track refuses any
// connection after it.
func TestConnSetClosesTrackedAndRefusesLater(t *testing.T) {
	var s ConnSet
	open, openPeer := net.Pipe()
	gone, gonePeer := net.Pipe()
	defer gone.Close()
	require.True(t, s.Track(open))
	require.True(t, s.Track(gone))
	s.Untrack(gone)

	s.CloseAll()
	_, err := open.Write([]byte("x"))
	require.ErrorIs(t, err, io.ErrClosedPipe, "tracked connection left open")
	go func() { _, _ = gonePeer.Read(make([]byte, 1)) }()
	_, err = gone.Write([]byte("x"))
	require.NoError(t, err, "untracked connection was closed")

	late, _ := net.Pipe()
	defer late.Close()
	require.False(t, s.Track(late), "connection tracked after CloseAll")
	openPeer.Close()
}
