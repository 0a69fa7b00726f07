package nsqd

import (
	"io"
	"net"
	"sync"
	"sync/atomic"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/protocol"
)

// tcpServer reads the magic of each connection and hands it to protocol
// V2; it tracks live connections so Exit can close them.
type tcpServer struct {
	nsqd    *NSQD
	conns   sync.Map // net.Conn -> *clientV2 (struct{} until the magic is read)
	closing atomic.Bool
}

// Handle serves one TCP connection until it ends.
func (s *tcpServer) Handle(conn net.Conn) {
	n := s.nsqd
	n.logf(lg.INFO, "TCP: new client(%s)", conn.RemoteAddr())
	s.conns.Store(conn, struct{}{})
	defer s.conns.Delete(conn)
	if s.closing.Load() {
		conn.Close()
		return
	}
	var magic [4]byte
	if _, err := io.ReadFull(conn, magic[:]); err != nil {
		n.logf(lg.ERROR, "client(%s) failed to read protocol version - %s", conn.RemoteAddr(), err)
		conn.Close()
		return
	}
	if string(magic[:]) != protocol.MagicV2 {
		protocol.SendFrame(conn, protocol.FrameTypeError, []byte(protocol.EBadProtocol))
		conn.Close()
		n.logf(lg.ERROR, "client(%s) bad protocol magic '%s'", conn.RemoteAddr(), magic)
		return
	}
	client := newClientV2(n.clientIDSequence.Add(1), conn, n)
	s.conns.Store(conn, client)
	p := &protocolV2{nsqd: n}
	if err := p.IOLoop(client); err != nil {
		n.logf(lg.ERROR, "client(%s) - %s", conn.RemoteAddr(), err)
	}
}

// closeAll closes every live connection.
func (s *tcpServer) closeAll() {
	s.closing.Store(true)
	s.conns.Range(func(k, _ any) bool {
		k.(net.Conn).Close()
		return true
	})
}
