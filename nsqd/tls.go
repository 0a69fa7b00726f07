package nsqd

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// buildTLS prepares the server and outbound TLS configs and applies the
// tls-required rules: a client auth policy turns on tls-required, and
// requiring TLS needs a certificate and key.
func (n *NSQD) buildTLS(opts *Options) error {
	if opts.TLSClientAuthPolicy != "" && opts.TLSRequired == TLSNotRequired {
		opts.TLSRequired = TLSRequired
	}
	if opts.TLSCert != "" || opts.TLSKey != "" {
		cfg, err := serverTLSConfig(opts)
		if err != nil {
			return fmt.Errorf("failed to build TLS config - %w", err)
		}
		n.tlsConfig = cfg
	}
	if n.tlsConfig == nil && opts.TLSRequired != TLSNotRequired {
		return errors.New("cannot require TLS client connections without TLS key and cert")
	}
	cfg, err := clientTLSConfig(opts)
	if err != nil {
		return fmt.Errorf("failed to build client TLS config - %w", err)
	}
	n.clientTLS = cfg
	if m := opts.AuthHTTPRequestMethod; m != "post" && m != "get" {
		return errors.New("--auth-http-request-method must be post or get")
	}
	for _, p := range opts.E2EProcessingLatencyPercentiles {
		if p <= 0 || p > 1 {
			return fmt.Errorf("invalid E2E processing latency percentile: %v", p)
		}
	}
	return nil
}

func serverTLSConfig(opts *Options) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(opts.TLSCert, opts.TLSKey)
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.NoClientCert,
		MinVersion:   opts.TLSMinVersion,
	}
	switch opts.TLSClientAuthPolicy {
	case "require":
		cfg.ClientAuth = tls.RequireAnyClientCert
	case "require-verify":
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	if opts.TLSRootCAFile != "" {
		pool, err := loadCertPool(opts.TLSRootCAFile)
		if err != nil {
			return nil, err
		}
		cfg.ClientCAs = pool
	}
	return cfg, nil
}

func clientTLSConfig(opts *Options) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: opts.TLSMinVersion}
	if opts.TLSRootCAFile != "" {
		pool, err := loadCertPool(opts.TLSRootCAFile)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

func loadCertPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("failed to append certificate to pool")
	}
	return pool, nil
}
