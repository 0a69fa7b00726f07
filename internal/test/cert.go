package test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Certs names PEM files written by GenerateCerts: a self-signed CA, a server
// certificate for 127.0.0.1, ::1 and localhost, and a client certificate,
// both signed by the CA.
type Certs struct {
	CAFile         string
	CertFile       string // server certificate
	KeyFile        string // server key
	ClientCertFile string
	ClientKeyFile  string
}

// ClientCommonName is the subject common name of the generated client
// certificate.
const ClientCommonName = "test-client"

// GenerateCert writes a CA and a server certificate into a temporary
// directory and returns the server certificate, its key and the CA file.
func GenerateCert(t testing.TB) (certFile, keyFile, caFile string) {
	t.Helper()
	c := GenerateCerts(t)
	return c.CertFile, c.KeyFile, c.CAFile
}

// GenerateCerts writes a CA, a server and a client certificate into a
// temporary directory.
func GenerateCerts(t testing.TB) Certs {
	t.Helper()
	dir := t.TempDir()
	now := time.Now()
	caKey := newKey(t)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER := createCert(t, caTmpl, caTmpl, caKey, caKey)
	caCert, err := x509.ParseCertificate(caDER)
	require.NoError(t, err, "parse CA")
	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage) *x509.Certificate {
		return &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: cn},
			NotBefore:    now.Add(-time.Hour),
			NotAfter:     now.Add(24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		}
	}
	srvTmpl := leaf(2, "localhost", x509.ExtKeyUsageServerAuth)
	srvTmpl.DNSNames = []string{"localhost"}
	srvTmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	srvKey, cliKey := newKey(t), newKey(t)

	c := Certs{
		CAFile:         filepath.Join(dir, "ca.pem"),
		CertFile:       filepath.Join(dir, "server.pem"),
		KeyFile:        filepath.Join(dir, "server.key"),
		ClientCertFile: filepath.Join(dir, "client.pem"),
		ClientKeyFile:  filepath.Join(dir, "client.key"),
	}
	writePEM(t, c.CAFile, "CERTIFICATE", caDER)
	writePEM(t, c.CertFile, "CERTIFICATE", createCert(t, srvTmpl, caCert, srvKey, caKey))
	writePEM(t, c.KeyFile, "PRIVATE KEY", marshalKey(t, srvKey))
	cliTmpl := leaf(3, ClientCommonName, x509.ExtKeyUsageClientAuth)
	writePEM(t, c.ClientCertFile, "CERTIFICATE", createCert(t, cliTmpl, caCert, cliKey, caKey))
	writePEM(t, c.ClientKeyFile, "PRIVATE KEY", marshalKey(t, cliKey))
	return c
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err, "generate key")
	return k
}

func createCert(t testing.TB, tmpl, parent *x509.Certificate, key, parentKey *ecdsa.PrivateKey) []byte {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	require.NoError(t, err, "create certificate %q", tmpl.Subject.CommonName)
	return der
}

func marshalKey(t testing.TB, k *ecdsa.PrivateKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	require.NoError(t, err, "marshal key")
	return der
}

func writePEM(t testing.TB, path, typ string, der []byte) {
	t.Helper()
	data := pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
	require.NoError(t, os.WriteFile(path, data, 0o600), "write %s", path)
}
