package auth

import (
	"crypto/tls"
	"net"
	"net/http"
	"time"
)

// NewHTTPClient returns a client for outbound calls to auth servers (and
// other daemons): connectTimeout bounds dialling, requestTimeout bounds both
// the wait for response headers and the whole exchange. tlsConfig (may be
// nil) is used for https URLs.
func NewHTTPClient(connectTimeout, requestTimeout time.Duration, tlsConfig *tls.Config) *http.Client {
	dialer := &net.Dialer{Timeout: connectTimeout, KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		DialContext:           dialer.DialContext,
		TLSClientConfig:       tlsConfig,
		TLSHandshakeTimeout:   connectTimeout,
		ResponseHeaderTimeout: requestTimeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
	}
	return &http.Client{Transport: transport, Timeout: requestTimeout}
}
