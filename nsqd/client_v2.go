package nsqd

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang/snappy"
	"github.com/klauspost/compress/flate"
	"github.com/nsqgo/nsq/internal/auth"
)

const defaultBufferSize = 16 * 1024

// Client states as shown in stats: a client stays in init through IDENTIFY
// and AUTH, is subscribed after SUB and closing after CLS; disconnected and
// connected keep NSQ's numbering but are never entered.
const (
	stateInit = iota
	stateDisconnected
	stateConnected
	stateSubscribed
	stateClosing
)

// identifyEvent carries the IDENTIFY settings the message pump needs: the
// pump works from these copies and never reads the client's fields.
type identifyEvent struct {
	OutputBufferTimeout time.Duration
	HeartbeatInterval   time.Duration
	SampleRate          int32
	MsgTimeout          time.Duration
	IsZoneLocal         bool
	IsRegionLocal       bool
}

// clientV2 is one TCP connection speaking protocol V2. The IOLoop goroutine
// reads and runs commands; the messagePump goroutine writes messages and
// heartbeats; stats, the HTTP API and auth checks read from elsewhere.
//
// Who may touch what:
//   - ID, nsqd, Conn, ConnectTime and the event channels are set by
//     newClientV2 and never written again.
//   - Identity and settings (ClientID through IsRegionLocal, the output
//     buffer, heartbeat and msg timeout settings, SampleRate, AuthSecret,
//     AuthState, the pubCounts map) are written only by the IOLoop
//     (IDENTIFY, AUTH, PUB), always under metaMu. The IOLoop reads them without the lock;
//     any other goroutine reads them under metaMu.RLock. The message pump
//     reads the defaults once as it starts, before the IOLoop reads its
//     first command, and later gets copies through IdentifyEventChan; the
//     write path gets the heartbeat interval through the atomic
//     writeTimeout.
//   - Channel is set once by SUB in the IOLoop before it is handed to the
//     pump through SubEventChan.
//   - I/O state (Writer, tlsConn, flateWriter, snappyW, frameBuf,
//     respPending) is read and written under writeMu; Reader, lenBuf,
//     params, readsSinceDeadline and the lastPub caches belong to the
//     IOLoop alone.
//   - Counters (the pubCounts values included), State and the negotiated
//     TLS/Snappy/Deflate flags are atomics, readable from anywhere.
type clientV2 struct {
	ReadyCount    atomic.Int64
	InFlightCount atomic.Int64
	MessageCount  atomic.Uint64
	FinishCount   atomic.Uint64
	RequeueCount  atomic.Uint64

	writeMu      sync.Mutex
	writeTimeout atomic.Int64 // heartbeat interval, as the write deadline
	respPending  bool         // IOLoop wrote responses not yet flushed; under writeMu
	metaMu       sync.RWMutex

	ID   int64
	nsqd *NSQD
	net.Conn

	tlsConn *tls.Conn
	// tlsState is the TLS connection state, fixed once the handshake is
	// done: stats and auth read it without touching the connection, whose
	// writer may be blocked on a slow peer.
	tlsState    atomic.Pointer[tls.ConnectionState]
	flateWriter *flate.Writer
	snappyW     *snappy.Writer

	Reader *bufio.Reader
	Writer *bufio.Writer

	OutputBufferSize    int
	OutputBufferTimeout time.Duration
	HeartbeatInterval   time.Duration
	MsgTimeout          time.Duration

	State       atomic.Int32
	ConnectTime time.Time
	Channel     *Channel

	ReadyStateChan    chan int
	ExitChan          chan struct{}
	pumpDone          chan struct{}
	SubEventChan      chan *Channel
	IdentifyEventChan chan identifyEvent

	ClientID       string
	Hostname       string
	UserAgent      string
	TopologyRegion string
	TopologyZone   string
	IsZoneLocal    bool
	IsRegionLocal  bool

	SampleRate int32
	// unbuffered: IDENTIFY turned output buffering off; the message pump
	// flushes after every delivery.
	unbuffered atomic.Bool
	TLS        atomic.Bool
	Snappy     atomic.Bool
	Deflate    atomic.Bool

	lenBuf [4]byte
	// readsSinceDeadline counts commands read since the read deadline
	// last moved (IOLoop only).
	readsSinceDeadline int
	params             [][]byte                  // the current command's parameters, reused
	frameBuf           []byte                    // scratch for assembling a message frame; under writeMu
	pubCounts          map[string]*atomic.Uint64 // under metaMu; counters atomic
	// lastPub caches the counter of the topic last published to, so a run
	// of PUBs to one topic takes neither metaMu nor a map lookup (IOLoop
	// only).
	lastPubTopic string
	lastPub      *atomic.Uint64
	lastPubT     *Topic     // the topic of the last PUB (IOLoop only)
	pubRun       []*Message // the PUBs published together, reused (IOLoop only)

	AuthSecret string
	AuthState  *auth.State
}

func newClientV2(id int64, conn net.Conn, n *NSQD) *clientV2 {
	identifier := ""
	if conn.RemoteAddr() != nil {
		if host, _, err := net.SplitHostPort(conn.RemoteAddr().String()); err == nil {
			identifier = host
		}
	}
	opts := n.getOpts()
	c := &clientV2{
		ID:                  id,
		nsqd:                n,
		Conn:                conn,
		Reader:              bufio.NewReaderSize(conn, defaultBufferSize),
		OutputBufferSize:    defaultBufferSize,
		OutputBufferTimeout: opts.OutputBufferTimeout,
		MsgTimeout:          opts.MsgTimeout,
		HeartbeatInterval:   opts.ClientTimeout / 2,
		ConnectTime:         time.Now(),
		ReadyStateChan:      make(chan int, 1),
		ExitChan:            make(chan struct{}),
		pumpDone:            make(chan struct{}),
		SubEventChan:        make(chan *Channel, 1),
		IdentifyEventChan:   make(chan identifyEvent, 1),
		ClientID:            identifier,
		Hostname:            identifier,
		pubCounts:           make(map[string]*atomic.Uint64),
	}
	c.writeTimeout.Store(int64(c.HeartbeatInterval))
	c.Writer = bufio.NewWriterSize(c.sink(), defaultBufferSize)
	return c
}

// deadlineWriter writes to the connection (TLS or not) after moving its
// write deadline to one heartbeat interval from now, so that every write
// reaching the socket gets the whole interval, however long ago the last
// flush was; with heartbeats off there is no deadline.
type deadlineWriter struct {
	c *clientV2
	w io.Writer
}

func (d deadlineWriter) Write(p []byte) (int, error) {
	if t := time.Duration(d.c.writeTimeout.Load()); t > 0 {
		d.c.SetWriteDeadline(time.Now().Add(t))
	} else {
		d.c.SetWriteDeadline(time.Time{})
	}
	return d.w.Write(p)
}

// sink is what the output buffer or compressor writes to: the connection
// (TLS once upgraded) behind a deadlineWriter.
func (c *clientV2) sink() io.Writer {
	if c.tlsConn != nil {
		return deadlineWriter{c, c.tlsConn}
	}
	return deadlineWriter{c, c.Conn}
}

func (c *clientV2) String() string { return c.RemoteAddr().String() }

// IsReadyForMessages: channel not paused, RDY > 0 and in-flight < RDY.
func (c *clientV2) IsReadyForMessages() bool {
	if c.Channel.IsPaused() {
		return false
	}
	rdy := c.ReadyCount.Load()
	return rdy > 0 && c.InFlightCount.Load() < rdy
}

// tryUpdateReadyState wakes the message pump to re-evaluate readiness.
func (c *clientV2) tryUpdateReadyState() {
	select {
	case c.ReadyStateChan <- 1:
	default:
	}
}

// SetReadyCount sets the absolute RDY value.
func (c *clientV2) SetReadyCount(count int64) {
	old := c.ReadyCount.Swap(count)
	if old != count {
		c.tryUpdateReadyState()
	}
}

// FinishedMessage counts a FIN.
func (c *clientV2) FinishedMessage() {
	c.FinishCount.Add(1)
	c.leftFlight()
}

// RequeuedMessage counts a REQ.
func (c *clientV2) RequeuedMessage() {
	c.RequeueCount.Add(1)
	c.leftFlight()
}

// SendingMessage counts a delivery.
func (c *clientV2) SendingMessage() {
	c.InFlightCount.Add(1)
	c.MessageCount.Add(1)
}

// PublishedMessage counts messages this client published to topic.
func (c *clientV2) PublishedMessage(topic string, count uint64) {
	if c.lastPub != nil && topic == c.lastPubTopic {
		c.lastPub.Add(count)
		return
	}
	c.metaMu.Lock()
	n, ok := c.pubCounts[topic]
	if !ok {
		n = new(atomic.Uint64)
		c.pubCounts[topic] = n
	}
	n.Add(count) // a new entry is never seen at 0
	c.metaMu.Unlock()
	c.lastPubTopic, c.lastPub = topic, n
}

// TimedOutMessage is called by the channel when one of ours timed out.
func (c *clientV2) TimedOutMessage() { c.leftFlight() }

// leftFlight counts one message fewer in flight, and wakes the message pump
// only if that made the client ready again: a pump that is ready already
// is waiting for messages, and a wake-up per FIN would only cost it a turn
// of its select. RDY changes and (un)pauses wake it on their own.
func (c *clientV2) leftFlight() {
	if n := c.InFlightCount.Add(-1); n+1 >= c.ReadyCount.Load() {
		c.tryUpdateReadyState()
	}
}

// Empty is called when the channel discards every in-flight message.
func (c *clientV2) Empty() {
	c.InFlightCount.Store(0)
	c.tryUpdateReadyState()
}

// Pause and UnPause re-evaluate readiness after a channel (un)pause.
func (c *clientV2) Pause()   { c.tryUpdateReadyState() }
func (c *clientV2) UnPause() { c.tryUpdateReadyState() }

// Stopped is closed once the message pump has stopped.
func (c *clientV2) Stopped() <-chan struct{} { return c.pumpDone }

// StartClose handles CLS: RDY 0 and closing state.
func (c *clientV2) StartClose() {
	c.SetReadyCount(0)
	c.State.Store(stateClosing)
}

// Flush writes buffered frames through any compressor to the socket (each
// socket write under its own deadline, see deadlineWriter). Callers hold
// writeMu.
func (c *clientV2) Flush() error {
	if err := c.Writer.Flush(); err != nil {
		return err
	}
	if c.flateWriter != nil {
		return c.flateWriter.Flush()
	}
	if c.snappyW != nil {
		return c.snappyW.Flush()
	}
	return nil
}
