package httpapi

import (
	"compress/flate"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
)

// Compress wraps h so that its responses are gzip- or deflate-encoded when
// the request's Accept-Encoding lists either (the first of the two listed
// wins). A compressed response gets Content-Encoding and
// Vary: Accept-Encoding and loses any Content-Length.
func Compress(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		enc := acceptedEncoding(req.Header.Get("Accept-Encoding"))
		if enc == "" {
			h.ServeHTTP(w, req)
			return
		}
		cw := &compressWriter{ResponseWriter: w, encoding: enc}
		defer cw.close()
		h.ServeHTTP(cw, req)
	})
}

// acceptedEncoding returns "gzip" or "deflate", whichever comes first in
// header, or "".
func acceptedEncoding(header string) string {
	for _, tok := range strings.Split(header, ",") {
		name, _, _ := strings.Cut(tok, ";")
		switch name = strings.ToLower(strings.TrimSpace(name)); name {
		case "gzip", "deflate":
			return name
		}
	}
	return ""
}

// compressWriter encodes the body of one response.
type compressWriter struct {
	http.ResponseWriter
	encoding    string
	w           io.WriteCloser
	wroteHeader bool
}

func (cw *compressWriter) WriteHeader(code int) {
	if cw.wroteHeader {
		return
	}
	cw.wroteHeader = true
	h := cw.Header()
	h.Del("Content-Length")
	h.Set("Content-Encoding", cw.encoding)
	h.Add("Vary", "Accept-Encoding")
	cw.ResponseWriter.WriteHeader(code)
	if cw.encoding == "gzip" {
		cw.w = gzip.NewWriter(cw.ResponseWriter)
	} else {
		cw.w, _ = flate.NewWriter(cw.ResponseWriter, flate.DefaultCompression)
	}
}

func (cw *compressWriter) Write(p []byte) (int, error) {
	if !cw.wroteHeader {
		if cw.Header().Get("Content-Type") == "" {
			cw.Header().Set("Content-Type", http.DetectContentType(p))
		}
		cw.WriteHeader(http.StatusOK)
	}
	return cw.w.Write(p)
}

// Flush pushes what is encoded so far to the client.
func (cw *compressWriter) Flush() {
	if f, ok := cw.w.(interface{ Flush() error }); ok {
		f.Flush()
	}
	if f, ok := cw.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (cw *compressWriter) close() {
	if !cw.wroteHeader {
		cw.WriteHeader(http.StatusOK)
	}
	cw.w.Close()
}
