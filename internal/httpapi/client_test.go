package httpapi_test

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newClient(tlsConfig *tls.Config) *httpapi.Client {
	return httpapi.NewClient(tlsConfig, 2*time.Second, 5*time.Second)
}

func TestClientGETDecodesAndSendsAccept(t *testing.T) {
	var accept string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		accept = r.Header.Get("Accept")
		fmt.Fprint(w, `{"topics":["a","b"]}`)
	}))
	defer srv.Close()
	var doc struct{ Topics []string }
	require.NoError(t, newClient(nil).GETV1(srv.URL+"/topics", &doc))
	assert.Equal(t, "application/vnd.nsq; version=1.0", accept, "Accept")
	assert.Equal(t, "a,b", strings.Join(doc.Topics, ","), "topics = %v", doc.Topics)
}

func TestClientNon200Error(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(404)
		fmt.Fprint(w, `{"message":"TOPIC_NOT_FOUND"}`)
	}))
	defer srv.Close()
	err := newClient(nil).GETV1(srv.URL+"/lookup?topic=x", nil)
	want := `got response 404 Not Found "{\"message\":\"TOPIC_NOT_FOUND\"}"`
	require.Error(t, err, "err = %v", err)
	require.EqualError(t, err, want, "err = %v", err)
	require.EqualError(t, newClient(nil).POSTV1(srv.URL+"/topic/create?topic=x"), want, "POST")
}

func TestClientConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	err = newClient(nil).GETV1("http://"+addr+"/topics", nil)
	want := fmt.Sprintf(`Get "http://%s/topics": dial tcp %s: connect: connection refused`, addr, addr)
	require.Error(t, err, "err = %v", err)
	require.EqualError(t, err, want, "err = %v", err)
}

func TestClientFollowsTLSRequired(t *testing.T) {
	var gotMethod, gotURI string
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotMethod, gotURI = r.Method, r.URL.RequestURI()
		fmt.Fprint(w, `{"ok":true}`)
	}))
	defer secure.Close()
	port := secure.Listener.Addr().(*net.TCPAddr).Port
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(403)
		fmt.Fprintf(w, `{"message": "TLS_REQUIRED", "https_port": %d}`, port)
	}))
	defer plain.Close()
	tlsConfig := secure.Client().Transport.(*http.Transport).TLSClientConfig
	var doc struct{ OK bool }
	require.NoError(t, newClient(tlsConfig).GETV1(plain.URL+"/stats?format=json", &doc))
	require.True(t, doc.OK, "doc=%+v method=%s uri=%s", doc, gotMethod, gotURI)
	require.Equal(t, "GET", gotMethod, "doc=%+v method=%s uri=%s", doc, gotMethod, gotURI)
	require.Equal(t, "/stats?format=json", gotURI, "doc=%+v method=%s uri=%s", doc, gotMethod, gotURI)
	require.NoError(t, newClient(tlsConfig).POSTV1(plain.URL+"/topic/pause?topic=t"), "POST: err")
	require.Equal(t, "POST", gotMethod, "POST: err")
}

func TestClientTLSRequiredBadBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(403)
		fmt.Fprint(w, `FORBIDDEN`)
	}))
	defer srv.Close()
	err := newClient(nil).GETV1(srv.URL+"/x", nil)
	require.Error(t, err, "err = %v", err)
	require.Contains(t, err.Error(), "invalid character", "err = %v", err)
}

func TestClientRequestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer srv.Close()
	defer close(release)
	c := httpapi.NewClient(nil, time.Second, 50*time.Millisecond)
	require.ErrorContains(t, c.GETV1(srv.URL+"/slow", nil), "Client.Timeout")
}
