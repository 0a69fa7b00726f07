package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nsqgo/nsq/internal/httpapi"
)

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
	client *httpapi.Client, method string) (*State, error) {
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

func queryAuthd(client *httpapi.Client, endpoint string, params url.Values, method string) (*State, error) {
	body, err := fetch(client.WithResponseLimit(maxResponseBytes), endpoint, params, method)
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

// fetch performs the request and returns the body of a 200 answer; the
// client retries a 403 naming an https_port once over https on that port.
func fetch(client *httpapi.Client, endpoint string, params url.Values, method string) ([]byte, error) {
	if method != MethodPost {
		return client.Fetch(http.MethodGet, endpoint+"?"+params.Encode(), nil, "")
	}
	// encoding/json writes map keys sorted, so the body is deterministic.
	body, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	return client.Fetch(http.MethodPost, endpoint, body, "application/json")
}
