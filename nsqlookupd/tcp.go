package nsqlookupd

import (
	"bufio"
	"errors"
	"io"
	"net"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/protocol"
)

// maxLineLength bounds a command line. The reference has no bound; nsqd's
// longest line is REGISTER with two 64-byte names, so this only stops a
// peer from growing the buffer without end.
const maxLineLength = 64 << 10

// errLineTooLong ends a connection whose command line exceeds maxLineLength.
var errLineTooLong = errors.New("command line too long")

// tcpServer accepts nsqd connections and tracks them so Exit can close
// them.
type tcpServer struct {
	l     *NSQLookupd
	conns protocol.ConnSet
}

func newTCPServer(l *NSQLookupd) *tcpServer { return &tcpServer{l: l} }

// Handle serves one connection: magic, then the V1 command loop.
func (s *tcpServer) Handle(conn net.Conn) {
	if !s.conns.Track(conn) {
		conn.Close()
		return
	}
	defer s.conns.Untrack(conn)
	defer conn.Close()
	s.l.logf(lg.INFO, "TCP: new client(%s)", conn.RemoteAddr())
	r := bufio.NewReader(conn)
	var magic [4]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil {
		s.l.logf(lg.ERROR, "client(%s) failed to read protocol version - %s", conn.RemoteAddr(), err)
		return
	}
	s.l.logf(lg.INFO, "CLIENT(%s): desired protocol magic '%s'", conn.RemoteAddr(), magic[:])
	if string(magic[:]) != protocol.MagicV1 {
		protocol.SendResponse(conn, []byte(protocol.EBadProtocol))
		return
	}
	p := &protocolV1{l: s.l}
	p.IOLoop(newClient(conn, r))
}

// closeAll closes every open connection and refuses new ones.
func (s *tcpServer) closeAll() { s.conns.CloseAll() }

// client is the state of one connection, owned by its IOLoop goroutine.
type client struct {
	conn net.Conn
	r    *bufio.Reader
	id   string    // remote ip:port, the peer id in the DB
	peer *peerInfo // nil until IDENTIFY
}

func newClient(conn net.Conn, r *bufio.Reader) *client {
	return &client{conn: conn, r: r, id: conn.RemoteAddr().String()}
}

func (c *client) String() string { return c.id }

// readLine reads one '\n'-terminated line without the terminator. A final
// line without '\n' is an error, as in the reference.
func (c *client) readLine() ([]byte, error) {
	line, err := c.r.ReadSlice('\n')
	if err == nil {
		return line[:len(line)-1], nil
	}
	if !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	buf := append([]byte(nil), line...)
	for errors.Is(err, bufio.ErrBufferFull) {
		if len(buf) > maxLineLength {
			return nil, errLineTooLong
		}
		line, err = c.r.ReadSlice('\n')
		buf = append(buf, line...)
	}
	if err != nil {
		return nil, err
	}
	return buf[:len(buf)-1], nil
}
