package reliability

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/stretchr/testify/require"
)

// This file holds what the crash and disk tests share: an nsqd run as a
// child process on fixed loopback ports and a fixed data path, so that it
// can be killed and restarted in place, a small raw V2 client that reports
// errors instead of failing the test (publishers run in goroutines and must
// survive the daemon dying under them), and checksummed message bodies.

// buildNSQD compiles ./cmd/nsqd into a temporary directory.
func buildNSQD(t *testing.T) string {
	t.Helper()
	return test.BuildCommand(t, "../cmd/nsqd", "nsqd")
}

// nsqdProc is an nsqd child process that can be started, killed and
// restarted on the same ports and data path.
type nsqdProc struct {
	t         *testing.T
	bin       string
	dataPath  string
	tcpAddr   string
	httpAddr  string
	args      []string
	logPath   string
	mu        sync.Mutex
	cmd       *exec.Cmd
	exited    chan struct{}
	exitState *os.ProcessState
	starts    int
}

func newNSQDProc(t *testing.T, bin, dataPath string, args ...string) *nsqdProc {
	t.Helper()
	p := &nsqdProc{
		t: t, bin: bin, dataPath: dataPath, args: args,
		tcpAddr: test.FreeAddr(t), httpAddr: test.FreeAddr(t),
		logPath: filepath.Join(t.TempDir(), "nsqd.log"),
	}
	t.Cleanup(func() {
		if p.running() {
			p.kill()
		}
	})
	return p
}

// start runs nsqd and waits until /ping answers.
func (p *nsqdProc) start() {
	p.t.Helper()
	logf, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	require.NoError(p.t, err)
	defer logf.Close()
	args := append([]string{
		"--tcp-address=" + p.tcpAddr, "--http-address=" + p.httpAddr,
		"--data-path=" + p.dataPath, "--broadcast-address=127.0.0.1",
	}, p.args...)
	cmd := exec.Command(p.bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	require.NoError(p.t, cmd.Start(), "start nsqd")
	exited := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.exited, p.exitState = cmd, exited, nil
	p.starts++
	p.mu.Unlock()
	go func() {
		cmd.Wait()
		p.mu.Lock()
		p.exitState = cmd.ProcessState
		p.mu.Unlock()
		close(exited)
	}()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			require.FailNow(p.t, fmt.Sprintf("nsqd exited at start (%v)", cmd.ProcessState), p.logTail())
		default:
		}
		if code, _, err := p.ping(); err == nil && code != 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	require.FailNow(p.t, "nsqd did not answer /ping", p.logTail())
}

// pid is the process ID of the running nsqd.
func (p *nsqdProc) pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd.Process.Pid
}

func (p *nsqdProc) running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exited == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *nsqdProc) kill() { p.signalAndWait(syscall.SIGKILL) }

// stop shuts nsqd down cleanly with SIGTERM.
func (p *nsqdProc) stop() {
	p.t.Helper()
	p.signalAndWait(syscall.SIGTERM)
	p.mu.Lock()
	st := p.exitState
	p.mu.Unlock()
	if st == nil || !st.Success() {
		require.FailNow(p.t, fmt.Sprintf("nsqd did not exit cleanly (%v)", st), p.logTail())
	}
}

func (p *nsqdProc) signalAndWait(sig syscall.Signal) {
	p.t.Helper()
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(sig)
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-exited
		require.FailNow(p.t, fmt.Sprintf("nsqd did not exit after %v", sig), p.logTail())
	}
}

// ping returns the status and body of GET /ping (code 0 if no answer).
func (p *nsqdProc) ping() (int, string, error) {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + p.httpAddr + "/ping")
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// post sends an HTTP POST and returns the status and body.
func (p *nsqdProc) post(path string, body []byte) (int, string, error) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Post("http://"+p.httpAddr+path, "application/octet-stream", strings.NewReader(string(body)))
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// mustPost fails the test unless the POST answers 200.
func (p *nsqdProc) mustPost(path string) {
	p.t.Helper()
	code, body, err := p.post(path, nil)
	require.NoError(p.t, err, "POST %s", path)
	require.Equal(p.t, http.StatusOK, code, "POST %s: %q", path, body)
}

// createChannel creates topic and channel and waits until nsqd.dat names
// the channel, so that a crash from now on cannot forget it.
func (p *nsqdProc) createChannel(topic, channel string) {
	p.t.Helper()
	p.mustPost("/topic/create?topic=" + topic)
	p.mustPost("/channel/create?topic=" + topic + "&channel=" + channel)
	test.Eventually(p.t, 10*time.Second, func() bool {
		b, err := os.ReadFile(filepath.Join(p.dataPath, "nsqd.dat"))
		return err == nil && strings.Contains(string(b), `"name":"`+channel+`"`)
	}, "nsqd.dat does not record channel "+channel)
}

// queueStats is the part of a channel's /stats that tells whether it has
// anything left to deliver.
type queueStats struct {
	TopicDepth int64
	Depth      int64
	InFlight   int64
	Deferred   int64
	Found      bool
}

func (q queueStats) empty() bool {
	return q.Found && q.TopicDepth == 0 && q.Depth == 0 && q.InFlight == 0 && q.Deferred == 0
}

func (p *nsqdProc) channelStats(topic, channel string) (queueStats, error) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + p.httpAddr + "/stats?format=json&include_clients=false&include_mem=false&topic=" + topic)
	if err != nil {
		return queueStats{}, err
	}
	defer resp.Body.Close()
	var doc struct {
		Topics []struct {
			Name     string `json:"topic_name"`
			Depth    int64  `json:"depth"`
			Channels []struct {
				Name     string `json:"channel_name"`
				Depth    int64  `json:"depth"`
				InFlight int64  `json:"in_flight_count"`
				Deferred int64  `json:"deferred_count"`
			} `json:"channels"`
		} `json:"topics"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		return queueStats{}, err
	}
	for _, tp := range doc.Topics {
		for _, ch := range tp.Channels {
			if tp.Name == topic && ch.Name == channel {
				return queueStats{TopicDepth: tp.Depth, Depth: ch.Depth, InFlight: ch.InFlight,
					Deferred: ch.Deferred, Found: true}, nil
			}
		}
	}
	return queueStats{}, nil
}

// logTail is the end of nsqd's output, for failure messages.
func (p *nsqdProc) logTail() string {
	b, _ := os.ReadFile(p.logPath)
	if len(b) > 8000 {
		b = b[len(b)-8000:]
	}
	return string(b)
}

// makeBody returns a body "<id>:<padding>#<crc32 of the rest, hex>".
func makeBody(id string, pad int) []byte {
	b := []byte(id + ":")
	for i := range pad {
		b = append(b, "qrstuvwxyz"[i%10])
	}
	return fmt.Appendf(b, "#%08x", crc32.ChecksumIEEE(b))
}

// checkBody returns the id of a body made by makeBody, or ok false if the
// body is damaged.
func checkBody(b []byte) (id string, ok bool) {
	i := strings.LastIndexByte(string(b), '#')
	if i < 0 || len(b)-i != 9 {
		return "", false
	}
	if fmt.Sprintf("%08x", crc32.ChecksumIEEE(b[:i])) != string(b[i+1:]) {
		return "", false
	}
	id, _, ok = strings.Cut(string(b[:i]), ":")
	return id, ok
}

// delivery is what a consumer saw: how many times each id arrived, and the
// bodies that failed their checksum.
type delivery struct {
	count   map[string]int
	corrupt [][]byte
}

func (d *delivery) duplicates() int {
	n := 0
	for _, c := range d.count {
		n += c - 1
	}
	return n
}

// consume subscribes to topic/channel, finishes everything it receives and
// returns once the channel is empty (no depth, in flight or deferred
// messages) and quiet for a moment, or fails after timeout.
func consume(t *testing.T, p *nsqdProc, topic, channel string, timeout time.Duration) *delivery {
	t.Helper()
	c, err := test.DialRaw(p.tcpAddr)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.Request("SUB "+topic+" "+channel, nil), "SUB")
	require.NoError(t, c.WriteCmd("RDY 200", nil))
	d := &delivery{count: make(map[string]int)}
	var mu sync.Mutex
	last := time.Now()
	readErr := make(chan error, 1)
	go func() {
		for {
			ft, data, err := c.Frame(time.Minute)
			if err != nil {
				readErr <- err
				return
			}
			if ft != protocol.FrameTypeMessage {
				readErr <- fmt.Errorf("unexpected frame %d %q", ft, data)
				return
			}
			m, err := test.ParseMessage(data)
			if err != nil {
				readErr <- err
				return
			}
			mu.Lock()
			if id, ok := checkBody(m.Body); ok {
				d.count[id]++
			} else {
				d.corrupt = append(d.corrupt, m.Body)
			}
			last = time.Now()
			mu.Unlock()
			if err := c.WriteCmd("FIN "+string(m.ID[:]), nil); err != nil {
				readErr <- err
				return
			}
		}
	}()
	deadline := time.Now().Add(timeout)
	for {
		select {
		case err := <-readErr:
			require.FailNow(t, "consumer stopped", "%v", err)
		case <-time.After(100 * time.Millisecond):
		}
		s, err := p.channelStats(topic, channel)
		mu.Lock()
		quiet := time.Since(last) > 500*time.Millisecond
		mu.Unlock()
		if err == nil && s.empty() && quiet {
			c.Close()
			<-readErr
			return d
		}
		require.False(t, time.Now().After(deadline), "channel %s/%s not drained after %v: %+v %v", topic, channel, timeout, s, err)
	}
}
