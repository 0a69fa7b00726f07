package nsqlookupd_test

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/nsqgo/nsq/internal/test"
	nsq "github.com/nsqio/go-nsq"
	"github.com/stretchr/testify/require"
)

// TestGoNSQConsumerDiscovers runs go-nsq's consumer against the lookupd: it
// must find the producer a fake nsqd registered over raw TCP and connect to
// its advertised address, where the fake nsqd answers the V2 handshake and
// sees the SUB.
func TestGoNSQConsumerDiscovers(t *testing.T) {
	t.Parallel()
	l := start(t)
	nsqdLn, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer nsqdLn.Close()
	subs := make(chan string, 1)
	go fakeNSQD(nsqdLn, subs)

	p := defaultPeer(1)
	p.TCPPort = nsqdLn.Addr().(*net.TCPAddr).Port
	connectPeer(t, l, p, "gonsq ch")

	cfg := nsq.NewConfig()
	consumer, err := nsq.NewConsumer("gonsq", "ch", cfg)
	require.NoError(t, err)
	consumer.SetLogger(test.NewLogger(t), nsq.LogLevelInfo)
	consumer.AddHandler(nsq.HandlerFunc(func(*nsq.Message) error { return nil }))
	require.NoError(t, consumer.ConnectToNSQLookupd(l.RealHTTPAddr().String()))
	defer consumer.Stop()
	select {
	case line := <-subs:
		require.EqualValues(t, "SUB gonsq ch", line)
	case <-time.After(test.DefaultTimeout):
		require.FailNow(t, "go-nsq did not connect to the advertised nsqd")
	}
	require.EqualValues(t, 1, consumer.Stats().Connections)
}

// fakeNSQD accepts one connection, answers its IDENTIFY and SUB with OK,
// reports the SUB line and then closes.
func fakeNSQD(ln net.Listener, subs chan<- string) {
	conn, err := ln.Accept()
	if err != nil {
		return
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	var magic [4]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil || string(magic[:]) != protocol.MagicV2 {
		return
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimSpace(line)
		if line == "IDENTIFY" {
			var size [4]byte
			io.ReadFull(r, size[:])
			io.CopyN(io.Discard, r, int64(binary.BigEndian.Uint32(size[:])))
		}
		if line == "IDENTIFY" || strings.HasPrefix(line, "SUB ") {
			protocol.SendFrame(conn, protocol.FrameTypeResponse, protocol.OKBytes)
		}
		if strings.HasPrefix(line, "SUB ") {
			subs <- line
		}
		if strings.HasPrefix(line, "CLS") {
			protocol.SendFrame(conn, protocol.FrameTypeResponse, protocol.CloseWaitBytes)
			return
		}
	}
}
