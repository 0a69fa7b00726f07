package nsqadmin

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nsqgo/nsq/internal/clusterinfo"
	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/version"
)

// NSQAdmin is one nsqadmin instance. See doc.go for goroutine ownership.
type NSQAdmin struct {
	opts atomic.Pointer[Options]

	ci          *clusterinfo.ClusterInfo
	graphiteURL *url.URL // parsed --graphite-url, set with --proxy-graphite
	index       *template.Template
	notifier    *notifier
	history     *history

	httpListener net.Listener
	httpServer   *http.Server

	exitChan chan struct{}
	exitOnce sync.Once
	wg       sync.WaitGroup
	mainErr  chan error
}

// New validates opts, normalises the base path and binds the HTTP
// listener; nothing is served until Main.
func New(opts *Options) (*NSQAdmin, error) {
	if opts.Logger == nil {
		opts.Logger = lg.New(opts.LogPrefix)
	}
	o := *opts
	o.BasePath = normalizeBasePath(o.BasePath)
	n := &NSQAdmin{exitChan: make(chan struct{}), mainErr: make(chan error, 1)}
	n.opts.Store(&o)
	tlsConfig, err := validate(&o, func(err error) {
		n.logf(lg.WARN, "%s (asked again at every request)", err)
	})
	if err != nil {
		return nil, err
	}
	if o.ProxyGraphite {
		if n.graphiteURL, err = url.Parse(o.GraphiteURL); err != nil {
			return nil, fmt.Errorf("failed to parse --graphite-url (%s) - %w", o.GraphiteURL, err)
		}
	}
	if n.index, err = template.ParseFS(assets, "static/index.html"); err != nil {
		return nil, fmt.Errorf("failed to parse the UI template - %w", err)
	}
	client := httpapi.NewClient(tlsConfig, o.HTTPClientConnectTimeout, o.HTTPClientRequestTimeout)
	n.ci = clusterinfo.New(n.logf, client)
	n.history = newHistory(o.StatsInterval)
	n.notifier = newNotifier(&o, client, n.logf)
	n.logf(lg.INFO, "%s", version.String("nsqadmin"))
	if n.httpListener, err = net.Listen("tcp", o.HTTPAddress); err != nil {
		return nil, fmt.Errorf("listen (%s) failed - %w", o.HTTPAddress, err)
	}
	n.httpServer = httpapi.NewServer(httpapi.Compress(newHTTPServer(n)), o.Logger, o.HTTPTimeouts)
	return n, nil
}

// normalizeBasePath makes p absolute and clean: "" → "/", "admin/" →
// "/admin".
func normalizeBasePath(p string) string {
	return path.Clean("/" + p)
}

// validate checks the options in the reference's order and returns the
// TLS configuration of the upstream HTTP client; warn gets what is odd but
// not fatal.
func validate(o *Options, warn func(error)) (*tls.Config, error) {
	lookupds, nsqds := len(o.NSQLookupdHTTPAddresses), len(o.NSQDHTTPAddresses)
	switch {
	case lookupds == 0 && nsqds == 0:
		return nil, errors.New("--nsqd-http-address or --lookupd-http-address required")
	case lookupds != 0 && nsqds != 0:
		return nil, errors.New("use --nsqd-http-address or --lookupd-http-address not both")
	case o.HTTPClientTLSCert != "" && o.HTTPClientTLSKey == "":
		return nil, errors.New("--http-client-tls-key must be specified with --http-client-tls-cert")
	case o.HTTPClientTLSKey != "" && o.HTTPClientTLSCert == "":
		return nil, errors.New("--http-client-tls-cert must be specified with --http-client-tls-key")
	case o.StatsInterval < time.Second:
		return nil, errors.New("--stats-interval must be at least 1s")
	}
	tlsConfig, err := clientTLSConfig(o)
	if err != nil {
		return nil, err
	}
	if err := resolveAll("--lookupd-http-address", o.NSQLookupdHTTPAddresses, warn); err != nil {
		return nil, err
	}
	if err := resolveAll("--nsqd-http-address", o.NSQDHTTPAddresses, warn); err != nil {
		return nil, err
	}
	if o.AllowConfigFromCIDR != "" {
		if _, _, err := net.ParseCIDR(o.AllowConfigFromCIDR); err != nil {
			return nil, fmt.Errorf("failed to parse --allow-config-from-cidr (%s) - %w", o.AllowConfigFromCIDR, err)
		}
	}
	return tlsConfig, nil
}

func clientTLSConfig(o *Options) (*tls.Config, error) {
	cfg := &tls.Config{InsecureSkipVerify: o.HTTPClientTLSInsecureSkipVerify}
	if o.HTTPClientTLSCert != "" && o.HTTPClientTLSKey != "" {
		cert, err := tls.LoadX509KeyPair(o.HTTPClientTLSCert, o.HTTPClientTLSKey)
		if err != nil {
			return nil, fmt.Errorf("failed to LoadX509KeyPair %s, %s - %w", o.HTTPClientTLSCert, o.HTTPClientTLSKey, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if o.HTTPClientTLSRootCAFile != "" {
		pem, err := os.ReadFile(o.HTTPClientTLSRootCAFile)
		if err != nil {
			return nil, fmt.Errorf("failed to read TLS root CA file %s - %w", o.HTTPClientTLSRootCAFile, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("failed to AppendCertsFromPEM %s", o.HTTPClientTLSRootCAFile)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// resolveAll requires each address to be host:port with a known port, as
// NSQ does. Unlike NSQ, a host name that does not resolve is not fatal: in
// a cluster nsqadmin may start before the nodes it names have DNS records,
// and every upstream request resolves the name again (until then the node
// shows up in the API's upstream errors). Such an address goes to warn.
func resolveAll(flagName string, addrs []string, warn func(error)) error {
	for _, a := range addrs {
		_, err := net.ResolveTCPAddr("tcp", a)
		if err == nil {
			continue
		}
		err = fmt.Errorf("failed to resolve %s (%s) - %w", flagName, a, err)
		if !hostUnresolved(a, err) {
			return err
		}
		warn(err)
	}
	return nil
}

// hostUnresolved tells a failed lookup of addr's host name from a malformed
// address or an unknown port name, which fail the resolution too.
func hostUnresolved(addr string, err error) bool {
	if !errors.As(err, new(*net.DNSError)) {
		return false
	}
	_, port, splitErr := net.SplitHostPort(addr)
	if splitErr != nil {
		return false
	}
	_, portErr := net.LookupPort("tcp", port)
	return portErr == nil
}

// Main serves HTTP, samples the cluster's stats and delivers
// notifications until Exit is called or the HTTP server fails; on a
// failure it shuts down and returns the error.
func (n *NSQAdmin) Main() error {
	n.logf(lg.INFO, "HTTP: listening on %s", n.httpListener.Addr())
	n.wg.Go(func() {
		err := n.httpServer.Serve(n.httpListener)
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			select {
			case n.mainErr <- err:
			default:
			}
		}
	})
	n.wg.Go(func() { n.sampleLoop() })
	if n.notifier.enabled() {
		n.wg.Go(func() { n.notifier.run(n.exitChan) })
	}
	select {
	case err := <-n.mainErr:
		n.logf(lg.FATAL, "%s", err)
		n.Exit()
		return err
	case <-n.exitChan:
		return nil
	}
}

// Exit closes the listener and the HTTP server, lets the notification
// worker deliver what is queued, stops the sampler and waits for them. It
// is idempotent; it works whether or not Main ran.
func (n *NSQAdmin) Exit() {
	n.exitOnce.Do(func() {
		n.httpServer.Close()
		n.httpListener.Close()
		close(n.exitChan)
		n.wg.Wait()
	})
}

// RealHTTPAddr is the bound address of the HTTP listener.
func (n *NSQAdmin) RealHTTPAddr() *net.TCPAddr { return n.httpListener.Addr().(*net.TCPAddr) }

func (n *NSQAdmin) getOpts() *Options { return n.opts.Load() }

func (n *NSQAdmin) logf(level lg.Level, f string, args ...any) {
	o := n.getOpts()
	lg.Logf(o.Logger, o.LogLevel, level, f, args...)
}
