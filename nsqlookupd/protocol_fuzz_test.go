package nsqlookupd_test

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/nsqgo/nsq/nsqlookupd"
	"github.com/stretchr/testify/require"
)

// The fuzz target shares one nsqlookupd per fuzz process, started on first
// use and left running until the process ends.
var fuzzLookupd struct {
	once sync.Once
	l    *nsqlookupd.NSQLookupd
	err  error
}

func fuzzDaemon(t *testing.T) *nsqlookupd.NSQLookupd {
	t.Helper()
	fuzzLookupd.once.Do(func() {
		opts := nsqlookupd.NewOptions()
		opts.TCPAddress = "127.0.0.1:0"
		opts.HTTPAddress = "127.0.0.1:0"
		opts.Logger = lg.NilLogger{}
		opts.LogLevel = lg.FATAL
		l, err := nsqlookupd.New(opts)
		if err != nil {
			fuzzLookupd.err = err
			return
		}
		go l.Main()
		fuzzLookupd.l = l
	})
	require.Nil(t, fuzzLookupd.err, "starting the fuzz nsqlookupd: %v", fuzzLookupd.err)
	return fuzzLookupd.l
}

var lookupdErrorCodes = map[string]bool{
	protocol.EInvalid: true, protocol.EBadTopic: true, protocol.EBadChannel: true,
	protocol.EBadBody: true,
}

func sizedV1(s string) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(len(s)))
	return string(b[:]) + s
}

// FuzzLookupdV1 sends the input after the V1 magic to a running
// nsqlookupd, half-closes, checks every reply, then that the daemon still
// answers PING on a fresh connection.
func FuzzLookupdV1(f *testing.F) {
	identify := `{"broadcast_address":"b","tcp_port":4150,"http_port":4151,"version":"1.3.0","hostname":"h"}`
	for _, s := range []string{
		"PING\n",
		"PING extra params\r\n",
		"IDENTIFY\n" + sizedV1(identify) + "REGISTER t c\nREGISTER t\nUNREGISTER t c\nUNREGISTER t\nPING\n",
		"IDENTIFY\n" + sizedV1(identify) + "IDENTIFY\n" + sizedV1(identify),
		"IDENTIFY\n" + sizedV1(identify) + "REGISTER\n",
		"IDENTIFY\n" + sizedV1(identify) + "REGISTER  t c\n",
		"IDENTIFY\n" + sizedV1(identify) + "REGISTER t bad/channel\n",
		"IDENTIFY\n" + sizedV1(identify) + "UNREGISTER t#ephemeral c#ephemeral\n",
		"IDENTIFY\n" + sizedV1(`{"broadcast_address":"b"}`),
		"IDENTIFY\n" + sizedV1(`{"tcp_port":"x"}`),
		"IDENTIFY\n" + sizedV1(`not json`),
		"IDENTIFY\n\xff\xff\xff\xff",
		"IDENTIFY\n\x7f\xff\xff\xff",
		"IDENTIFY\n\x00\x00\x00\x10{}",
		"IDENTIFY\n\x00\x00",
		"REGISTER t c\n",
		"UNREGISTER t\n",
		"\n",
		"ping\n",
		"BOGUS x\n",
		"PING",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		l := fuzzDaemon(t)
		conn, err := net.DialTimeout("tcp", l.RealTCPAddr().String(), 5*time.Second)
		require.NoError(t, err, "dial")
		defer conn.Close()
		go func() {
			conn.Write(append([]byte(protocol.MagicV1), input...))
			conn.(*net.TCPConn).CloseWrite()
		}()
		checkLookupdReplies(t, conn)
		checkLookupdAlive(t, l)
	})
}

// checkLookupdReplies reads [size][payload] replies until the server
// closes: each is OK, a JSON object or an error of the spec, and nothing
// follows an error.
func checkLookupdReplies(t *testing.T, conn net.Conn) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(conn)
	var hdr [4]byte
	errSeen := ""
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			var ne net.Error
			require.False(t, errors.As(err, &ne) && ne.Timeout(), "server did not close the connection")
			return
		}
		size := binary.BigEndian.Uint32(hdr[:])
		require.True(t, size > 0 && size <= 1<<16, "reply size %d", size)
		data := make([]byte, size)
		_, err := io.ReadFull(r, data)
		require.NoError(t, err, "reply of %d bytes cut short: %v", size, err)
		require.Equal(t, "", errSeen, "reply %q after error %q", data, errSeen)
		switch {
		case string(data) == "OK":
		case data[0] == '{' && json.Valid(data):
		default:
			code, _, _ := strings.Cut(string(data), " ")
			require.True(t, lookupdErrorCodes[code], "unexpected reply %q", data)
			errSeen = string(data)
		}
	}
}

func checkLookupdAlive(t *testing.T, l *nsqlookupd.NSQLookupd) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", l.RealTCPAddr().String(), 5*time.Second)
	require.NoError(t, err, "daemon no longer accepts connections")
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	_, err = conn.Write([]byte("  V1PING\n"))
	require.NoError(t, err, "write to a fresh connection: %v", err)
	want := []byte("\x00\x00\x00\x02OK")
	got := make([]byte, len(want))
	_, err = io.ReadFull(conn, got)
	require.NoError(t, err, "fresh connection")
	require.Equal(t, string(want), string(got), "fresh connection")
}
