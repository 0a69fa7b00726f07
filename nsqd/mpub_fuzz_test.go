package nsqd

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/stretchr/testify/require"
)

// mpubSeeds are MPUB bodies without the leading body size: a count and
// that many sized messages, with the spec's error cases.
func mpubSeeds() [][]byte {
	return [][]byte{
		[]byte("\x00\x00\x00\x02" + sized("one") + sized("two")),
		[]byte("\x00\x00\x00\x01" + sized(strings.Repeat("m", fuzzMaxMsgSize))),
		[]byte("\x00\x00\x00\x01" + sized(strings.Repeat("m", fuzzMaxMsgSize+1))),
		[]byte("\x00\x00\x00\x00"),
		[]byte("\xff\xff\xff\xff"),
		[]byte("\x00\x00\x06\x66"),
		[]byte("\x00\x00\x00"),
		[]byte("\x00\x00\x00\x03" + sized("a")),
		[]byte("\x00\x00\x00\x01\x00\x00\x00\x00"),
		[]byte("\x00\x00\x00\x01\x80\x00\x00\x00"),
		[]byte("\x00\x00\x00\x01\x00\x00\x00\x05ab"),
		[]byte("\x00\x00\x00\x01" + sized("a") + "trailing bytes"),
		[]byte("one\ntwo\n\nthree\r\n"),
		[]byte(strings.Repeat("x", fuzzMaxMsgSize+1) + "\n"),
	}
}

// mpubCount is the count field of an MPUB body, or -1 if it is absent.
func mpubCount(b []byte) int {
	if len(b) < 4 {
		return -1
	}
	return int(int32(binary.BigEndian.Uint32(b)))
}

// checkMPUBMessages: never more messages than declared, each body within
// the limit and taken verbatim from the input.
func checkMPUBMessages(t *testing.T, input []byte, msgs []*Message) {
	t.Helper()
	require.Len(t, msgs, mpubCount(input))
	for i, m := range msgs {
		require.True(t, len(m.Body) > 0 && len(m.Body) <= fuzzMaxMsgSize, "message %d has a %d-byte body", i, len(m.Body))
		require.True(t, bytes.Contains(input, m.Body), "message %d body %q is not in the input", i, m.Body)
	}
}

// FuzzMPUB reads the input as the TCP MPUB body (after the body size, which
// is derived from the input length), as the HTTP binary /mpub body and as
// the HTTP text /mpub body.
func FuzzMPUB(f *testing.F) {
	for _, s := range mpubSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		n := fuzzNSQD(t)
		topic := n.GetTopic("fuzz_mpub")
		opts := n.getOpts()

		server, _ := net.Pipe()
		defer server.Close()
		c := newClientV2(1, server, n)
		var size [4]byte
		binary.BigEndian.PutUint32(size[:], uint32(len(input)))
		c.Reader = bufio.NewReader(bytes.NewReader(append(size[:], input...)))
		p := &protocolV2{nsqd: n}
		msgs, err := p.readMPUB(c, topic)
		switch {
		case err == nil:
			checkMPUBMessages(t, input, msgs)
		case len(input) == 0:
			checkClientErr(t, err, "E_BAD_BODY MPUB invalid body size 0")
		case len(input) > fuzzMaxBodySize:
			checkClientErrPrefix(t, err, "E_BAD_BODY MPUB body too big ")
		default:
			checkMPUBErr(t, err, mpubCount(input), len(input))
		}

		bmsgs, berr := readBinaryMPUB(bytes.NewReader(input), opts, topic)
		if berr == nil {
			checkMPUBMessages(t, input, bmsgs)
		} else {
			var he httpapi.Err
			require.True(t, errors.As(berr, &he) && he.Code == 413 && (he.Text == "BAD_BODY" || he.Text == "BAD_MESSAGE"), "binary /mpub error %v", berr)
		}
		// Both readers take the same records, except that HTTP also stops
		// at the body size limit.
		if len(input) <= fuzzMaxBodySize {
			require.Equal(t, err == nil, berr == nil, "TCP MPUB error %v, binary /mpub error %v", err, berr)
		}
		checkTextMPUB(t, n, input)
	})
}

var mpubErrPrefixes = []string{
	"E_BAD_BODY MPUB failed to read message count",
	"E_BAD_BODY MPUB invalid message count ",
	"E_BAD_MESSAGE MPUB failed to read message(",
	"E_BAD_MESSAGE MPUB invalid message(",
	"E_BAD_MESSAGE MPUB message too big ",
	"E_BAD_MESSAGE MPUB failed to read message body",
}

// checkMPUBErr: a fatal client error with one of the spec's MPUB texts,
// and a count error exactly when the count field is bad.
func checkMPUBErr(t *testing.T, err error, count, size int) {
	t.Helper()
	var ce *protocol.ClientErr
	require.True(t, errors.As(err, &ce), "MPUB error")
	require.True(t, ce.Fatal, "MPUB error")
	badCount := count <= 0 || count > (fuzzMaxBodySize-4)/5 || count > (size-4)/4
	require.Equal(t, (ce.Code == protocol.EBadBody), badCount, "MPUB count %d gave %v", count, err)
	known := slices.ContainsFunc(mpubErrPrefixes, func(p string) bool { return strings.HasPrefix(err.Error(), p) })
	require.True(t, known, "MPUB error %q is not one of the spec's", err)
}

// checkTextMPUB reads the input as a text-mode HTTP /mpub body: one
// message per non-empty line.
func checkTextMPUB(t *testing.T, n *NSQD, input []byte) {
	t.Helper()
	// A declared length above the limit is refused before the body is
	// read; an undeclared one (chunked) is read up to the limit.
	req := &http.Request{Body: io.NopCloser(bytes.NewReader(input)), ContentLength: int64(len(input))}
	if len(input) > fuzzMaxBodySize {
		req.ContentLength = -1
	}
	msgs, err := readTextMPUB(req, n.getOpts(), n.GetTopic("fuzz_mpub"))
	var lines [][]byte
	tooLong := false
	for _, l := range bytes.Split(input, []byte("\n")) {
		if len(l) > 0 {
			lines = append(lines, l)
			tooLong = tooLong || len(l) > fuzzMaxMsgSize
		}
	}
	switch {
	case len(input) > fuzzMaxBodySize:
		checkHTTPErr(t, err, 413, "BODY_TOO_BIG")
	case tooLong:
		checkHTTPErr(t, err, 413, "MSG_TOO_BIG")
	case err != nil:
		require.NoError(t, err, "text /mpub")
	case len(msgs) != len(lines):
		require.Len(t, msgs, len(lines), "%d messages from %d non-empty lines", len(msgs), len(lines))
	default:
		for i, m := range msgs {
			require.Equal(t, lines[i], m.Body, "message %d is %q, want %q", i, m.Body, lines[i])
		}
	}
}

func checkHTTPErr(t *testing.T, err error, code int, text string) {
	t.Helper()
	var he httpapi.Err
	require.True(t, errors.As(err, &he), "error")
	require.Equal(t, code, he.Code, "error")
	require.Equal(t, text, he.Text, "error")
}
