package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/require"
)

const waitFor = 10 * time.Second

// daemons is an nsqd, optionally registered with an nsqlookupd.
type daemons struct {
	nsqdTCP, nsqdHTTP string
	lookupdHTTP       string
}

func startDaemons(t *testing.T, withLookupd bool) *daemons {
	t.Helper()
	d := &daemons{}
	var lookupdTCP []string
	if withLookupd {
		l := testcluster.StartLookupd(t)
		d.lookupdHTTP, lookupdTCP = l.HTTPAddr, []string{l.TCPAddr}
	}
	n := testcluster.StartNSQD(t, testcluster.WithLookupd(lookupdTCP...))
	d.nsqdTCP, d.nsqdHTTP = n.TCPAddr, n.HTTPAddr
	return d
}

func (d *daemons) publish(t *testing.T, topic string, bodies ...string) {
	t.Helper()
	for _, b := range bodies {
		u := "http://" + d.nsqdHTTP + "/pub?" + url.Values{"topic": {topic}}.Encode()
		r := test.HTTPPost(t, u, b)
		require.Equal(t, http.StatusOK, r.Code, "POST %s: %s", u, r)
	}
}

// channelStats is the part of a channel's /stats the tests check.
type channelStats struct {
	ChannelName   string `json:"channel_name"`
	Depth         int64  `json:"depth"`
	InFlightCount int64  `json:"in_flight_count"`
	MessageCount  int64  `json:"message_count"`
	Clients       []struct {
		ReadyCount int64 `json:"ready_count"`
	} `json:"clients"`
}

// channel returns the stats of topic/channel (zero when missing).
func (d *daemons) channel(t *testing.T, topic, channel string) channelStats {
	t.Helper()
	var doc struct {
		Topics []struct {
			Channels []channelStats `json:"channels"`
		} `json:"topics"`
	}
	q := url.Values{"format": {"json"}, "topic": {topic}, "channel": {channel}}
	test.HTTPGetJSON(t, "http://"+d.nsqdHTTP+"/stats?"+q.Encode(), &doc)
	for _, tp := range doc.Topics {
		for _, c := range tp.Channels {
			if c.ChannelName == channel {
				return c
			}
		}
	}
	return channelStats{}
}

// channelCounts returns depth and in-flight count of topic/channel.
func (d *daemons) channelCounts(t *testing.T, topic, channel string) (depth, inFlight int64) {
	t.Helper()
	c := d.channel(t, topic, channel)
	return c.Depth, c.InFlightCount
}

// drained reports whether the n messages of topic/channel were all
// delivered and FINished.
func (d *daemons) drained(t *testing.T, topic, channel string, n int) bool {
	c := d.channel(t, topic, channel)
	return c.MessageCount == int64(n) && c.Depth == 0 && c.InFlightCount == 0
}

// ready reports whether one consumer is connected with RDY n.
func (d *daemons) ready(t *testing.T, topic, channel string, n int64) bool {
	c := d.channel(t, topic, channel)
	return len(c.Clients) == 1 && c.Clients[0].ReadyCount == n
}

// program is nsq_to_file running in-process.
type program struct {
	sigs   chan os.Signal
	exit   chan int
	stderr *test.Buffer
}

func startProgram(t *testing.T, args ...string) *program {
	t.Helper()
	p := &program{sigs: make(chan os.Signal, 1), exit: make(chan int, 1), stderr: &test.Buffer{}}
	go func() { p.exit <- run(args, io.Discard, p.stderr, p.sigs) }()
	t.Cleanup(func() {
		select {
		case p.sigs <- syscall.SIGTERM:
		default:
		}
		select {
		case <-p.exit:
		case <-time.After(waitFor):
		}
		t.Log("stderr:\n" + p.stderr.String())
	})
	return p
}

// stop sends sig and returns the exit status.
func (p *program) stop(t *testing.T, sig os.Signal) int {
	t.Helper()
	p.sigs <- sig
	select {
	case code := <-p.exit:
		p.exit <- code // let the cleanup see it too
		return code
	case <-time.After(waitFor):
		require.FailNow(t, "nsq_to_file did not exit")
	}
	return -1
}

// files lists the regular files under dir, relative, sorted.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, path)
			out = append(out, rel)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// content reads a file, gunzipping names ending in .gz.
func content(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	if !strings.HasSuffix(path, ".gz") {
		return string(data)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	require.NoError(t, err, "%s", path)
	plain, err := io.ReadAll(zr)
	require.NoError(t, err, "%s: not valid gzip", path)
	return string(plain)
}

// lines counts each line of every file under dir.
func lines(t *testing.T, dir string) map[string]int {
	t.Helper()
	seen := map[string]int{}
	for _, f := range files(t, dir) {
		for _, l := range strings.SplitAfter(content(t, filepath.Join(dir, f)), "\n") {
			if l != "" {
				seen[l]++
			}
		}
	}
	return seen
}

func bodies(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%04d", prefix, i)
	}
	return out
}

func year() string { return time.Now().Format("2006") }
