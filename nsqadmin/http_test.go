package nsqadmin_test

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqadmin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestShellGlobals(t *testing.T) {
	adm := startAdmin(t, func(o *nsqadmin.Options) {
		o.NSQLookupdHTTPAddresses = []string{"127.0.0.1:4161", "127.0.0.1:4261"}
		o.GraphiteURL = "http://graphite.example"
		o.StatsInterval = 3e9
	})
	for _, p := range []string{"/", "/topics", "/topics/t", "/topics/t/c", "/nodes", "/nodes/n:1", "/counter", "/lookup"} {
		resp := test.HTTPSend(t, "GET", adm.base+p, nil)
		body := string(resp.Body)
		require.EqualValues(t, 200, resp.Code, "GET %s: %d %q", p, resp.Code, resp.Header.Get("Content-Type"))
		require.Equal(t, "text/html", resp.Header.Get("Content-Type"), "GET %s: %d %q", p, resp.Code, resp.Header.Get("Content-Type"))
		want := map[string]string{
			"USER_AGENT": `"nsqadmin/v1.3.0"`, "VERSION": `"1.3.0"`,
			"GRAPHITE_URL": `"http://graphite.example"`, "GRAPH_ENABLED": "true",
			"STATSD_COUNTER_FORMAT": `"stats.counters.%s.count"`, "STATSD_GAUGE_FORMAT": `"stats.gauges.%s"`,
			"STATSD_PREFIX": `"nsq.%s"`, "STATSD_INTERVAL": "60", "IS_ADMIN": "true",
			"BASE_PATH": `"/"`, "HISTORY_INTERVAL": "3",
		}
		for name, v := range want {
			assert.Equal(t, v, global(t, body, name), "GET %s: %s", p, name)
		}
		assert.True(t, strings.HasPrefix(global(t, body, "NSQLOOKUPD"), `["127.0.0.1:4161","127.0.0.1:4261"]`), "NSQLOOKUPD")
	}
}

func TestBasePath(t *testing.T) {
	adm := startAdmin(t, func(o *nsqadmin.Options) {
		o.NSQDHTTPAddresses = []string{deadAddr(t)}
		o.BasePath = "admin/"
	})
	resp := test.HTTPSend(t, "GET", adm.base+"/admin", nil)
	body := string(resp.Body)
	require.EqualValues(t, 200, resp.Code, "GET /admin: %d", resp.Code)
	require.Equal(t, `"/admin"`, global(t, body, "BASE_PATH"), "GET /admin: %d", resp.Code)
	resp = test.HTTPSend(t, "GET", adm.base+"/admin/?x=1", nil)
	require.EqualValues(t, 301, resp.Code, "GET /admin/: %d %s", resp.Code, resp.Header.Get("Location"))
	require.Equal(t, "/admin?x=1", resp.Header.Get("Location"), "GET /admin/: %d %s", resp.Code, resp.Header.Get("Location"))
	resp = test.HTTPSend(t, "GET", adm.base+"/admin/topics/t/", nil)
	require.EqualValues(t, 301, resp.Code, "GET /admin/topics/t/: %d %s", resp.Code, resp.Header.Get("Location"))
	require.Equal(t, "/admin/topics/t", resp.Header.Get("Location"), "GET /admin/topics/t/: %d %s", resp.Code, resp.Header.Get("Location"))
	expect(t, 404, "GET", adm.base+"/", "", `{"message":"NOT_FOUND"}`)
	expect(t, 404, "GET", adm.base+"/api/topics", "", `{"message":"NOT_FOUND"}`)
	expect(t, 200, "GET", adm.base+"/admin/ping", "", "OK")
	expect(t, 200, "GET", adm.base+"/admin/api/history", "", `{"message":"","interval":10,"topics":{}}`)
	expect(t, 200, "GET", adm.base+"/admin/config/base_path", "", "/admin")
	assert.Contains(t, expect(t, 200, "GET", adm.base+"/admin/static/index.html", "", ""), "{{", "/static/index.html is not the raw template")
}

func TestPing(t *testing.T) {
	adm := startAdmin(t, nsqdMode(deadAddr(t)))
	resp := test.HTTPSend(t, "GET", adm.base+"/ping", nil)
	body := string(resp.Body)
	require.EqualValues(t, 200, resp.Code, "ping: %d %q %v", resp.Code, body, resp.Header)
	require.Equal(t, "OK", body, "ping: %d %q %v", resp.Code, body, resp.Header)
	require.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"), "ping: %d %q %v", resp.Code, body, resp.Header)
	require.Equal(t, "", resp.Header.Get("X-NSQ-Content-Type"), "ping: %d %q %v", resp.Code, body, resp.Header)
}

func TestStaticAssets(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a.js": "text/javascript; charset=utf-8", "b.css": "text/css; charset=utf-8",
		"c.svg": "image/svg+xml", "d.map": "application/json", "vendor/e.js": "text/javascript; charset=utf-8",
	}
	os.Mkdir(filepath.Join(dir, "vendor"), 0o755)
	for name := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("content of "+name), 0o644))
	}
	adm := startAdmin(t, func(o *nsqadmin.Options) {
		o.NSQDHTTPAddresses = []string{deadAddr(t)}
		o.DevStaticDir = dir
	})
	for name, ct := range files {
		for _, prefix := range []string{"/static/", "/fonts/"} {
			resp := test.HTTPSend(t, "GET", adm.base+prefix+name, nil)
			body := string(resp.Body)
			assert.EqualValues(t, 200, resp.Code, "GET %s%s: %d %q %q", prefix, name, resp.Code, body, resp.Header.Get("Content-Type"))
			assert.Equal(t, "content of "+name, body, "GET %s%s: %d %q %q", prefix, name, resp.Code, body, resp.Header.Get("Content-Type"))
			assert.Equal(t, ct, resp.Header.Get("Content-Type"), "GET %s%s: %d %q %q", prefix, name, resp.Code, body, resp.Header.Get("Content-Type"))
		}
	}
	for _, p := range []string{"/static/nope.js", "/static/vendor", "/static/", "/fonts/../a.js", "/static/%2e%2e/x"} {
		resp := test.HTTPSend(t, "GET", adm.base+p, nil)
		body := string(resp.Body)
		assert.EqualValues(t, 404, resp.Code, "GET %s: %d %q %q", p, resp.Code, body, resp.Header.Get("Content-Type"))
		assert.Equal(t, "NOT_FOUND", body, "GET %s: %d %q %q", p, resp.Code, body, resp.Header.Get("Content-Type"))
		assert.False(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json"), "GET %s: %d %q %q", p, resp.Code, body, resp.Header.Get("Content-Type"))
	}

	// The embedded copy.
	emb := startAdmin(t, nsqdMode(deadAddr(t)))
	resp := test.HTTPSend(t, "GET", emb.base+"/static/index.html", nil)
	body := string(resp.Body)
	assert.EqualValues(t, 200, resp.Code, "embedded index.html: %d %q", resp.Code, resp.Header.Get("Content-Type"))
	assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"), "embedded index.html: %d %q", resp.Code, resp.Header.Get("Content-Type"))
	assert.Contains(t, body, "{{", "embedded index.html: %d %q", resp.Code, resp.Header.Get("Content-Type"))
}

func TestCompression(t *testing.T) {
	adm := startAdmin(t, nsqdMode(deadAddr(t)))
	u := adm.base + "/api/history"
	const want = `{"message":"","interval":10,"topics":{}}`
	for _, c := range []struct {
		accept, enc string
		reader      func(io.Reader) (io.Reader, error)
	}{
		{"gzip", "gzip", func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }},
		{"br, deflate;q=0.5, gzip", "deflate", func(r io.Reader) (io.Reader, error) { return flate.NewReader(r), nil }},
	} {
		resp := test.HTTPSend(t, "GET", u, nil, http.Header{"Accept-Encoding": {c.accept}})
		raw := string(resp.Body)
		require.Equal(t, c.enc, resp.Header.Get("Content-Encoding"), "%s: headers %v", c.accept, resp.Header)
		require.Equal(t, "Accept-Encoding", resp.Header.Get("Vary"), "%s: headers %v", c.accept, resp.Header)
		require.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"), "%s: headers %v", c.accept, resp.Header)
		r, err := c.reader(bytes.NewReader([]byte(raw)))
		require.NoError(t, err)
		plain, err := io.ReadAll(r)
		require.NoError(t, err, "%s: %q %v", c.accept, plain, err)
		require.Equal(t, want, string(plain), "%s: %q %v", c.accept, plain, err)
	}
	resp := test.HTTPSend(t, "GET", u, nil)
	body := string(resp.Body)
	require.Equal(t, "", resp.Header.Get("Content-Encoding"), "uncompressed: %v %q", resp.Header, body)
	require.Equal(t, want, body, "uncompressed: %v %q", resp.Header, body)
}

func TestConfigEndpoint(t *testing.T) {
	lookupd := deadAddr(t)
	adm := startAdmin(t, lookupdMode(lookupd))
	cfg := adm.base + "/config/"
	expect(t, 200, "GET", cfg+"nsqlookupd_http_addresses", "", `["`+lookupd+`"]`)
	expect(t, 200, "GET", cfg+"nsqd_http_addresses", "", `[]`)
	expect(t, 200, "GET", cfg+"acl_http_header", "", `X-Forwarded-User`)
	expect(t, 200, "GET", cfg+"statsd_interval", "", `60000000000`)
	expect(t, 200, "GET", cfg+"log_level", "", `2`)
	expect(t, 200, "GET", cfg+"proxy_graphite", "", `false`)
	expect(t, 400, "GET", cfg+"http-address", "", `{"message":"INVALID_OPTION"}`)
	expect(t, 200, "PUT", cfg+"log_level", "debug", `1`)
	expect(t, 400, "PUT", cfg+"log_level", "loud", `{"message":"INVALID_VALUE"}`)
	expect(t, 200, "PUT", cfg+"nsqlookupd_http_addresses", `["127.0.0.1:1","127.0.0.1:2"]`, `["127.0.0.1:1","127.0.0.1:2"]`)
	expect(t, 400, "PUT", cfg+"nsqlookupd_http_addresses", `nope`, `{"message":"INVALID_VALUE"}`)
	expect(t, 413, "PUT", cfg+"log_level", "", `{"message":"INVALID_VALUE"}`)
	expect(t, 413, "PUT", cfg+"log_level", strings.Repeat("x", 1024*1024+1), `{"message":"INVALID_VALUE"}`)
	expect(t, 400, "PUT", cfg+"base_path", "/x", `{"message":"INVALID_OPTION"}`)
	// The new lookupd list is used by the next request.
	body := expect(t, 502, "GET", adm.base+"/api/topics", "", "")
	require.Contains(t, body, "127.0.0.1:1/topics", "after PUT: %s", body)
	require.Contains(t, body, "127.0.0.1:2/topics", "after PUT: %s", body)

	locked := startAdmin(t, func(o *nsqadmin.Options) {
		o.NSQDHTTPAddresses = []string{deadAddr(t)}
		o.AllowConfigFromCIDR = "10.0.0.0/8"
	})
	expect(t, 403, "GET", locked.base+"/config/log_level", "", `{"message":"FORBIDDEN"}`)
}

func TestGraphite(t *testing.T) {
	var gotPath, gotUser, gotPass, gotHost string
	graphite := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		gotPath, gotHost = req.URL.RequestURI(), req.Host
		gotUser, gotPass, _ = req.BasicAuth()
		if req.URL.Query().Get("target") == "empty" {
			w.Write([]byte(`[]`))
			return
		}
		w.Write([]byte(`[{"target":"x","datapoints":[[120,1],[null,2]]}]`))
	}))
	t.Cleanup(graphite.Close)
	adm := startAdmin(t, func(o *nsqadmin.Options) {
		o.NSQDHTTPAddresses = []string{deadAddr(t)}
		o.GraphiteURL = strings.Replace(graphite.URL, "http://", "http://u:p@", 1)
		o.ProxyGraphite = true
	})
	expect(t, 200, "GET", adm.base+"/api/graphite?metric=rate&target=x", "", `{"rate":"2.00"}`)
	assert.Equal(t, "/render?format=json&from=-120sec&target=x&until=-60sec", gotPath, "graphite")
	expect(t, 200, "GET", adm.base+"/api/graphite?metric=rate&target=empty", "", `{"rate":"N/A"}`)
	expect(t, 400, "GET", adm.base+"/api/graphite?metric=count&target=x", "", `{"message":"INVALID_ARG_METRIC"}`)
	expect(t, 400, "GET", adm.base+"/api/graphite?metric=rate", "", `{"message":"INVALID_ARG_TARGET"}`)

	expect(t, 200, "GET", adm.base+"/render?target=a&from=-1h", "", "")
	assert.Equal(t, "/render?target=a&from=-1h", gotPath, "proxied: %s %s:%s host %s", gotPath, gotUser, gotPass, gotHost)
	assert.Equal(t, "u", gotUser, "proxied: %s %s:%s host %s", gotPath, gotUser, gotPass, gotHost)
	assert.Equal(t, "p", gotPass, "proxied: %s %s:%s host %s", gotPath, gotUser, gotPass, gotHost)
	assert.Equal(t, adm.addr, gotHost, "proxied: %s %s:%s host %s", gotPath, gotUser, gotPass, gotHost)
	body := string(test.HTTPSend(t, "GET", adm.base+"/", nil).Body)
	assert.Equal(t, `""`, global(t, body, "GRAPHITE_URL"), "shell with proxy: GRAPHITE_URL %s", global(t, body, "GRAPHITE_URL"))
	assert.Equal(t, "true", global(t, body, "GRAPH_ENABLED"), "shell with proxy: GRAPHITE_URL %s", global(t, body, "GRAPHITE_URL"))
}
