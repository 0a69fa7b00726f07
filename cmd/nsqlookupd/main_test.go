package main

import (
	"bytes"
	"errors"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/internal/version"
	"github.com/nsqgo/nsq/nsqlookupd"
)

// fakeDaemon's Main blocks until Exit, then returns mainErr; with failNow it
// returns mainErr at once.
type fakeDaemon struct {
	exit    chan struct{}
	exits   int
	mainErr error
	failNow bool
}

func (d *fakeDaemon) Main() error {
	if !d.failNow {
		<-d.exit
	}
	return d.mainErr
}

func (d *fakeDaemon) Exit() {
	if d.exits++; d.exits == 1 && !d.failNow {
		close(d.exit)
	}
}

// harness runs the app in-process with buffers for its output.
type harness struct {
	app
	out, errOut, logs bytes.Buffer
	sigs              chan os.Signal
	opts              *nsqlookupd.Options
}

func newHarness(d daemon, newErr error) *harness {
	h := &harness{sigs: make(chan os.Signal, 1)}
	h.app = app{
		stdout:    &h.out,
		stderr:    &h.errOut,
		newLogger: func(prefix string) lg.Logger { return log.New(&h.logs, prefix, 0) },
		newDaemon: func(o *nsqlookupd.Options) (daemon, error) {
			h.opts = o
			if newErr != nil {
				return nil, newErr
			}
			return d, nil
		},
		signals: h.sigs,
	}
	return h
}

func TestRunStopsOnSignal(t *testing.T) {
	for _, sig := range []os.Signal{syscall.SIGINT, syscall.SIGTERM} {
		d := &fakeDaemon{exit: make(chan struct{})}
		h := newHarness(d, nil)
		h.sigs <- sig
		equal(t, 0, h.run([]string{"--tcp-address=127.0.0.1:0"}))
		equal(t, 1, d.exits)
		equal(t, "127.0.0.1:0", h.opts.TCPAddress)
	}
}

func TestRunExitsOneWhenMainFails(t *testing.T) {
	d := &fakeDaemon{mainErr: errors.New("listener closed"), failNow: true}
	h := newHarness(d, nil)
	equal(t, 1, h.run(nil))
	equal(t, 1, d.exits)
	equal(t, "[nsqlookupd] FATAL: listener closed\n", h.logs.String())
}

func TestRunFatalWhenNewFails(t *testing.T) {
	h := newHarness(nil, errors.New("listen (x) failed - boom"))
	equal(t, 1, h.run([]string{"--log-prefix=[x] "}))
	equal(t, "[x] FATAL: failed to instantiate nsqlookupd - listen (x) failed - boom\n", h.logs.String())
}

func TestRunFatalOnBadConfig(t *testing.T) {
	h := newHarness(nil, nil)
	equal(t, 1, h.run([]string{writeConfig(t, "log_level = \"loud\"\n")}))
	if !strings.HasPrefix(h.logs.String(), "[nsqlookupd] FATAL: failed parsing log_level loud - ") || h.opts != nil {
		t.Fatalf("logs %q, started %v", h.logs.String(), h.opts != nil)
	}
}

func TestRunVersionHelpBadFlag(t *testing.T) {
	h := newHarness(nil, nil)
	equal(t, 0, h.run([]string{"--version"}))
	equal(t, version.String("nsqlookupd")+"\n", h.out.String())
	h = newHarness(nil, nil)
	equal(t, 0, h.run([]string{"-h"}))
	if !strings.HasPrefix(h.errOut.String(), "Usage of nsqlookupd:\n") || !strings.Contains(h.errOut.String(), "-tombstone-lifetime") {
		t.Fatalf("usage: %q", h.errOut.String())
	}
	h = newHarness(nil, nil)
	equal(t, 2, h.run([]string{"--no-such-flag"}))
	if !strings.HasPrefix(h.errOut.String(), "flag provided but not defined: -no-such-flag\nUsage of nsqlookupd:\n") {
		t.Fatalf("stderr: %q", h.errOut.String())
	}
}

// TestRunRealDaemon serves a real nsqlookupd until a signal.
func TestRunRealDaemon(t *testing.T) {
	h := newHarness(nil, nil)
	addrs := make(chan string, 1)
	h.newDaemon = func(o *nsqlookupd.Options) (daemon, error) {
		o.Logger = test.NewLogger(t)
		l, err := nsqlookupd.New(o)
		if err == nil {
			addrs <- l.RealHTTPAddr().String()
		}
		return l, err
	}
	done := make(chan int, 1)
	go func() { done <- h.run([]string{"--tcp-address=127.0.0.1:0", "--http-address=127.0.0.1:0"}) }()
	url := "http://" + <-addrs + "/ping"
	test.Eventually(t, test.DefaultTimeout, func() bool {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	})
	h.sigs <- syscall.SIGTERM
	select {
	case code := <-done:
		equal(t, 0, code)
	case <-time.After(test.DefaultTimeout):
		t.Fatal("no exit after SIGTERM")
	}
}

func TestRunBindFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	noErr(t, err)
	defer ln.Close()
	h := newHarness(nil, nil)
	h.newDaemon = func(o *nsqlookupd.Options) (daemon, error) { return nsqlookupd.New(o) }
	equal(t, 1, h.run([]string{"--tcp-address=" + ln.Addr().String()}))
	if !strings.Contains(h.logs.String(), "FATAL: failed to instantiate nsqlookupd - listen ("+ln.Addr().String()+") failed - ") {
		t.Fatalf("logs %q", h.logs.String())
	}
}
