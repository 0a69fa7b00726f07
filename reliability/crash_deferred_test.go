package reliability

import (
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests prove that with --mem-queue-size=0 a deferred message keeps
// its deadline across a kill -9: neither lost nor delivered early.

const (
	kdDelay   = 3 * time.Second  // DPUB delay and REQ timeout
	kdLate    = 15 * time.Second // how long after its deadline a message may arrive
	kdCount   = 20               // DPUB messages per topic
	kdReqs    = 10               // messages requeued with a delay
	kdChannel = "ch"
)

// kdDue maps topic → id → the earliest moment the message may arrive: the
// time taken just before it was sent (or requeued), plus its delay.
type kdDue map[string]map[string]time.Time

// earliest returns the first deadline of all.
func (d kdDue) earliest() time.Time {
	var first time.Time
	for _, ids := range d {
		for _, at := range ids {
			if first.IsZero() || at.Before(first) {
				first = at
			}
		}
	}
	return first
}

// latest returns the last deadline of all.
func (d kdDue) latest() time.Time {
	var last time.Time
	for _, ids := range d {
		for _, at := range ids {
			if at.After(last) {
				last = at
			}
		}
	}
	return last
}

// TestCrashKeepsDeferredDeadlines defers messages three ways — DPUB to a
// topic with a channel (channel deferred table), DPUB to a topic with no
// channel yet (topic disk queue plus deadline file) and REQ with a delay
// from a consumer — then kills nsqd with SIGKILL and restarts it. Every
// message must be delivered, none before its deadline.
func TestCrashKeepsDeferredDeadlines(t *testing.T) {
	bin := buildNSQD(t)
	p := newNSQDProc(t, bin, t.TempDir(), "--mem-queue-size=0", "--sync-every=1")
	p.start()
	begin := time.Now()

	p.createChannel("kd", kdChannel)
	due := kdDue{}
	due["kd"] = dpubAll(t, p, "kd", kdCount, kdDelay)
	due["kd2"] = dpubAll(t, p, "kd2", kdCount, kdDelay)
	p.createChannel("kd3", kdChannel)
	due["kd3"] = requeueAll(t, p, "kd3", kdChannel, kdReqs, kdDelay)
	queued := time.Now()

	p.kill()
	p.start()
	restarted := time.Now()
	p.createChannel("kd2", kdChannel)

	rec := newArrivalLog()
	subs := subscribeAll(t, p, rec, []string{"kd", "kd2", "kd3"})
	ready := time.Now()
	t.Logf("queued in %v, killed and restarted in %v, consumers ready %v before the first deadline",
		queued.Sub(begin).Round(time.Millisecond), restarted.Sub(queued).Round(time.Millisecond),
		due.earliest().Sub(ready).Round(time.Millisecond))
	require.True(t, ready.Before(due.earliest()),
		"consumers were ready %v after the first deadline: the test cannot tell an early delivery; raise kdDelay",
		ready.Sub(due.earliest()))
	waitArrivals(t, p, rec, subs, due)
	checkArrivals(t, rec, due)
}

// dpubAll DPUBs n bodies with the given delay to topic and returns their
// deadlines.
func dpubAll(t *testing.T, p *nsqdProc, topic string, n int, delay time.Duration) map[string]time.Time {
	t.Helper()
	c := mustDial(t, p)
	defer c.Close()
	due := make(map[string]time.Time, n)
	for i := range n {
		id := fmt.Sprintf("%s-%d", topic, i)
		before := time.Now()
		require.NoError(t, c.Request(fmt.Sprintf("DPUB %s %d", topic, delay.Milliseconds()), makeBody(id, 32)), "DPUB %s", id)
		due[id] = before.Add(delay)
	}
	return due
}

// requeueAll PUBs n bodies to topic, receives them on channel and REQs each
// with the given delay, waits until the channel's deferred count shows them
// all and returns their deadlines.
func requeueAll(t *testing.T, p *nsqdProc, topic, channel string, n int, delay time.Duration) map[string]time.Time {
	t.Helper()
	c := mustDial(t, p)
	defer c.Close()
	for i := range n {
		require.NoError(t, c.Request("PUB "+topic, makeBody(fmt.Sprintf("%s-%d", topic, i), 32)), "PUB")
	}
	require.NoError(t, c.Request("SUB "+topic+" "+channel, nil), "SUB")
	require.NoError(t, c.WriteCmd(fmt.Sprintf("RDY %d", n), nil))
	due := make(map[string]time.Time, n)
	for range n {
		m := readMessage(t, c)
		id, _ := checkBody(m.Body)
		before := time.Now()
		require.NoError(t, c.WriteCmd(fmt.Sprintf("REQ %s %d", m.ID, delay.Milliseconds()), nil))
		due[id] = before.Add(delay)
	}
	test.Eventually(t, 10*time.Second, func() bool {
		s, err := p.channelStats(topic, channel)
		return err == nil && s.Deferred == int64(n)
	}, fmt.Sprintf("%s/%s never showed %d deferred messages", topic, channel, n))
	return due
}

func mustDial(t *testing.T, p *nsqdProc) *test.Conn {
	t.Helper()
	c, err := test.DialRaw(p.tcpAddr)
	require.NoError(t, err)
	return c
}

// readMessage reads one message frame with an intact body.
func readMessage(t *testing.T, c *test.Conn) test.Message {
	t.Helper()
	ft, data, err := c.Frame(5 * time.Second)
	require.NoError(t, err, "want a message, got frame")
	require.Equal(t, protocol.FrameTypeMessage, ft, "want a message, got frame")
	m, err := test.ParseMessage(data)
	require.NoError(t, err)
	_, ok := checkBody(m.Body)
	require.True(t, ok, "damaged body %q", m.Body)
	return m
}

// arrivalLog records when each body arrived, by topic and id.
type arrivalLog struct {
	mu      sync.Mutex
	at      map[string]map[string][]time.Time
	corrupt [][]byte
	last    time.Time
}

func newArrivalLog() *arrivalLog {
	return &arrivalLog{at: make(map[string]map[string][]time.Time), last: time.Now()}
}

func (a *arrivalLog) add(topic string, body []byte, when time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.last = when
	id, ok := checkBody(body)
	if !ok {
		a.corrupt = append(a.corrupt, body)
		return
	}
	if a.at[topic] == nil {
		a.at[topic] = make(map[string][]time.Time)
	}
	a.at[topic][id] = append(a.at[topic][id], when)
}

// complete reports whether every id in due has arrived and nothing has
// arrived for a moment.
func (a *arrivalLog) complete(due kdDue) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for topic, ids := range due {
		for id := range ids {
			if len(a.at[topic][id]) == 0 {
				return false
			}
		}
	}
	return time.Since(a.last) > 500*time.Millisecond
}

// timedSub is a consumer that logs each arrival and FINs it; done carries
// the error that ended its reader.
type timedSub struct {
	topic string
	c     *test.Conn
	done  chan error
}

// subscribeAll subscribes one timed consumer to each topic's kdChannel.
func subscribeAll(t *testing.T, p *nsqdProc, rec *arrivalLog, topics []string) []*timedSub {
	t.Helper()
	var subs []*timedSub
	for _, topic := range topics {
		c := mustDial(t, p)
		s := &timedSub{topic: topic, c: c, done: make(chan error, 1)}
		t.Cleanup(func() { c.Close() })
		require.NoError(t, c.Request("SUB "+topic+" "+kdChannel, nil), "SUB %s", topic)
		require.NoError(t, c.WriteCmd("RDY 100", nil))
		go func() { s.done <- s.read(rec) }()
		subs = append(subs, s)
	}
	return subs
}

// read logs and FINs messages until the connection fails.
func (s *timedSub) read(rec *arrivalLog) error {
	for {
		ft, data, err := s.c.Frame(time.Minute)
		now := time.Now()
		if err != nil {
			return err
		}
		if ft != protocol.FrameTypeMessage {
			return fmt.Errorf("%s: unexpected frame %d %q", s.topic, ft, data)
		}
		m, err := test.ParseMessage(data)
		if err != nil {
			return err
		}
		rec.add(s.topic, m.Body, now)
		if err := s.c.WriteCmd("FIN "+m.ID, nil); err != nil {
			return err
		}
	}
}

// waitArrivals polls until every message has arrived and every channel is
// empty, then stops the consumers. It fails on a consumer error or when the
// last deadline is kdLate past.
func waitArrivals(t *testing.T, p *nsqdProc, rec *arrivalLog, subs []*timedSub, due kdDue) {
	t.Helper()
	deadline := due.latest().Add(kdLate)
	for !rec.complete(due) || !channelsEmpty(p, due) {
		for _, s := range subs {
			select {
			case err := <-s.done:
				require.FailNow(t, "consumer "+s.topic+" stopped", "%v", err)
			default:
			}
		}
		if time.Now().After(deadline) {
			assert.Fail(t, "messages still missing after the last deadline", "%v after it:\n%s", kdLate, p.logTail())
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, s := range subs {
		s.c.Close()
		<-s.done
	}
}

func channelsEmpty(p *nsqdProc, due kdDue) bool {
	for topic := range due {
		s, err := p.channelStats(topic, kdChannel)
		if err != nil || !s.empty() {
			return false
		}
	}
	return true
}

// checkArrivals fails for a damaged, unknown, missing, early or too late
// message, logs duplicates and how late after its deadline each topic's
// messages came.
func checkArrivals(t *testing.T, rec *arrivalLog, due kdDue) {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	assert.Empty(t, rec.corrupt, "damaged bodies")
	topics := make([]string, 0, len(due))
	for topic := range due {
		topics = append(topics, topic)
	}
	sort.Strings(topics)
	for _, topic := range topics {
		checkTopicArrivals(t, topic, rec.at[topic], due[topic])
	}
}

func checkTopicArrivals(t *testing.T, topic string, got map[string][]time.Time, due map[string]time.Time) {
	t.Helper()
	var missing, early, late, unknown []string
	minLate, maxLate := time.Duration(1<<62), time.Duration(-1<<62)
	dups := 0
	for id, at := range due {
		times := got[id]
		if len(times) == 0 {
			missing = append(missing, id)
			continue
		}
		for _, when := range times {
			if when.Before(at) {
				early = append(early, fmt.Sprintf("%s (%v early)", id, at.Sub(when).Round(time.Millisecond)))
			}
		}
		d := times[0].Sub(at)
		if d > kdLate {
			late = append(late, fmt.Sprintf("%s (%v late)", id, d.Round(time.Millisecond)))
		}
		minLate, maxLate = min(minLate, d), max(maxLate, d)
		dups += len(times) - 1
	}
	for id := range got {
		if _, ok := due[id]; !ok {
			unknown = append(unknown, id)
		}
	}
	reportIDs(t, topic, "never arrived", missing)
	reportIDs(t, topic, "arrived before the deadline", early)
	reportIDs(t, topic, fmt.Sprintf("arrived more than %v after the deadline", kdLate), late)
	reportIDs(t, topic, "arrived but were never sent", unknown)
	if len(got) > 0 {
		t.Logf("%s: %d of %d arrived, %d duplicate deliveries, first arrivals %v..%v after their deadlines",
			topic, len(got), len(due), dups, minLate.Round(time.Millisecond), maxLate.Round(time.Millisecond))
	}
}

// reportIDs fails with how many messages of topic went wrong, and a few.
func reportIDs(t *testing.T, topic, what string, ids []string) {
	t.Helper()
	if len(ids) == 0 {
		return
	}
	sort.Strings(ids)
	assert.Fail(t, fmt.Sprintf("%s: %d messages %s", topic, len(ids), what), "e.g. %v", ids[:min(5, len(ids))])
}
