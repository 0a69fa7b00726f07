package protocol

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendFrameExactBytes(t *testing.T) {
	cases := []struct {
		name      string
		frameType int32
		data      []byte
		want      []byte
	}{
		{"ok", FrameTypeResponse, OKBytes, []byte{0, 0, 0, 6, 0, 0, 0, 0, 'O', 'K'}},
		{"heartbeat", FrameTypeResponse, HeartbeatBytes, append([]byte{0, 0, 0, 15, 0, 0, 0, 0}, "_heartbeat_"...)},
		{"error", FrameTypeError, []byte("E_BAD_PROTOCOL"), append([]byte{0, 0, 0, 18, 0, 0, 0, 1}, "E_BAD_PROTOCOL"...)},
		{"message empty", FrameTypeMessage, nil, []byte{0, 0, 0, 4, 0, 0, 0, 2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := AppendFrame(nil, c.frameType, c.data)
			require.Equal(t, string(c.want), string(got), "AppendFrame = %q", got)
		})
	}
}

func TestAppendFrameKeepsPrefix(t *testing.T) {
	dst := []byte("xy")
	got := AppendFrame(dst, FrameTypeResponse, []byte("a"))
	want := []byte{'x', 'y', 0, 0, 0, 5, 0, 0, 0, 0, 'a'}
	require.Equal(t, string(want), string(got))
}

// writeCounter records every Write call separately.
type writeCounter struct{ writes [][]byte }

func (w *writeCounter) Write(p []byte) (int, error) {
	w.writes = append(w.writes, append([]byte(nil), p...))
	return len(p), nil
}

func TestSendFrameSingleWrite(t *testing.T) {
	var w writeCounter
	n, err := SendFrame(&w, FrameTypeResponse, CloseWaitBytes)
	require.NoError(t, err)
	want := append([]byte{0, 0, 0, 14, 0, 0, 0, 0}, "CLOSE_WAIT"...)
	require.Equal(t, len(want), n, "n = %d", n)
	require.Len(t, w.writes, 1, "writes = %q", w.writes)
	require.Equal(t, string(want), string(w.writes[0]), "writes = %q", w.writes)
}

func TestSendFrameWriteError(t *testing.T) {
	boom := errors.New("boom")
	_, err := SendFrame(errWriter{boom}, FrameTypeResponse, OKBytes)
	require.ErrorIs(t, err, boom, "err = %v", err)
}

type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }

func TestReadFrameRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	bodies := [][]byte{OKBytes, nil, []byte("E_INVALID bad"), bytes.Repeat([]byte{0xff}, 1000)}
	types := []int32{FrameTypeResponse, FrameTypeMessage, FrameTypeError, FrameTypeMessage}
	for i := range bodies {
		_, err := SendFrame(&buf, types[i], bodies[i])
		require.NoError(t, err)
	}
	for i := range bodies {
		ft, data, err := ReadFrame(&buf, 0)
		require.NoError(t, err, "frame %d", i)
		require.Equal(t, types[i], ft, "frame %d = (%d, %q)", i, ft, data)
		require.Equal(t, string(bodies[i]), string(data), "frame %d = (%d, %q)", i, ft, data)
	}
	_, _, err := ReadFrame(&buf, 0)
	require.Equal(t, io.EOF, err, "after last frame err = %v", err)
}

func TestReadFrameOneByteReads(t *testing.T) {
	raw := AppendFrame(nil, FrameTypeError, []byte("E_BAD_BODY x"))
	ft, data, err := ReadFrame(iotest.OneByteReader(bytes.NewReader(raw)), 0)
	require.NoError(t, err)
	require.Equal(t, FrameTypeError, ft)
	require.Equal(t, "E_BAD_BODY x", string(data))
}

func TestReadFrameBadSize(t *testing.T) {
	for _, size := range []uint32{0, 1, 3, 0x80000000, 0xffffffff} {
		hdr := binary.BigEndian.AppendUint32(nil, size)
		hdr = append(hdr, 0, 0, 0, 0)
		_, _, err := ReadFrame(bytes.NewReader(hdr), 0)
		require.Error(t, err, "size %#x: err = %v", size, err)
		assert.Contains(t, err.Error(), "invalid frame size", "size %#x: err = %v", size, err)
	}
}

func TestReadFrameMaxSize(t *testing.T) {
	raw := AppendFrame(nil, FrameTypeResponse, []byte("abcdef")) // size 10
	_, data, err := ReadFrame(bytes.NewReader(raw), 10)
	require.NoError(t, err, "at limit: (%q, %v)", data, err)
	require.Equal(t, "abcdef", string(data), "at limit: (%q, %v)", data, err)
	_, _, err = ReadFrame(bytes.NewReader(raw), 9)
	require.ErrorIs(t, err, ErrFrameTooBig, "over limit: err = %v", err)
	// The limit is checked before any allocation for the body.
	huge := binary.BigEndian.AppendUint32(nil, 1<<30)
	_, _, err = ReadFrame(bytes.NewReader(huge), 1024)
	require.ErrorIs(t, err, ErrFrameTooBig, "huge: err = %v", err)
}

func TestReadFrameShort(t *testing.T) {
	raw := AppendFrame(nil, FrameTypeResponse, []byte("hello"))
	_, _, err := ReadFrame(bytes.NewReader(nil), 0)
	assert.Equal(t, io.EOF, err, "no bytes: err = %v", err)
	for _, n := range []int{2, 4, 6, len(raw) - 1} {
		_, data, err := ReadFrame(bytes.NewReader(raw[:n]), 0)
		assert.Contains(t, []error{io.EOF, io.ErrUnexpectedEOF}, err, "%d of %d bytes", n, len(raw))
		assert.Nil(t, data, "%d of %d bytes: data = %q", n, len(raw), data)
	}
}

func TestSendResponseExactBytes(t *testing.T) {
	var w writeCounter
	n, err := SendResponse(&w, []byte("OK"))
	require.NoError(t, err)
	want := []byte{0, 0, 0, 2, 'O', 'K'}
	require.Equal(t, len(want), n, "n=%d writes=%q", n, w.writes)
	require.Len(t, w.writes, 1, "n=%d writes=%q", n, w.writes)
	require.Equal(t, string(want), string(w.writes[0]), "n=%d writes=%q", n, w.writes)
	w.writes = nil
	_, err = SendResponse(&w, nil)
	require.NoError(t, err)
	require.Equal(t, string([]byte{0, 0, 0, 0}), string(w.writes[0]), "empty response = %q", w.writes[0])
}

func TestReadResponse(t *testing.T) {
	var buf bytes.Buffer
	SendResponse(&buf, []byte(`{"a":1}`))
	SendResponse(&buf, nil)
	data, err := ReadResponse(&buf, 0)
	require.NoError(t, err, "first = (%q, %v)", data, err)
	require.Equal(t, `{"a":1}`, string(data), "first = (%q, %v)", data, err)
	data, err = ReadResponse(&buf, 0)
	require.NoError(t, err, "second = (%q, %v)", data, err)
	require.Empty(t, data, "second = (%q, %v)", data, err)
	_, err = ReadResponse(&buf, 0)
	require.Equal(t, io.EOF, err, "at end err = %v", err)
}

func TestReadResponseOutOfRange(t *testing.T) {
	for _, c := range []struct {
		size uint32
		max  int
	}{
		{0xffffffff, 0}, // -1
		{0x80000000, 0}, // most negative
		{11, 10},
		{1 << 30, 1 << 20},
	} {
		hdr := binary.BigEndian.AppendUint32(nil, c.size)
		_, err := ReadResponse(bytes.NewReader(hdr), c.max)
		require.Error(t, err, "size %#x max %d: err = %v", c.size, c.max, err)
		assert.Contains(t, err.Error(), "out of range", "size %#x max %d: err = %v", c.size, c.max, err)
	}
	raw := binary.BigEndian.AppendUint32(nil, 10)
	raw = append(raw, "0123456789"...)
	data, err := ReadResponse(bytes.NewReader(raw), 10)
	require.NoError(t, err, "at limit = (%q, %v)", data, err)
	require.Equal(t, "0123456789", string(data), "at limit = (%q, %v)", data, err)
}

func TestReadResponseShort(t *testing.T) {
	raw := append(binary.BigEndian.AppendUint32(nil, 5), "abc"...)
	_, err := ReadResponse(bytes.NewReader(raw), 0)
	require.Equal(t, io.ErrUnexpectedEOF, err, "short body err = %v", err)
	_, err = ReadResponse(bytes.NewReader(raw[:3]), 0)
	require.Equal(t, io.ErrUnexpectedEOF, err, "short header err = %v", err)
}

func FuzzReadFrame(f *testing.F) {
	f.Add(AppendFrame(nil, FrameTypeResponse, OKBytes))
	f.Add(AppendFrame(nil, FrameTypeMessage, nil))
	f.Add(AppendFrame(AppendFrame(nil, FrameTypeError, []byte("E_INVALID x")), FrameTypeResponse, HeartbeatBytes))
	f.Add([]byte{0, 0, 0, 3, 0, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 0, 0, 9, 0, 0, 0, 1, 'a'})
	f.Add([]byte{})
	const maxSize = 1 << 16
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bytes.NewReader(in)
		ft, data, err := ReadFrame(r, maxSize)
		if err != nil {
			require.Nil(t, data, "data %q returned with error %v", data, err)
			return
		}
		consumed := len(in) - r.Len()
		require.Equal(t, FrameHeaderLen+len(data), consumed, "consumed %d bytes for %d bytes of data", consumed, len(data))
		require.LessOrEqual(t, len(data)+4, maxSize, "frame of %d bytes accepted over limit %d", len(data)+4, maxSize)
		require.Equal(t, string(in[:consumed]), string(AppendFrame(nil, ft, data)), "re-encoding")
	})
}
