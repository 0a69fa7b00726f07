package httpapi_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nsqgo/nsq/internal/httpapi"
)

func TestClientFetchSendsBodyAndContentType(t *testing.T) {
	var gotMethod, gotType, gotBody string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotMethod, gotType, gotBody = r.Method, r.Header.Get("Content-Type"), string(b)
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	c := httpapi.NewClient(nil, time.Second, 5*time.Second)
	body, err := c.Fetch(http.MethodPost, srv.URL+"/x", []byte(`{"a":1}`), "application/json")
	require.NoError(t, err)
	assert.Equal(t, "ok", string(body))
	assert.Equal(t, "POST", gotMethod)
	assert.Equal(t, "application/json", gotType)
	assert.Equal(t, `{"a":1}`, gotBody)
}

func TestClientResponseLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", 10))
	}))
	defer srv.Close()
	c := httpapi.NewClient(nil, time.Second, 5*time.Second)
	_, err := c.WithResponseLimit(9).Fetch(http.MethodGet, srv.URL, nil, "")
	require.EqualError(t, err, "response larger than 9 bytes")
	body, err := c.WithResponseLimit(10).Fetch(http.MethodGet, srv.URL, nil, "")
	require.NoError(t, err)
	assert.Len(t, body, 10)
}

// A 403 that names no https_port is the answer, not a retry.
func TestClientForbiddenWithoutHTTPSPort(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"message":"nope"}`)
	}))
	defer srv.Close()
	_, err := httpapi.NewClient(nil, time.Second, 5*time.Second).Fetch(http.MethodGet, srv.URL, nil, "")
	var se *httpapi.StatusError
	require.True(t, errors.As(err, &se), "err = %v", err)
	assert.Equal(t, http.StatusForbidden, se.Code)
	assert.Equal(t, `{"message":"nope"}`, string(se.Body))
}
