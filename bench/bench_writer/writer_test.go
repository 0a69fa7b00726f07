package main

import (
	"bytes"
	"flag"
	"io"
	"log"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nsqgo/nsq/testcluster"
)

// resultLine is the reference's result line, after the log prefix and date.
var resultLine = regexp.MustCompile(`^\[bench_writer\] \d{4}/\d\d/\d\d \d\d:\d\d:\d\d ` +
	`duration: \S+ - \d+\.\d{3}mb/s - \d+\.\d{3}ops/s - \d+\.\d{3}us/op\n$`)

func parse(t *testing.T, args ...string) *config {
	t.Helper()
	fs := flag.NewFlagSet("bench_writer", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c := newConfig(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDefaults(t *testing.T) {
	c := parse(t)
	if c.addr != "127.0.0.1:4150" || c.topic != "sub_bench" || c.size != 200 ||
		c.batchSize != 200 || c.runfor != 10*time.Second || c.deadline != "" {
		t.Fatalf("defaults: %+v", *c)
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, ""},
		{[]string{"--size=0"}, "--size"},
		{[]string{"--batch-size=0"}, "--batch-size"},
		{[]string{"--runfor=0s"}, "--runfor"},
		{[]string{"--deadline=tomorrow"}, "--deadline"},
		{[]string{"--deadline", "2025-01-27 10:00:00"}, ""},
	} {
		err := parse(t, c.args...).validate()
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%q: validate = %v, want %q", c.args, err, c.want)
		}
	}
}

func TestPublishes(t *testing.T) {
	n := testcluster.StartNSQD(t)
	c := parse(t, "--nsqd-tcp-address="+n.RealTCPAddr().String(), "--runfor=200ms", "--batch-size=10")
	var out bytes.Buffer
	if err := run(c, log.New(&out, "[bench_writer] ", log.LstdFlags)); err != nil {
		t.Fatalf("run: %v", err)
	}
	if !resultLine.MatchString(out.String()) {
		t.Fatalf("output %q does not match %s", out.String(), resultLine)
	}
	stats := n.GetStats("sub_bench", "", false)
	if len(stats.Topics) != 1 || stats.Topics[0].MessageCount == 0 {
		t.Fatalf("nsqd got no messages: %+v", stats.Topics)
	}
}

func TestUnreachable(t *testing.T) {
	c := parse(t, "--nsqd-tcp-address=127.0.0.1:1", "--runfor=100ms")
	err := run(c, log.New(io.Discard, "", 0))
	if err == nil || !strings.Contains(err.Error(), "connecting to nsqd at 127.0.0.1:1") {
		t.Fatalf("run = %v", err)
	}
}
