package nsqd

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/protocol"
)

// lookupdTimeout bounds every dial, read and write to a lookupd.
const lookupdTimeout = time.Second

// peerInfo is what a lookupd tells about itself in its IDENTIFY reply.
type peerInfo struct {
	TCPPort          int    `json:"tcp_port"`
	HTTPPort         int    `json:"http_port"`
	Version          string `json:"version"`
	BroadcastAddress string `json:"broadcast_address"`
}

// lookupPeer is nsqd's connection to one nsqlookupd. It is used only from
// the lookup loop goroutine, except info, which is guarded by n.peersMu.
// While connected, a reader goroutine owned by the peer reads responses,
// so a connection the lookupd closes is noticed at once (down is
// signalled) rather than at the next command.
type lookupPeer struct {
	addr        string
	conn        net.Conn
	connected   bool
	maxBodySize int64
	logf        func(lg.Level, string, ...any)
	onConnect   func(*lookupPeer)
	down        chan<- struct{}
	info        peerInfo

	responses chan []byte
	dead      chan struct{} // closed when the reader goroutine ends
}

// lookupCommand is one V1 command: a line and an optional body.
type lookupCommand struct {
	name   string
	params []string
	body   []byte
}

func (c lookupCommand) String() string {
	if len(c.params) == 0 {
		return c.name
	}
	return c.name + " " + fmt.Sprint(c.params)
}

func (c lookupCommand) encode() []byte {
	var b bytes.Buffer
	b.WriteString(c.name)
	for _, p := range c.params {
		b.WriteByte(' ')
		b.WriteString(p)
	}
	b.WriteByte('\n')
	if c.body != nil {
		binary.Write(&b, binary.BigEndian, int32(len(c.body)))
		b.Write(c.body)
	}
	return b.Bytes()
}

// connect dials the lookupd. The address is resolved on every dial, so a
// lookupd whose DNS name moved is found again on reconnect.
func (p *lookupPeer) connect() error {
	p.logf(lg.INFO, "LOOKUP connecting to %s", p.addr)
	conn, err := net.DialTimeout("tcp", p.addr, lookupdTimeout)
	if err != nil {
		return err
	}
	p.conn = conn
	p.responses, p.dead = make(chan []byte, 1), make(chan struct{})
	go p.readLoop(conn, p.responses, p.dead)
	if err := p.write([]byte(protocol.MagicV1)); err != nil {
		p.close()
		return err
	}
	p.connected = true
	p.onConnect(p)
	return nil
}

// readLoop hands each response to Command; it ends when the connection
// fails or is closed, and then signals down.
func (p *lookupPeer) readLoop(conn net.Conn, responses chan<- []byte, dead chan<- struct{}) {
	defer close(dead)
	for {
		resp, err := protocol.ReadResponse(conn, int(p.maxBodySize))
		if err != nil {
			select {
			case p.down <- struct{}{}:
			default:
			}
			return
		}
		select {
		case responses <- resp:
		default:
			p.logf(lg.WARN, "LOOKUPD(%s): unexpected response %q", p.addr, resp)
		}
	}
}

// isDead reports whether the reader goroutine has ended.
func (p *lookupPeer) isDead() bool {
	select {
	case <-p.dead:
		return true
	default:
		return false
	}
}

func (p *lookupPeer) write(b []byte) error {
	p.conn.SetWriteDeadline(time.Now().Add(lookupdTimeout))
	_, err := p.conn.Write(b)
	return err
}

// Command sends cmd (connecting first if needed) and reads one response.
// A nil cmd only ensures the connection.
func (p *lookupPeer) Command(cmd *lookupCommand) ([]byte, error) {
	if !p.connected {
		if err := p.connect(); err != nil {
			return nil, err
		}
	}
	if cmd == nil || !p.connected {
		return nil, nil
	}
	if err := p.write(cmd.encode()); err != nil {
		p.close()
		return nil, err
	}
	timer := time.NewTimer(lookupdTimeout)
	defer timer.Stop()
	select {
	case resp := <-p.responses:
		return resp, nil
	case <-p.dead:
		p.close()
		return nil, errLookupdClosed
	case <-timer.C:
		p.close()
		return nil, errLookupdTimeout
	}
}

var (
	errLookupdClosed  = errors.New("connection closed")
	errLookupdTimeout = errors.New("timed out waiting for response")
)

// close drops the connection and waits for the reader goroutine.
func (p *lookupPeer) close() {
	p.connected = false
	if p.conn != nil {
		p.conn.Close()
		<-p.dead
		p.conn = nil
	}
}
