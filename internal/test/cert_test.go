package test

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGenerateCertsHandshake(t *testing.T) {
	t.Parallel()
	c := GenerateCerts(t)
	pem, err := os.ReadFile(c.CAFile)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pem), "CA file holds no certificate")
	srvCert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
	require.NoError(t, err)
	cliCert, err := tls.LoadX509KeyPair(c.ClientCertFile, c.ClientKeyFile)
	require.NoError(t, err)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{srvCert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
	})
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				tc := conn.(*tls.Conn)
				if err := tc.Handshake(); err != nil {
					return
				}
				cn := tc.ConnectionState().PeerCertificates[0].Subject.CommonName
				io.WriteString(conn, cn)
			}()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	for _, host := range []string{"127.0.0.1", "localhost"} {
		conn, err := tls.Dial("tcp", net.JoinHostPort(host, port), &tls.Config{
			RootCAs:      pool,
			ServerName:   host,
			Certificates: []tls.Certificate{cliCert},
		})
		require.NoError(t, err, "%s", host)
		got, err := io.ReadAll(conn)
		conn.Close()
		require.NoError(t, err)
		require.Equal(t, ClientCommonName, string(got))
	}
}

func TestGenerateCertFiles(t *testing.T) {
	t.Parallel()
	certFile, keyFile, caFile := GenerateCert(t)
	for _, f := range []string{certFile, keyFile, caFile} {
		fi, err := os.Stat(f)
		require.NoError(t, err)
		require.NotZero(t, fi.Size(), "%s is empty", f)
	}
	_, err := tls.LoadX509KeyPair(certFile, keyFile)
	require.NoError(t, err)
}
