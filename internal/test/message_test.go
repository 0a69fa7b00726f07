package test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseMessage(t *testing.T) {
	t.Parallel()
	data := []byte{
		0x16, 0x2a, 0x3b, 0x4c, 0x5d, 0x6e, 0x7f, 0x80, // timestamp
		0x01, 0x02, // attempts
	}
	data = append(data, "0123456789abcdef"...)
	data = append(data, "body"...)
	m, err := ParseMessage(data)
	require.NoError(t, err)
	require.EqualValues(t, 0x162a3b4c5d6e7f80, m.Timestamp, "parsed")
	require.EqualValues(t, 0x0102, m.Attempts, "parsed")
	require.Equal(t, "0123456789abcdef", m.ID, "parsed")
	require.Equal(t, "body", string(m.Body), "parsed")
	data[26] = 'X'
	require.Equal(t, "body", string(m.Body), "body aliases the frame buffer")
	m, err = ParseMessage(data[:26])
	require.NoError(t, err, "empty body")
	require.Empty(t, m.Body, "empty body: %+v", m)
	_, err = ParseMessage(data[:25])
	require.Error(t, err, "short data accepted")
}

func TestMPUBBody(t *testing.T) {
	t.Parallel()
	got := MPUBBody([][]byte{[]byte("ab"), {}, []byte("c")})
	want := []byte{
		0, 0, 0, 3,
		0, 0, 0, 2, 'a', 'b',
		0, 0, 0, 0,
		0, 0, 0, 1, 'c',
	}
	require.Equal(t, want, got, "got % x\nwant % x")
	require.Equal(t, []byte{0, 0, 0, 0}, MPUBBody(nil), "empty")
	require.Equal(t, []byte{0xff, 0xff, 0xff, 0xff}, Uint32(0xFFFFFFFF), "Uint32")
}
