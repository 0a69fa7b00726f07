package nsqd

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nsqgo/nsq/internal/dirlock"
	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/statsd"
)

// NSQD is one nsqd instance: listeners, the topic registry and the
// background loops. See doc.go for goroutine ownership and lock order.
type NSQD struct {
	clientIDSequence atomic.Int64

	mu       sync.RWMutex // guards topicMap
	topicMap map[string]*Topic
	deps     *queueDeps // what topics and channels use of the daemon

	opts      atomic.Pointer[Options]
	startTime time.Time
	healthErr atomic.Pointer[error]
	persistMu sync.Mutex
	exiting   bool // under persistMu: the final nsqd.dat has been written

	dl *dirlock.DirLock

	tcpListener   net.Listener
	httpListener  net.Listener
	httpsListener net.Listener
	tlsConfig     *tls.Config
	clientTLS     *tls.Config
	httpClient    *httpapi.Client // every outbound HTTP request: auth servers, lookupds
	tcpServer     *tcpServer
	srvMu         sync.Mutex
	httpServers   []*http.Server
	// slowHTTPOnly leaves every plain-HTTP request to net/http (set
	// before Main, to compare the fast path with it).
	slowHTTPOnly bool
	fastHTTP     *fastListener // under srvMu

	isLoading       atomic.Bool
	channelsChanged atomic.Bool // tells the queue scan to refresh its list
	notifyChan      chan any
	optsChanged     chan struct{}
	persistCh       chan struct{}
	peerDown        chan struct{} // a lookupd connection ended
	peersMu         sync.Mutex
	lookupPeers     []*lookupPeer
	exitChan        chan struct{}
	exitOnce        sync.Once
	wg              sync.WaitGroup
	spawnMu         sync.Mutex // guards stopped; makes wg.Go exclusive with Exit's wg.Wait
	stopped         bool
	mainErr         chan error
	exitErr         error       // set by Exit before it returns
	policies        *nodePolicy // free-disk floor and drain (drain.go)
}

// New locks the data path, validates opts in NSQ's order (deflate level,
// node id, TLS, auth method, percentiles), opens the listeners (TCP, HTTP,
// HTTPS) and loads and re-persists nsqd.dat. Nothing is served until Main.
func New(opts *Options) (*NSQD, error) {
	if opts.Logger == nil {
		opts.Logger = lg.New(opts.LogPrefix)
	}
	dataPath := opts.DataPath
	if dataPath == "" {
		cwd, _ := os.Getwd()
		dataPath = cwd
	}
	n := &NSQD{
		startTime:   time.Now(),
		topicMap:    make(map[string]*Topic),
		notifyChan:  make(chan any),
		optsChanged: make(chan struct{}, 1),
		persistCh:   make(chan struct{}, 1),
		peerDown:    make(chan struct{}, 1),
		exitChan:    make(chan struct{}),
		mainErr:     make(chan error, 4),
		dl:          dirlock.New(dataPath),
	}
	n.swapOpts(opts)
	n.policies = newNodePolicy(n)
	n.deps = n.newQueueDeps()
	if err := n.dl.Lock(); err != nil {
		return nil, fmt.Errorf("failed to lock data-path: %w", withInUseHint(err))
	}
	if err := n.init(opts); err != nil {
		n.closeListeners()
		n.dl.Unlock()
		return nil, err
	}
	return n, nil
}

func withInUseHint(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return err
	}
	return fmt.Errorf("%w (possibly in use by another instance of nsqd)", err)
}

func (n *NSQD) init(opts *Options) error {
	if err := validateOptions(opts); err != nil {
		return err
	}
	if err := n.buildTLS(opts); err != nil {
		return err
	}
	n.httpClient = n.newOutboundHTTPClient()
	if err := n.listen(opts); err != nil {
		return err
	}
	n.setBroadcastPorts(opts)
	opts.StatsdPrefix = statsd.Prefix(opts.StatsdPrefix, opts.BroadcastAddress, opts.BroadcastHTTPPort)
	n.tcpServer = &tcpServer{nsqd: n}
	if err := n.LoadMetadata(); err != nil {
		return fmt.Errorf("failed to load metadata - %w", err)
	}
	if err := n.PersistMetadata(); err != nil {
		return fmt.Errorf("failed to persist metadata - %w", err)
	}
	return nil
}

func validateOptions(opts *Options) error {
	if opts.MaxDeflateLevel < 1 || opts.MaxDeflateLevel > 9 {
		return errors.New("--max-deflate-level must be [1,9]")
	}
	if opts.ID < 0 || opts.ID >= 1024 {
		return errors.New("--node-id must be [0,1024)")
	}
	return nil
}

func (n *NSQD) listen(opts *Options) error {
	var err error
	if n.tcpListener, err = listenAny(opts.TCPAddress); err != nil {
		return fmt.Errorf("listen (%s) failed - %w", opts.TCPAddress, err)
	}
	if opts.HTTPAddress != "" {
		if n.httpListener, err = listenAny(opts.HTTPAddress); err != nil {
			return fmt.Errorf("listen (%s) failed - %w", opts.HTTPAddress, err)
		}
	}
	if n.tlsConfig != nil && opts.HTTPSAddress != "" {
		l, err := listenAny(opts.HTTPSAddress)
		if err != nil {
			return fmt.Errorf("listen (%s) failed - %w", opts.HTTPSAddress, err)
		}
		n.httpsListener = tls.NewListener(l, n.tlsConfig)
	}
	return nil
}

// listenAny listens on a TCP host:port or, failing SplitHostPort, a unix
// socket path (HTTPS accepts a socket path too).
func listenAny(addr string) (net.Listener, error) {
	if _, _, err := net.SplitHostPort(addr); err == nil {
		return net.Listen("tcp", addr)
	}
	return net.Listen("unix", addr)
}

func (n *NSQD) setBroadcastPorts(opts *Options) {
	if opts.BroadcastTCPPort == 0 {
		opts.BroadcastTCPPort = tcpPort(n.tcpListener)
	}
	if opts.BroadcastHTTPPort == 0 && n.httpListener != nil {
		opts.BroadcastHTTPPort = tcpPort(n.httpListener)
	}
}

// tcpPort is the listener's port, 0 for unix sockets or no listener.
func tcpPort(l net.Listener) int {
	if l == nil {
		return 0
	}
	if a, ok := l.Addr().(*net.TCPAddr); ok {
		return a.Port
	}
	return 0
}

func (n *NSQD) closeListeners() {
	for _, l := range []net.Listener{n.tcpListener, n.httpListener, n.httpsListener} {
		if l != nil {
			l.Close()
		}
	}
}

func (n *NSQD) getOpts() *Options      { return n.opts.Load() }
func (n *NSQD) swapOpts(opts *Options) { n.opts.Store(opts) }

func (n *NSQD) logf(level lg.Level, f string, args ...any) {
	opts := n.getOpts()
	lg.Logf(opts.Logger, opts.LogLevel, level, f, args...)
}

func lgLevel[T ~int](l T) lg.Level { return lg.Level(l) }

// RealTCPAddr is the bound TCP listener address.
func (n *NSQD) RealTCPAddr() net.Addr { return n.tcpListener.Addr() }

// RealHTTPAddr is the bound HTTP listener address (nil without one).
func (n *NSQD) RealHTTPAddr() net.Addr {
	if n.httpListener == nil {
		return nil
	}
	return n.httpListener.Addr()
}

// RealHTTPSAddr is the bound HTTPS listener address (nil without one).
func (n *NSQD) RealHTTPSAddr() net.Addr {
	if n.httpsListener == nil {
		return nil
	}
	return n.httpsListener.Addr()
}

// SetHealth records the outcome of the last disk write: nil is healthy.
func (n *NSQD) SetHealth(err error) {
	if err == nil {
		if n.healthErr.Load() != nil {
			n.healthErr.Store(nil)
		}
		return
	}
	// A copy, so that only a failure allocates: storing &err itself would
	// put err on the heap on every call, including every successful one.
	e := err
	n.healthErr.Store(&e)
}

// IsHealthy reports whether the last disk write succeeded.
func (n *NSQD) IsHealthy() bool { return n.healthErr.Load() == nil }

// GetHealth is "OK" or "NOK - <last disk error>".
func (n *NSQD) GetHealth() string {
	if p := n.healthErr.Load(); p != nil {
		return fmt.Sprintf("NOK - %s", *p)
	}
	return "OK"
}

// GetStartTime is when this instance was created.
func (n *NSQD) GetStartTime() time.Time { return n.startTime }
