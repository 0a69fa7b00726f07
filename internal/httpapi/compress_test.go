package httpapi

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAcceptedEncoding(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "br": "", "gzip": "gzip", "deflate, gzip": "deflate",
		"br;q=1, GZIP;q=0.5": "gzip", "identity": "",
	} {
		assert.Equal(t, want, acceptedEncoding(in), "%q", in)
	}
}

func TestCompressGzip(t *testing.T) {
	h := Compress(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Length", "5")
		w.Write([]byte("hello"))
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, "gzip", rec.Header().Get("Content-Encoding"))
	require.Equal(t, "", rec.Header().Get("Content-Length"))
	require.Equal(t, "Accept-Encoding", rec.Header().Get("Vary"))
	require.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"))
	zr, err := gzip.NewReader(rec.Body)
	require.NoError(t, err)
	b, _ := io.ReadAll(zr)
	require.Equal(t, "hello", string(b), "body %q", b)
}
