package reliability

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
)

// TestCrashDeadLetter kills nsqd (--mem-queue-size=0, --max-attempts=1)
// at random moments while a consumer REQs every message it gets, so each
// goes to the dead-letter topic, and a redriver keeps moving them back.
// Every message must survive: a message is only allowed to go missing
// while it was in flight at a crash, because in-flight messages live in
// memory: the one the consumer had received without its REQ confirmed, or
// (RDY 1, so at most one per crash) one nsqd had sent that the consumer
// never read. Nothing on its way to or from the dead-letter topic may be
// lost.
func TestCrashDeadLetter(t *testing.T) {
	bin := buildNSQD(t)
	const topic, channel, dlt = "dlq", "c", "dlq.c.dead"
	p := newNSQDProc(t, bin, t.TempDir(), "--mem-queue-size=0", "--sync-every=1", "--max-attempts=1")
	p.start()
	p.createChannel(topic, channel)
	published := map[string]bool{}
	atRisk := map[string]bool{}
	unseenAllowed := 0
	const cycles, perCycle = 8, 100
	for cycle := range cycles {
		ids := publishBatch(t, p, topic, fmt.Sprintf("c%d", cycle), perCycle)
		for _, id := range ids {
			published[id] = true
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var risk []string
		wg.Go(func() { risk = requeueLoop(stop, p, topic, channel) })
		wg.Go(func() { redriveLoop(stop, p, topic, channel) })
		time.Sleep(time.Duration(200+rand.IntN(400)) * time.Millisecond)
		p.kill()
		close(stop)
		wg.Wait()
		for _, id := range risk {
			atRisk[id] = true
		}
		if len(risk) == 0 {
			unseenAllowed++
		}
		p.start()
	}
	got := collectAll(t, p, topic, channel, dlt)
	var lost, lostAtRisk []string
	dups := 0
	for id := range published {
		switch n := got[id]; {
		case n == 0 && atRisk[id]:
			lostAtRisk = append(lostAtRisk, id)
		case n == 0:
			lost = append(lost, id)
		case n > 1:
			dups += n - 1
		}
	}
	t.Logf("%d published over %d kill -9 cycles; %d lost while in flight, %d more unseen in flight, %d duplicates",
		len(published), cycles, len(lostAtRisk), len(lost), dups)
	if len(lost) > unseenAllowed {
		t.Fatalf("%d messages lost (at most %d could have been in flight unseen): %v", len(lost), unseenAllowed, lost)
	}
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
	if err != nil || code != http.StatusOK {
		t.Fatalf("mpub: %d %s %v", code, resp, err)
	}
	return ids
}

// requeueLoop receives messages and REQs each; a FIN of the same id
// afterwards is answered E_FIN_FAILED once the REQ has been handled (the
// commands run in order), which confirms the message is back in nsqd's
// hands. It returns the ids in flight when the connection died.
func requeueLoop(stop <-chan struct{}, p *nsqdProc, topic, channel string) []string {
	c, err := dialRaw(p.tcpAddr)
	if err != nil {
		return nil
	}
	defer c.Close()
	if c.request("SUB "+topic+" "+channel, nil) != nil || c.cmd("RDY 1", nil) != nil {
		return nil
	}
	var inFlight string
	for {
		select {
		case <-stop:
			return riskOf(inFlight)
		default:
		}
		ft, data, err := c.frame(time.Second)
		if err != nil {
			if isTimeout(err) {
				continue
			}
			return riskOf(inFlight)
		}
		switch {
		case ft == frameMessage:
			m, perr := test.ParseMessage(data)
			if perr != nil {
				continue
			}
			inFlight, _ = checkBody(m.Body)
			if c.cmd("REQ "+string(m.ID[:])+" 0", nil) != nil || c.cmd("FIN "+string(m.ID[:]), nil) != nil {
				return riskOf(inFlight)
			}
		case ft == frameError && strings.HasPrefix(string(data), "E_FIN_FAILED"):
			inFlight = ""
		}
	}
}

func riskOf(id string) []string {
	if id == "" {
		return nil
	}
	return []string{id}
}

func isTimeout(err error) bool {
	ne, ok := err.(interface{ Timeout() bool })
	return ok && ne.Timeout()
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
	if err := c.request("SUB "+topic+" "+channel, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.cmd("RDY 100", nil); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for {
		ft, data, err := c.frame(2 * time.Second)
		if err != nil {
			if s, serr := p.channelStats(topic, channel); isTimeout(err) && serr == nil && s.empty() {
				return got
			}
			if isTimeout(err) {
				continue
			}
			t.Fatalf("reading: %v", err)
		}
		if ft != frameMessage {
			continue
		}
		m, err := test.ParseMessage(data)
		if err != nil {
			t.Fatal(err)
		}
		id, ok := checkBody(m.Body)
		if !ok {
			t.Fatalf("damaged body %q", m.Body)
		}
		got[id]++
		if err := c.cmd("FIN "+string(m.ID[:]), nil); err != nil {
			t.Fatal(err)
		}
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
