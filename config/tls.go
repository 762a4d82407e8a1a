package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// The self-signed pair serve uses when tls.cert and tls.key are empty.
const (
	SelfSignedCert = "tls-cert.pem"
	SelfSignedKey  = "tls-key.pem"
)

// EnsureTLS makes sure TLS.Cert and TLS.Key name a usable pair. When the
// configuration names none, it points them at <store>/etc/tls-cert.pem
// and tls-key.pem, generating a self-signed pair there the first time,
// and reports whether it did. The pair is checked by loading it.
func (c *Config) EnsureTLS() (generated bool, err error) {
	if c.TLS.Cert == "" && c.TLS.Key == "" {
		etc := filepath.Join(c.Store.Path, "etc")
		cert, key := filepath.Join(etc, SelfSignedCert), filepath.Join(etc, SelfSignedKey)
		if !exists(cert) || !exists(key) {
			if err := generateSelfSigned(cert, key); err != nil {
				return false, fmt.Errorf("generate self-signed certificate: %w", err)
			}
			generated = true
		}
		c.TLS.Cert, c.TLS.Key = cert, key
	}
	if _, err := c.TLSConfig(); err != nil {
		return generated, err
	}
	return generated, nil
}

// TLSConfig loads the certificate pair for the TLS listeners.
func (c *Config) TLSConfig() (*tls.Config, error) {
	pair, err := tls.LoadX509KeyPair(c.TLS.Cert, c.TLS.Key)
	if err != nil {
		return nil, fmt.Errorf("tls: load %s and %s: %w", c.TLS.Cert, c.TLS.Key, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// generateSelfSigned writes an ECDSA P-256 key and a ten-year certificate
// for this host's name, localhost and the loopback addresses. Each file is
// written under a temporary name and renamed, key first, so that a crash
// never leaves a certificate without its key.
func generateSelfSigned(certPath, keyPath string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	names := []string{"localhost"}
	if host != "" && host != "localhost" {
		names = append([]string{host}, names...)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: names[0], Organization: []string{"mstore self-signed"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              names,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(certPath), 0o750); err != nil {
		return err
	}
	if err := writeAtomic(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return err
	}
	return writeAtomic(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

func writeAtomic(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
