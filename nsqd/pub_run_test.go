package nsqd_test

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestV2PipelinedPUBsAnsweredInOrder: PUBs written in one go (more than
// are published together at once), a PUB to another topic and a NOP among
// them, are answered one OK each in order, and a consumer gets the
// messages in the order they were published, with distinct ids.
func TestV2PipelinedPUBsAnsweredInOrder(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	sub := mustSubscribe(t, n, "runa", "ch", nil)
	defer sub.Close()
	c := mustConnect(t, n)
	defer c.Close()

	var bodies [][]byte
	var want []string
	for i := range 150 {
		bodies = append(bodies, fmt.Appendf(nil, "a%03d", i))
		want = append(want, string(bodies[i]))
	}
	b := appendPUBs(nil, "runa", bodies...)
	b = appendPUBs(b, "runb", []byte("b"))
	b = append(b, "NOP\n"...)
	b = appendPUBs(b, "runa", []byte("last"))
	want = append(want, "last")
	c.Send(b)
	for range 152 {
		c.ExpectOK(t)
	}
	require.EqualValues(t, 1, mustTopicStats(t, n, "runb").MessageCount)

	sub.Cmd(fmt.Sprintf("RDY %d", len(want)))
	ids := map[string]bool{}
	for i, m := range sub.ReadMessages(t, len(want)) {
		require.Equal(t, want[i], string(m.Body), "message %d", i)
		assert.False(t, ids[m.ID], "id %s given twice", m.ID)
		ids[m.ID] = true
	}
}

// TestV2PipelinedPUBRunEndsAtBadPUB: a PUB the command loop refuses, right
// behind good ones in the same write, is answered with its own error after
// the OKs of those before it, which are published.
func TestV2PipelinedPUBRunEndsAtBadPUB(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	c := mustConnect(t, n)
	defer c.Close()

	b := appendPUBs(nil, "runbad", []byte("one"), []byte("two"))
	b = test.AppendCmd(b, "PUB runbad", 1<<20+1, nil)
	c.Send(b)
	c.ExpectOK(t)
	c.ExpectOK(t)
	c.ExpectFatal(t, "E_BAD_MESSAGE PUB message too big 1048577 > 1048576")
	require.EqualValues(t, 2, mustTopicStats(t, n, "runbad").MessageCount)
}

// TestV2PipelinedPUBRunUnderTopicCap: PUBs written in one go to a topic
// whose max_depth lets only some of them in are admitted one by one, as
// if each had been sent alone: the first ones are answered OK, the first
// refused ends the connection with the cap's error.
func TestV2PipelinedPUBRunUnderTopicCap(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	mustCall(t, n, http.MethodPost, "/topic/create", tc("runcap", ""))
	mustCall(t, n, http.MethodPost, "/topic/config", tc("runcap", "", "max_depth", "3"))
	c := mustConnect(t, n)
	defer c.Close()

	c.Send(appendPUBs(nil, "runcap", []byte("0"), []byte("1"), []byte("2"), []byte("3"), []byte("4")))
	for range 3 {
		c.ExpectOK(t)
	}
	c.ExpectFatal(t, "E_PUB_FAILED PUB failed topic runcap is at its max_depth of 3 messages")
	require.EqualValues(t, 3, mustTopicStats(t, n, "runcap").Depth)
}

// TestV2PipelinedPUBsAroundALargeBody: a PUB whose body cannot be whole in
// the read buffer, between small ones written in the same go, is read as
// usual; every PUB is answered in order and every body arrives intact.
func TestV2PipelinedPUBsAroundALargeBody(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	sub := mustSubscribe(t, n, "runbig", "ch", nil)
	defer sub.Close()
	c := mustConnect(t, n)
	defer c.Close()

	big := bytes.Repeat([]byte("0123456789abcdef"), 40<<10/16)
	pipelinePUBs(t, c, sub, "runbig", [][]byte{[]byte("s1"), []byte("s2"), big, []byte("s3"), big, []byte("s4")})
}

// pipelinePUBs writes a PUB of every body to topic in one go on c, expects
// an OK for each, then lets sub take them all and expects them in order.
func pipelinePUBs(t *testing.T, c, sub *test.Conn, topic string, bodies [][]byte) {
	t.Helper()
	c.Send(appendPUBs(nil, topic, bodies...))
	for range bodies {
		c.ExpectOK(t)
	}
	sub.Cmd(fmt.Sprintf("RDY %d", len(bodies)))
	for i, m := range sub.ReadMessages(t, len(bodies)) {
		require.Equal(t, bodies[i], m.Body, "message %d", i)
	}
}

// TestV2PipelinedPUBsCompressed: pipelined PUBs through a snappy or
// deflate stream are answered in order and arrive intact.
func TestV2PipelinedPUBsCompressed(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"snappy", "deflate"} {
		t.Run(mode, func(t *testing.T) {
			n := startNSQD(t, nil)
			topic := "runz" + mode
			sub := mustSubscribe(t, n, topic, "ch", nil)
			defer sub.Close()
			c, _ := xCompressedConn(t, n, mode, nil, nil)
			defer c.Close()
			pipelinePUBs(t, c, sub, topic, xDeflateBodies(7))
		})
	}
}

// appendPUBs appends to b a PUB to topic of every body.
func appendPUBs(b []byte, topic string, bodies ...[]byte) []byte {
	for _, body := range bodies {
		b = test.AppendCmd(b, "PUB "+topic, uint32(len(body)), body)
	}
	return b
}
