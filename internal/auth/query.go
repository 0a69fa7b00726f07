package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// acceptV1 asks for the bare (un-enveloped) JSON answer.
const acceptV1 = "application/vnd.nsq; version=1.0"

// maxResponseBytes bounds how much of an auth server's answer is read.
const maxResponseBytes = 16 << 20

// MethodPost selects POST requests in QueryAnyAuthd; any other method string
// means GET.
const MethodPost = "post"

// QueryAnyAuthd asks the auth servers in addrs what secret grants the
// connection from remoteIP (tlsEnabled: whether that connection uses TLS;
// commonName: subject CN of its client certificate). It starts at a random
// address and tries each in turn until one answers with a valid State.
//
// An address containing "://" is used as the URL as-is; any other address
// means http://<addr>/auth. method is "get" (query string) or "post" (JSON
// body).
func QueryAnyAuthd(addrs []string, remoteIP string, tlsEnabled bool, commonName, secret string,
	client *http.Client, method string) (*State, error) {
	if len(addrs) == 0 {
		return nil, errors.New("auth: no auth server configured")
	}
	params := requestParams(remoteIP, tlsEnabled, commonName, secret)
	start := rand.IntN(len(addrs))
	var errs []error
	for i := range addrs {
		addr := addrs[(start+i)%len(addrs)]
		state, err := queryAuthd(client, endpoint(addr), params, method)
		if err == nil {
			return state, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", addr, err))
	}
	return nil, fmt.Errorf("auth: every auth server failed: %w", errors.Join(errs...))
}

func requestParams(remoteIP string, tlsEnabled bool, commonName, secret string) url.Values {
	return url.Values{
		"common_name": {commonName},
		"remote_ip":   {remoteIP},
		"secret":      {secret},
		"tls":         {strconv.FormatBool(tlsEnabled)},
	}
}

func endpoint(addr string) string {
	if strings.Contains(addr, "://") {
		return addr
	}
	return "http://" + addr + "/auth"
}

func queryAuthd(client *http.Client, endpoint string, params url.Values, method string) (*State, error) {
	body, err := fetch(client, endpoint, params, method)
	if err != nil {
		return nil, err
	}
	var s State
	if err := json.Unmarshal(body, &s); err != nil {
		return nil, fmt.Errorf("invalid response: %w", err)
	}
	if err := s.prepare(time.Now()); err != nil {
		return nil, err
	}
	return &s, nil
}

// fetch performs the request and returns the body of a 200 answer. A 403
// naming an https_port is retried once over https on that port.
func fetch(client *http.Client, endpoint string, params url.Values, method string) ([]byte, error) {
	status, body, err := do(client, endpoint, params, method)
	if err != nil {
		return nil, err
	}
	if status == http.StatusForbidden && !strings.HasPrefix(endpoint, "https:") {
		if secure, ok := httpsEndpoint(endpoint, body); ok {
			status, body, err = do(client, secure, params, method)
			if err != nil {
				return nil, err
			}
		}
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("got response %d %q", status, body)
	}
	return body, nil
}

func do(client *http.Client, endpoint string, params url.Values, method string) (int, []byte, error) {
	req, err := newRequest(endpoint, params, method)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Accept", acceptV1)
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return 0, nil, err
	}
	if len(body) > maxResponseBytes {
		return 0, nil, fmt.Errorf("response larger than %d bytes", maxResponseBytes)
	}
	return resp.StatusCode, body, nil
}

func newRequest(endpoint string, params url.Values, method string) (*http.Request, error) {
	if method != MethodPost {
		return http.NewRequest(http.MethodGet, endpoint+"?"+params.Encode(), nil)
	}
	// encoding/json writes map keys sorted, so the body is deterministic.
	body, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

// httpsEndpoint rewrites endpoint to https on the port a 403 body names.
func httpsEndpoint(endpoint string, body []byte) (string, bool) {
	var hint struct {
		HTTPSPort int `json:"https_port"`
	}
	if json.Unmarshal(body, &hint) != nil || hint.HTTPSPort <= 0 {
		return "", false
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", false
	}
	u.Scheme = "https"
	u.Host = net.JoinHostPort(u.Hostname(), strconv.Itoa(hint.HTTPSPort))
	return u.String(), true
}
