package reliability

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/assert"
)

// soakDuration is how long TestSoak publishes; consumers then drain. The
// default suits CI; run e.g. `go test -race -run TestSoak ./reliability/
// -soak=10m -timeout=30m` for a long run.
var soakDuration = flag.Duration("soak", 15*time.Second, "how long TestSoak publishes before draining")

// soakMemQueue is nsqd's --mem-queue-size in TestSoak; 0 puts every
// message, deferred ones included (the journal), through the disk.
var soakMemQueue = flag.Int64("soak.mem-queue-size", 10000, "nsqd --mem-queue-size in TestSoak")

const (
	soakTopic, soakChannel = "soak", "c"
	soakPublishers         = 3
	soakConsumers          = 4
	soakMaxBacklog         = 5000 // published but not yet FINished
	// soakBarrierID is never in flight: FIN of it always fails, and the
	// failure tells a consumer that the server has answered every command
	// sent before it.
	soakBarrierID = "0000000000000000"
)

// soak is the shared accounting of one soak run.
type soak struct {
	addr    string
	stopPub chan struct{} // publishers stop
	stopSub chan struct{} // consumers sync and stop

	// Bodies are "p<publisher>-<seq>": publisher i's messages 1..acked[i]
	// were acknowledged with OK; fin[i] has bit seq set once a FIN was sent.
	mu        sync.Mutex
	acked     [soakPublishers]int
	fin       [soakPublishers][]uint64
	finUnique int // set bits in fin
	bogusFin  []string

	pubs, mpubs, dpubs                    atomic.Int64
	deliveries, redeliveries              atomic.Int64
	finSent, finFailed                    atomic.Int64
	reqSent, reqDelayed, reqFailed        atomic.Int64
	touchSent, touchFailed, ignored, rdys atomic.Int64
	reconnects                            atomic.Int64
}

func (s *soak) published() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	total := 0
	for _, n := range s.acked {
		total += n
	}
	return total
}

func (s *soak) backlog() int {
	published := s.published()
	s.mu.Lock()
	defer s.mu.Unlock()
	return published - s.finUnique
}

// drained reports whether every published body has been FINished (once the
// publishers have stopped).
func (s *soak) drained() bool { return s.backlog() == 0 }

// finished records that a FIN was sent for body.
func (s *soak) finished(body []byte) {
	var pub, seq int
	_, err := fmt.Sscanf(soakKey(body), "p%d-%d", &pub, &seq)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil || pub < 0 || pub >= soakPublishers || seq < 1 {
		s.bogusFin = append(s.bogusFin, string(body))
		return
	}
	bits := &s.fin[pub]
	for len(*bits) <= seq/64 {
		*bits = append(*bits, 0)
	}
	if (*bits)[seq/64]&(1<<(seq%64)) == 0 {
		(*bits)[seq/64] |= 1 << (seq % 64)
		s.finUnique++
	}
}

// unpublishedFins lists FINished bodies beyond what was acknowledged.
func (s *soak) unpublishedFins() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]string(nil), s.bogusFin...)
	for pub, bits := range s.fin {
		for i, w := range bits {
			for b := range 64 {
				if seq := i*64 + b; w&(1<<b) != 0 && seq > s.acked[pub] {
					out = append(out, fmt.Sprintf("p%d-%d", pub, seq))
				}
			}
		}
	}
	return out
}

func (s *soak) stopped(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// publish sends PUB, MPUB and DPUB with unique bodies until stopPub.
func (s *soak) publish(id int) error {
	w, err := dialWire(s.addr)
	if err != nil {
		return err
	}
	defer w.Close()
	rng := rand.New(rand.NewPCG(uint64(id), 1))
	seq := 0
	body := func() []byte {
		seq++
		return fmt.Appendf(nil, "p%d-%d %s", id, seq, bytes.Repeat([]byte("x"), rng.IntN(200)))
	}
	for !s.stopped(s.stopPub) {
		if s.backlog() > soakMaxBacklog {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		var bodies [][]byte
		var err error
		switch r := rng.IntN(10); {
		case r < 5:
			bodies = [][]byte{body()}
			err = w.Request("PUB "+soakTopic, bodies[0])
			s.pubs.Add(1)
		case r < 9:
			for range 2 + rng.IntN(19) {
				bodies = append(bodies, body())
			}
			err = w.Request("MPUB "+soakTopic, test.MPUBBody(bodies))
			s.mpubs.Add(1)
		default:
			bodies = [][]byte{body()}
			err = w.Request(fmt.Sprintf("DPUB %s %d", soakTopic, rng.IntN(500)), bodies[0])
			s.dpubs.Add(1)
		}
		if err != nil {
			return fmt.Errorf("publisher %d: %w", id, err)
		}
		s.mu.Lock()
		s.acked[id] = seq
		s.mu.Unlock()
	}
	return nil
}

// soakKey is the unique part of a message body.
func soakKey(body []byte) string {
	k, _, _ := bytes.Cut(body, []byte(" "))
	return string(k)
}

// consume runs consumer sessions until stopSub; each session ends with a
// deliberate disconnect after a random number of messages.
func (s *soak) consume(id int) error {
	rng := rand.New(rand.NewPCG(uint64(id), 2))
	for !s.stopped(s.stopSub) {
		if err := s.session(rng); err != nil {
			return fmt.Errorf("consumer %d: %w", id, err)
		}
		s.reconnects.Add(1)
	}
	return nil
}

func (s *soak) session(rng *rand.Rand) error {
	w, err := dialWire(s.addr)
	if err != nil {
		return err
	}
	defer w.Close()
	ident, _ := json.Marshal(map[string]any{"msg_timeout": 1000, "heartbeat_interval": 1000})
	if err := w.Request("IDENTIFY", ident); err != nil {
		return err
	}
	if err := w.Request("SUB "+soakTopic+" "+soakChannel, nil); err != nil {
		return err
	}
	if err := s.setRDY(w, rng); err != nil {
		return err
	}
	for life := 50 + rng.IntN(1500); life > 0 && !s.stopped(s.stopSub); {
		if pending, err := w.Pending(200 * time.Millisecond); err != nil {
			return err
		} else if !pending {
			continue
		}
		ft, data, err := w.ReadFrame()
		if err != nil {
			return err
		}
		if test.IsHeartbeat(ft, data) {
			if err := w.WriteCmd("NOP", nil); err != nil {
				return err
			}
			continue
		}
		if ft == protocol.FrameTypeMessage {
			life--
		}
		if err := s.handle(w, rng, ft, data); err != nil {
			return err
		}
	}
	return s.barrier(w)
}

// barrier waits until the server has processed every command sent so far,
// so that every E_*_FAILED of this connection is counted; messages that
// arrive meanwhile are left to time out.
func (s *soak) barrier(w *test.Conn) error {
	if err := w.WriteCmd("FIN "+soakBarrierID, nil); err != nil {
		return err
	}
	for {
		ft, data, err := w.Frame(w.Timeout)
		if err != nil {
			return fmt.Errorf("barrier: %w", err)
		}
		if ft == protocol.FrameTypeMessage {
			s.deliveries.Add(1)
			s.ignored.Add(1)
			continue
		}
		if ft == protocol.FrameTypeError && strings.HasPrefix(string(data), "E_FIN_FAILED FIN "+soakBarrierID+" ") {
			return nil
		}
		if err := s.countFailure(ft, data); err != nil {
			return err
		}
	}
}

func (s *soak) setRDY(w *test.Conn, rng *rand.Rand) error {
	s.rdys.Add(1)
	return w.WriteCmd("RDY "+strconv.Itoa(1+rng.IntN(50)), nil)
}

// countFailure counts the non-fatal errors; anything else is an error.
func (s *soak) countFailure(ft int32, data []byte) error {
	if ft != protocol.FrameTypeError {
		return fmt.Errorf("unexpected %s frame %q", test.FrameTypeName(ft), data)
	}
	switch code, _, _ := strings.Cut(string(data), " "); code {
	case "E_FIN_FAILED":
		s.finFailed.Add(1)
	case "E_REQ_FAILED":
		s.reqFailed.Add(1)
	case "E_TOUCH_FAILED":
		s.touchFailed.Add(1)
	default:
		return fmt.Errorf("error frame %q", data)
	}
	return nil
}

// handle acts on one frame: a message is FINished (most of the time),
// requeued with or without delay, touched first, or left to time out.
func (s *soak) handle(w *test.Conn, rng *rand.Rand, ft int32, data []byte) error {
	if ft != protocol.FrameTypeMessage {
		return s.countFailure(ft, data)
	}
	m, err := test.ParseMessage(data)
	if err != nil {
		return err
	}
	s.deliveries.Add(1)
	if m.Attempts > 1 {
		s.redeliveries.Add(1)
	}
	r := rng.IntN(100)
	if r >= 85 && r < 90 {
		s.touchSent.Add(1)
		if err := w.WriteCmd("TOUCH "+m.ID, nil); err != nil {
			return err
		}
		r = rng.IntN(85)
	}
	switch {
	case r < 65:
		s.finished(m.Body)
		s.finSent.Add(1)
		return w.WriteCmd("FIN "+m.ID, nil)
	case r < 75:
		s.reqSent.Add(1)
		return w.WriteCmd("REQ "+m.ID+" 0", nil)
	case r < 85:
		s.reqSent.Add(1)
		s.reqDelayed.Add(1)
		return w.WriteCmd(fmt.Sprintf("REQ %s %d", m.ID, 1+rng.IntN(300)), nil)
	case r < 93:
		s.ignored.Add(1)
		return nil
	default: // a new RDY, then FIN
		if err := s.setRDY(w, rng); err != nil {
			return err
		}
		s.finished(m.Body)
		s.finSent.Add(1)
		return w.WriteCmd("FIN "+m.ID, nil)
	}
}

// procRSSKiB is this process's resident set size after returning freed
// memory to the OS.
func procRSSKiB(t testing.TB) int64 {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	return rssKiB(t, os.Getpid())
}

func heapMiB() float64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc) / (1 << 20)
}

func TestSoak(t *testing.T) {
	n := testcluster.StartNSQD(t, testcluster.WithLogLevel(lg.WARN), func(o *nsqd.Options) {
		o.LogLevel = lg.ERROR
		o.MemQueueSize = *soakMemQueue
	})
	n.CreateChannel(t, soakTopic, soakChannel)
	baseGoroutines, baseRSS, baseHeap := runtime.NumGoroutine(), procRSSKiB(t), heapMiB()

	s := &soak{addr: n.TCPAddr, stopPub: make(chan struct{}), stopSub: make(chan struct{})}
	errs := make(chan error, soakPublishers+soakConsumers)
	var pubWG, subWG sync.WaitGroup
	for i := range soakPublishers {
		pubWG.Go(func() { errs <- s.publish(i) })
	}
	for i := range soakConsumers {
		subWG.Go(func() { errs <- s.consume(i) })
	}
	start := time.Now()
	failed := func() bool {
		select {
		case err := <-errs:
			if !assert.NoError(t, err) {
				return true
			}
		default:
		}
		return false
	}
	for time.Since(start) < *soakDuration && !failed() {
		time.Sleep(100 * time.Millisecond)
	}
	close(s.stopPub)
	pubWG.Wait()
	drainStart := time.Now()
	test.Eventually(t, 2*time.Minute, func() bool { return failed() || s.drained() }, "every published message FINished")
	close(s.stopSub)
	subWG.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	if t.Failed() {
		return
	}
	drainTime := time.Since(drainStart)
	test.Eventually(t, 10*time.Second, func() bool {
		cs, ok := n.ChannelStats(soakTopic, soakChannel)
		return ok && cs.ClientCount == 0 && cs.Depth == 0 && cs.InFlightCount == 0 && cs.DeferredCount == 0
	}, "channel empty, no clients")
	cs, _ := n.ChannelStats(soakTopic, soakChannel)
	ts, _ := n.TopicStats(soakTopic)

	var goroutines int
	test.Eventually(t, 10*time.Second, func() bool {
		goroutines = runtime.NumGoroutine()
		return goroutines <= baseGoroutines+2
	}, fmt.Sprintf("goroutines back to %d", baseGoroutines))
	rss, heap := procRSSKiB(t), heapMiB()

	published := s.published()
	t.Logf("soak %s (+%s drain): published %d messages (%d PUB, %d MPUB, %d DPUB); "+
		"%d deliveries (%d redeliveries); FIN %d sent, %d failed; REQ %d sent (%d delayed), %d failed; "+
		"TOUCH %d sent, %d failed; %d left to time out; %d RDY changes; %d reconnects",
		*soakDuration, drainTime.Round(time.Millisecond), published, s.pubs.Load(), s.mpubs.Load(), s.dpubs.Load(),
		s.deliveries.Load(), s.redeliveries.Load(), s.finSent.Load(), s.finFailed.Load(),
		s.reqSent.Load(), s.reqDelayed.Load(), s.reqFailed.Load(), s.touchSent.Load(), s.touchFailed.Load(),
		s.ignored.Load(), s.rdys.Load(), s.reconnects.Load())
	t.Logf("nsqd channel: message_count %d, requeue_count %d, timeout_count %d; topic message_count %d",
		cs.MessageCount, cs.RequeueCount, cs.TimeoutCount, ts.MessageCount)
	t.Logf("goroutines %d → %d; RSS %d → %d MiB; heap %.1f → %.1f MiB",
		baseGoroutines, goroutines, baseRSS>>10, rss>>10, baseHeap, heap)

	// Exactly one FIN succeeded per published message: none lost (a
	// message never FINished would be missing), none delivered again after
	// its FIN (it would be FINished twice).
	if bad := s.unpublishedFins(); len(bad) > 0 {
		assert.Fail(t, fmt.Sprintf("FINished %d bodies never acknowledged as published", len(bad)), "%.10q", bad)
	}
	// (The barrier's own failed FIN is counted in neither.)
	assert.EqualValues(t, published, s.finSent.Load()-s.finFailed.Load(), "successful FINs against published messages")
	assert.EqualValues(t, published, ts.MessageCount, "topic message_count")
	assert.EqualValues(t, published, cs.MessageCount, "channel message_count")
	assert.EqualValues(t, s.reqSent.Load()-s.reqFailed.Load(), cs.RequeueCount, "channel requeue_count against successful REQs")
	if s.ignored.Load() > 0 {
		assert.NotZero(t, cs.TimeoutCount, "messages were left to time out but timeout_count is 0")
	}
	assert.LessOrEqual(t, rss, baseRSS+128<<10, "RSS grew from %d to %d MiB", baseRSS>>10, rss>>10)
}
