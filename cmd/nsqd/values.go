package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/nsqgo/nsq/internal/config"
	"github.com/nsqgo/nsq/nsqd"
)

// tlsRequiredValue is the tri-state --tls-required: a bool-style flag that
// also takes "tcp-https".
type tlsRequiredValue struct{ p *int }

// IsBoolFlag lets a bare --tls-required mean true.
func (v tlsRequiredValue) IsBoolFlag() bool { return true }

func (v tlsRequiredValue) String() string {
	if v.p == nil {
		return "false"
	}
	switch *v.p {
	case nsqd.TLSRequiredExceptHTTP:
		return "tcp-https"
	case nsqd.TLSRequired:
		return "true"
	}
	return "false"
}

func (v tlsRequiredValue) Set(s string) error {
	if s == "tcp-https" {
		*v.p = nsqd.TLSRequiredExceptHTTP
		return nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("want true, false or tcp-https, not %q", s)
	}
	*v.p = nsqd.TLSNotRequired
	if b {
		*v.p = nsqd.TLSRequired
	}
	return nil
}

// Get implements flag.Getter.
func (v tlsRequiredValue) Get() any { return *v.p }

// tlsVersions are the names --tls-min-version accepts.
var tlsVersions = map[string]uint16{
	"tls1.0": tls.VersionTLS10,
	"tls1.1": tls.VersionTLS11,
	"tls1.2": tls.VersionTLS12,
	"tls1.3": tls.VersionTLS13,
}

// tlsMinVersionValue is --tls-min-version: a version name stored as the TLS
// version number. An empty value leaves the setting alone.
type tlsMinVersionValue struct{ p *uint16 }

func (v tlsMinVersionValue) String() string {
	if v.p == nil {
		return ""
	}
	for name, n := range tlsVersions {
		if n == *v.p {
			return name
		}
	}
	return strconv.Itoa(int(*v.p))
}

func (v tlsMinVersionValue) Set(s string) error {
	if s == "" {
		return nil
	}
	n, ok := tlsVersions[strings.ToLower(s)]
	if !ok {
		return fmt.Errorf("unknown TLS version %q (tls1.0, tls1.1, tls1.2, tls1.3)", s)
	}
	*v.p = n
	return nil
}

// Get implements flag.Getter.
func (v tlsMinVersionValue) Get() any { return *v.p }

// percentilesValue is --e2e-processing-latency-percentile: repeatable,
// comma-separated, and kept in descending order after every use. A number
// that does not parse is remembered in bad (and failed set), for the caller
// to turn into a fatal error rather than a usage error.
type percentilesValue struct {
	p      *[]float64
	failed bool
	bad    string
}

func (v *percentilesValue) String() string {
	if v == nil || v.p == nil {
		return ""
	}
	return (*config.FloatList)(v.p).String()
}

func (v *percentilesValue) Set(s string) error {
	fs, err := config.ParseFloats(s)
	if err != nil {
		v.failed = true
		var ne *strconv.NumError
		if errors.As(err, &ne) {
			v.bad = ne.Num
		}
		return err
	}
	*v.p = append(*v.p, fs...)
	slices.Sort(*v.p)
	slices.Reverse(*v.p)
	return nil
}

// Get implements flag.Getter.
func (v *percentilesValue) Get() any { return *v.p }
