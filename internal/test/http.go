package test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

var httpClient = &http.Client{Timeout: DefaultTimeout}

// HTTPDo sends a request with the given method and body (nil for none) and
// returns the status code and body. Transport errors fail the test.
func HTTPDo(t testing.TB, method, url string, body []byte) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, url, err)
	}
	return resp.StatusCode, data
}

// HTTPExpect sends a request and fails the test unless the status is want.
// It returns the response body.
func HTTPExpect(t testing.TB, want int, method, url string, body []byte) []byte {
	t.Helper()
	code, data := HTTPDo(t, method, url, body)
	if code != want {
		t.Fatalf("%s %s: status %d (body %q), want %d", method, url, code, truncate(data), want)
	}
	return data
}

// HTTPGetJSON GETs url, requires status 200 and decodes the JSON body into v.
func HTTPGetJSON(t testing.TB, url string, v any) {
	t.Helper()
	data := HTTPExpect(t, http.StatusOK, http.MethodGet, url, nil)
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("GET %s: decoding %q: %v", url, truncate(data), err)
	}
}
