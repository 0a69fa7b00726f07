package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/nsqgo/nsq/internal/clusterinfo"
	"github.com/nsqgo/nsq/internal/httpapi"
)

const (
	header1 = "------rate------+----------------depth----------------+--------------metadata---------------\n"
	header2 = "ingress  egress |   total     mem    disk inflt   def |     req     t-o         msgs clients\n"
)

// run is the whole program: parse, validate, then print a row every
// interval until --count rows or a signal.
func run(args []string, stdout, stderr io.Writer, sigs <-chan os.Signal) int {
	o, err := parseArgs(args, stdout, stderr)
	var exit errExit
	if errors.As(err, &exit) {
		return int(exit)
	}
	if err == nil {
		err = o.loop(stdout, sigs)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s %s\n", time.Now().Format("2006/01/02 15:04:05"), err)
		return 1
	}
	return 0
}

// loop polls the cluster; iteration 0 only records the baseline and the
// header is printed every 25 iterations.
func (o *options) loop(stdout io.Writer, sigs <-chan os.Signal) error {
	ci := clusterinfo.New(nil, httpapi.NewClient(nil, o.connectTimeout, o.requestTimeout))
	var prev *clusterinfo.ChannelStats
	for i := 0; !o.count.isSet || i <= o.count.value; i++ {
		cur, err := o.channelStats(ci)
		if err != nil {
			return err
		}
		if i%25 == 0 {
			fmt.Fprint(stdout, header1+header2)
		}
		if prev != nil {
			fmt.Fprint(stdout, row(prev, cur, o.interval))
		}
		prev = cur
		if o.count.isSet && i == o.count.value {
			break
		}
		select {
		case <-time.After(o.interval):
		case <-sigs:
			return nil
		}
	}
	return nil
}

// channelStats gathers the channel merged over the topic's producers; any
// error, even a partial one, is fatal.
func (o *options) channelStats(ci *clusterinfo.ClusterInfo) (*clusterinfo.ChannelStats, error) {
	producers, err := ci.GetTopicProducers(o.topic, o.lookupdHTTPAddrs, o.nsqdHTTPAddrs)
	if err != nil {
		return nil, fmt.Errorf("ERROR: failed to get topic producers - %s", err)
	}
	_, channels, err := ci.GetNSQDStats(producers, o.topic, o.channel, false)
	if err != nil {
		return nil, fmt.Errorf("ERROR: failed to get nsqd stats - %s", err)
	}
	c, ok := channels[o.channel]
	if !ok {
		return nil, fmt.Errorf("ERROR: failed to find channel(%s) in stats metadata for topic(%s)", o.channel, o.topic)
	}
	return c, nil
}

// row formats one data line: rates over the interval, then the current
// depth and counters.
func row(prev, cur *clusterinfo.ChannelStats, interval time.Duration) string {
	secs := interval.Seconds()
	ingress := cur.MessageCount - prev.MessageCount
	egress := ingress - (cur.Depth - prev.Depth)
	return fmt.Sprintf("%7d %7d | %7d %7d %7d %5d %5d | %7d %7d %12d %7d\n",
		int64(float64(ingress)/secs), int64(float64(egress)/secs),
		cur.Depth, cur.MemoryDepth, cur.BackendDepth, cur.InFlightCount, cur.DeferredCount,
		cur.RequeueCount, cur.TimeoutCount, cur.MessageCount, cur.ClientCount)
}
