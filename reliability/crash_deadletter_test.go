package reliability

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/stretchr/testify/require"
)

// TestCrashDeadLetter kills nsqd (--mem-queue-size=0, --max-attempts=1)
// at random moments while a consumer REQs every message it gets, so each
// goes to the dead-letter topic, and a redriver keeps moving them back.
// No message may be lost: with --mem-queue-size=0 a message in flight
// stays on disk until it is finished, its dead-letter copy is on disk
// before its record is finished, and a redriven message is on disk in the
// channel before it leaves the dead-letter topic.
func TestCrashDeadLetter(t *testing.T) {
	bin := buildNSQD(t)
	const topic, channel, dlt = "dlq", "c", "dlq.c.dead"
	p := newNSQDProc(t, bin, t.TempDir(), "--mem-queue-size=0", "--sync-every=1", "--max-attempts=1")
	p.start()
	p.createChannel(topic, channel)
	published := map[string]bool{}
	const cycles, perCycle = 8, 100
	for cycle := range cycles {
		for _, id := range publishBatch(t, p, topic, fmt.Sprintf("c%d", cycle), perCycle) {
			published[id] = true
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() { requeueLoop(stop, p, topic, channel) })
		wg.Go(func() { redriveLoop(stop, p, topic, channel) })
		time.Sleep(time.Duration(200+rand.IntN(400)) * time.Millisecond)
		p.kill()
		close(stop)
		wg.Wait()
		p.start()
	}
	got := collectAll(t, p, topic, channel, dlt)
	var lost []string
	dups := 0
	for id := range published {
		switch n := got[id]; {
		case n == 0:
			lost = append(lost, id)
		case n > 1:
			dups += n - 1
		}
	}
	t.Logf("%d published over %d kill -9 cycles; %d lost, %d duplicates", len(published), cycles, len(lost), dups)
	require.Empty(t, lost, "%d messages lost", len(lost))
	p.stop()
}

// publishBatch MPUBs n checksummed bodies and returns their ids.
func publishBatch(t *testing.T, p *nsqdProc, topic, prefix string, n int) []string {
	t.Helper()
	var body []byte
	var ids []string
	for i := range n {
		id := fmt.Sprintf("%s-%d", prefix, i)
		ids = append(ids, id)
		body = append(body, makeBody(id, 16)...)
		body = append(body, '\n')
	}
	code, resp, err := p.post("/mpub?topic="+topic, body)
	require.NoError(t, err, "mpub")
	require.Equal(t, http.StatusOK, code, "mpub: %s", resp)
	return ids
}

// requeueLoop receives messages and REQs each until stop or until the
// connection dies with nsqd.
func requeueLoop(stop <-chan struct{}, p *nsqdProc, topic, channel string) {
	c, err := test.DialRaw(p.tcpAddr)
	if err != nil {
		return
	}
	defer c.Close()
	if c.Request("SUB "+topic+" "+channel, nil) != nil || c.WriteCmd("RDY 1", nil) != nil {
		return
	}
	for {
		select {
		case <-stop:
			return
		default:
		}
		ft, data, err := c.Frame(time.Second)
		if err != nil && !test.IsTimeout(err) {
			return
		}
		if err != nil || ft != protocol.FrameTypeMessage {
			continue
		}
		m, err := test.ParseMessage(data)
		if err != nil {
			continue
		}
		if c.WriteCmd("REQ "+string(m.ID[:])+" 0", nil) != nil {
			return
		}
	}
}

// redriveLoop keeps moving dead letters back into the channel.
func redriveLoop(stop <-chan struct{}, p *nsqdProc, topic, channel string) {
	for {
		select {
		case <-stop:
			return
		case <-time.After(20 * time.Millisecond):
		}
		p.post(fmt.Sprintf("/channel/redrive?topic=%s&channel=%s&n=%d", topic, channel, 1+rand.IntN(20)), nil)
	}
}

// collectAll stops dead-lettering, redrives everything left and consumes
// the channel to the end; it returns how often each id arrived.
func collectAll(t *testing.T, p *nsqdProc, topic, channel, dlt string) map[string]int {
	t.Helper()
	p.mustPost(fmt.Sprintf("/channel/config?topic=%s&channel=%s&max_attempts=0", topic, channel))
	test.Eventually(t, 20*time.Second, func() bool {
		code, body, err := p.post(fmt.Sprintf("/channel/redrive?topic=%s&channel=%s", topic, channel), nil)
		var res struct {
			Moved int `json:"moved"`
		}
		return err == nil && code == 200 && json.Unmarshal([]byte(body), &res) == nil && res.Moved == 0 && topicDepth(p, dlt) == 0
	}, "dead-letter topic never emptied")
	c := mustDial(t, p)
	defer c.Close()
	require.NoError(t, c.Request("SUB "+topic+" "+channel, nil))
	require.NoError(t, c.WriteCmd("RDY 100", nil))
	got := map[string]int{}
	for {
		ft, data, err := c.Frame(2 * time.Second)
		if test.IsTimeout(err) {
			if s, serr := p.channelStats(topic, channel); serr == nil && s.empty() {
				return got
			}
			continue
		}
		require.NoError(t, err, "reading")
		if ft != protocol.FrameTypeMessage {
			continue
		}
		m, err := test.ParseMessage(data)
		require.NoError(t, err)
		id, ok := checkBody(m.Body)
		require.True(t, ok, "damaged body %q", m.Body)
		got[id]++
		require.NoError(t, c.WriteCmd("FIN "+string(m.ID[:]), nil))
	}
}

// topicDepth is a topic's depth (0 when it does not exist, -1 when it
// cannot be read).
func topicDepth(p *nsqdProc, topic string) int64 {
	r, err := http.Get("http://" + p.httpAddr + "/stats?format=json&include_clients=false&include_mem=false&topic=" + topic)
	if err != nil {
		return -1
	}
	defer r.Body.Close()
	var doc struct {
		Topics []struct {
			Depth int64 `json:"depth"`
		} `json:"topics"`
	}
	if json.NewDecoder(r.Body).Decode(&doc) != nil {
		return -1
	}
	if len(doc.Topics) == 0 {
		return 0
	}
	return doc.Topics[0].Depth
}
