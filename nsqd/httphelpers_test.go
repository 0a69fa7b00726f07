package nsqd_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/stretchr/testify/require"
)

// Black-box helpers for the HTTP, persistence and shutdown tests.

const hWait = 10 * time.Second

// ---------------------------------------------------------------- HTTP

const (
	hV1Header   = "nsq; version=1.0"
	hJSONType   = "application/json; charset=utf-8"
	hPlainUTF8  = "text/plain; charset=utf-8"
	hNSQTypeKey = "X-Nsq-Content-Type"
)

// hExpectErr checks a V1 error response: status, exact JSON body, headers.
func hExpectErr(t testing.TB, r test.HTTPResponse, code int, msg string) {
	t.Helper()
	require.Equal(t, code, r.Code, "error %s: %s", msg, r)
	require.Equal(t, `{"message":"`+msg+`"}`, string(r.Body), "error %s", msg)
	require.Equal(t, hJSONType, r.Header.Get("Content-Type"), "error %s: Content-Type", msg)
	require.Equal(t, hV1Header, r.Header.Get(hNSQTypeKey), "error %s: X-NSQ-Content-Type", msg)
}

// hExpectText checks a V1 200 response carrying a raw string.
func hExpectText(t testing.TB, r test.HTTPResponse, body string) {
	t.Helper()
	require.Equal(t, http.StatusOK, r.Code, "%s", r)
	require.Equal(t, body, string(r.Body))
	require.Equal(t, hPlainUTF8, r.Header.Get("Content-Type"), "Content-Type")
	require.Equal(t, hV1Header, r.Header.Get(hNSQTypeKey), "X-NSQ-Content-Type")
}

// hExpectOK is the 200 "OK" text reply of /pub and /mpub.
func hExpectOK(t testing.TB, r test.HTTPResponse) {
	t.Helper()
	hExpectText(t, r, "OK")
}

// hExpectEmpty checks a V1 200 response without data.
func hExpectEmpty(t testing.TB, r test.HTTPResponse) {
	t.Helper()
	require.Equal(t, http.StatusOK, r.Code, "%s", r)
	require.Empty(t, r.Body)
	require.NotContains(t, r.Header, "Content-Type", "an empty 200 has no Content-Type")
	require.Equal(t, hV1Header, r.Header.Get(hNSQTypeKey), "X-NSQ-Content-Type")
}

// hExpectJSON checks a V1 200 JSON response and that it is compact JSON.
func hExpectJSON(t testing.TB, r test.HTTPResponse) {
	t.Helper()
	require.Equal(t, http.StatusOK, r.Code, "got %s, want 200 JSON", r)
	require.Equal(t, hJSONType, r.Header.Get("Content-Type"), "Content-Type")
	require.Equal(t, hV1Header, r.Header.Get(hNSQTypeKey), "X-NSQ-Content-Type")
	var buf bytes.Buffer
	require.NoError(t, json.Compact(&buf, r.Body), "invalid JSON %q", r.Body)
	require.Equal(t, buf.Bytes(), r.Body, "JSON is not compact")
}

// hKeys returns the keys of a JSON object in document order.
func hKeys(t testing.TB, raw []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	require.NoError(t, err, "not a JSON object: %q", raw)
	require.Equal(t, json.Delim('{'), tok, "not a JSON object: %q", raw)
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		require.NoError(t, err, "bad JSON object %q", raw)
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		require.NoError(t, dec.Decode(&skip), "bad JSON object %q", raw)
	}
	return keys
}

func hExpectKeys(t testing.TB, what string, raw []byte, want ...string) {
	t.Helper()
	got := hKeys(t, raw)
	require.Equal(t, strings.Join(want, ","), strings.Join(got, ","), "%s keys:\n got %v\nwant %v\n in %s", what, got, want, raw)
}

// hObj decodes a JSON object into raw members.
func hObj(t testing.TB, raw []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &m), "decoding %q", raw)
	return m
}

// hArr decodes a JSON array into raw elements; null gives nil.
func hArr(t testing.TB, raw []byte) []json.RawMessage {
	t.Helper()
	var a []json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &a), "decoding %q", raw)
	return a
}

// ---------------------------------------------------------------- misc

func hReadFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

func hWriteFile(t testing.TB, path string, b []byte) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, b, 0o600))
}
