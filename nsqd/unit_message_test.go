package nsqd

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testMsgID(s string) MessageID {
	var id MessageID
	copy(id[:], s)
	return id
}

func TestMessageEncodeExactBytes(t *testing.T) {
	m := &Message{
		ID:        testMsgID("0123456789abcdef"),
		Body:      []byte("hello"),
		Timestamp: 0x0102030405060708,
		Attempts:  0x0a0b,
	}
	want := []byte{1, 2, 3, 4, 5, 6, 7, 8, 0x0a, 0x0b}
	want = append(want, "0123456789abcdef"...)
	want = append(want, "hello"...)
	require.Equal(t, want, m.appendTo(nil), "appendTo")
	require.Equal(t, len(want), m.encodedLen(), "encodedLen")
	var buf bytes.Buffer
	n, err := m.WriteTo(&buf)
	require.NoError(t, err, "WriteTo =")
	require.Equal(t, int64(len(want)), n, "WriteTo =")
	require.Equal(t, want, buf.Bytes(), "WriteTo =")
}

func TestMessageWriteToError(t *testing.T) {
	boom := errors.New("boom")
	m := &Message{Body: []byte("x")}
	_, err := m.WriteTo(failingWriter{boom})
	require.ErrorIs(t, err, boom)
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestMessageRoundTrip(t *testing.T) {
	cases := []*Message{
		{ID: testMsgID("0000000000000000"), Timestamp: 0},
		{ID: testMsgID("ffffffffffffffff"), Body: []byte{}, Timestamp: -1, Attempts: 65535},
		{ID: testMsgID("0a1b2c3d4e5f6789"), Body: []byte("body with \n and \x00"), Timestamp: 1700000000123456789, Attempts: 1},
		{ID: testMsgID("00000000000000aa"), Body: bytes.Repeat([]byte("x"), 100000), Timestamp: 42, Attempts: 3},
	}
	for i, m := range cases {
		b := m.appendTo([]byte("prefix"))[len("prefix"):]
		got, err := decodeMessage(b)
		require.NoError(t, err, "case %d", i)
		require.Equal(t, m.ID, got.ID, "case %d", i)
		require.Equal(t, m.Timestamp, got.Timestamp, "case %d", i)
		require.Equal(t, m.Attempts, got.Attempts, "case %d", i)
		require.True(t, bytes.Equal(m.Body, got.Body), "case %d: body %q, want %q", i, got.Body, m.Body)
		require.Len(t, got.Body, len(m.Body), "case %d: body length %d, want %d", i, len(got.Body), len(m.Body))
		require.True(t, isValidRecord(b), "case %d: encoding not a valid record", i)
	}
}

func TestDecodeMessageBodyAliases(t *testing.T) {
	b := (&Message{ID: testMsgID("0123456789abcdef"), Body: []byte("abc")}).appendTo(nil)
	m, err := decodeMessage(b)
	require.NoError(t, err)
	b[len(b)-1] = 'z'
	require.Equal(t, "abz", string(m.Body), "body = %q, want it to alias the input", m.Body)
}

func TestDecodeMessageShort(t *testing.T) {
	for _, n := range []int{0, 1, 10, 25} {
		m, err := decodeMessage(make([]byte, n))
		require.Nil(t, m)
		require.True(t, errors.Is(err, errShortMessage))
		require.Contains(t, err.Error(), strconv.Itoa(n)+" bytes", "%d bytes: error %q does not give the length", n, err)
	}
	m, err := decodeMessage(make([]byte, minValidMsgLength))
	require.NoError(t, err, "26 bytes")
	require.Len(t, m.Body, 0, "26 bytes")
}

func TestIsValidRecord(t *testing.T) {
	good := (&Message{ID: testMsgID("0123456789abcdef"), Body: []byte("x")}).appendTo(nil)
	require.True(t, isValidRecord(good), "good record rejected")
	require.True(t, isValidRecord(good[:minValidMsgLength]), "empty-body record rejected")
	require.False(t, isValidRecord(good[:minValidMsgLength-1]), "25-byte record accepted")
	require.False(t, isValidRecord(nil), "nil accepted")
	// Timestamp, attempts and body bytes do not matter.
	anyHeader := bytes.Clone(good)
	for i := 0; i < 10; i++ {
		anyHeader[i] = 0xff
	}
	anyHeader = append(anyHeader, 0, 0xff, 'G')
	require.True(t, isValidRecord(anyHeader), "record with arbitrary header/body bytes rejected")
	// Every ID byte must be lowercase hex.
	for pos := 10; pos < 10+MsgIDLength; pos++ {
		for _, c := range []byte{'A', 'F', 'g', 'z', ' ', 0, 0xff, '/', ':', '`'} {
			bad := bytes.Clone(good)
			bad[pos] = c
			require.False(t, isValidRecord(bad), "ID byte %d = %q accepted", pos-10, c)
		}
	}
}

func TestParseDigits(t *testing.T) {
	ok := map[string]int64{
		"":                     0,
		"0":                    0,
		"00":                   0,
		"7":                    7,
		"3600000":              3600000,
		"0012":                 12,
		"9223372036854775807":  1<<63 - 1,
		"09223372036854775807": 1<<63 - 1,
	}
	for s, want := range ok {
		got, err := parseDigits([]byte(s))
		assert.NoError(t, err, "parseDigits(%q)", s)
		assert.Equal(t, want, got, "parseDigits(%q)", s)
	}
	bad := []string{
		"-1", "+1", " 1", "1 ", "1.0", "1e3", "0x10", "a", "١", // Arabic-Indic one
		"9223372036854775808", // MaxInt64 + 1
		"9223372036854775810",
		"10000000000000000000",
		"99999999999999999999999",
	}
	for _, s := range bad {
		got, err := parseDigits([]byte(s))
		assert.ErrorIs(t, err, errParseDigits, "parseDigits(%q)", s)
		assert.Zero(t, got, "parseDigits(%q) with an error", s)
	}
}

func FuzzParseDigits(f *testing.F) {
	for _, s := range []string{"", "0", "123", "9223372036854775807", "9223372036854775808", "-1", "1a", "00001"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := parseDigits(b)
		allDigits := true
		for _, c := range b {
			if c < '0' || c > '9' {
				allDigits = false
			}
		}
		if len(b) == 0 {
			require.EqualValues(t, 0, got, "empty")
			require.NoError(t, err, "empty")
			return
		}
		want, werr := strconv.ParseInt(string(b), 10, 64)
		if !allDigits {
			require.Error(t, err, "%q accepted as %d", b, got)
			return
		}
		// All digits: the only possible failure is overflow.
		require.Equal(t, (err == nil), (werr == nil), "%q: parseDigits err %v, strconv err %v", b, err, werr)
		if err == nil {
			require.Equal(t, want, got, "%q", b)
		} else {
			require.Zero(t, got, "%q: value returned with error %v", b, err)
		}
	})
}

func FuzzDecodeMessage(f *testing.F) {
	f.Add((&Message{ID: testMsgID("0123456789abcdef"), Body: []byte("hello"), Timestamp: 1, Attempts: 2}).appendTo(nil))
	f.Add((&Message{ID: testMsgID("ffffffffffffffff"), Timestamp: -1}).appendTo(nil))
	f.Add(make([]byte, 25))
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0xff}, 40))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeMessage(b)
		if len(b) < minValidMsgLength {
			require.Error(t, err)
			require.Nil(t, m)
			require.False(t, isValidRecord(b), "%d bytes is a valid record", len(b))
			return
		}
		require.NoError(t, err, "%d bytes", len(b))
		require.Equal(t, int64(binary.BigEndian.Uint64(b)), m.Timestamp, "header fields")
		require.Equal(t, binary.BigEndian.Uint16(b[8:]), m.Attempts, "header fields")
		require.Equal(t, len(b), m.encodedLen(), "encodedLen")
		require.Equal(t, b, m.appendTo(nil), "re-encoding differs")
		validID := true
		for _, c := range m.ID {
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				validID = false
			}
		}
		require.Equal(t, validID, isValidRecord(b), "isValidRecord = %v for ID %q", !validID, m.ID[:])
	})
}
