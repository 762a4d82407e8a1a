package config

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEnsureTLSGeneratesOnce(t *testing.T) {
	c := Default()
	c.Store.Path = t.TempDir()
	gen, err := c.EnsureTLS()
	if err != nil || !gen {
		t.Fatalf("first EnsureTLS = %v, %v; want a generated pair", gen, err)
	}
	wantCert := filepath.Join(c.Store.Path, "etc", SelfSignedCert)
	if c.TLS.Cert != wantCert || c.TLS.Key != filepath.Join(c.Store.Path, "etc", SelfSignedKey) {
		t.Errorf("paths = %q, %q", c.TLS.Cert, c.TLS.Key)
	}
	if fi, err := os.Stat(c.TLS.Key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, %v; want mode 0600", fi, err)
	}
	tc, err := c.TLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(tc.Certificates[0].Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := leaf.VerifyHostname("localhost"); err != nil {
		t.Error(err)
	}
	if err := leaf.VerifyHostname("127.0.0.1"); err != nil {
		t.Error(err)
	}
	before, _ := os.ReadFile(wantCert)

	// A second start reuses the pair.
	c2 := Default()
	c2.Store.Path = c.Store.Path
	gen, err = c2.EnsureTLS()
	after, _ := os.ReadFile(wantCert)
	if err != nil || gen || string(before) != string(after) {
		t.Errorf("second EnsureTLS = %v, %v; the pair must be reused", gen, err)
	}
}

func TestEnsureTLSConfiguredPair(t *testing.T) {
	// A configured pair is used as it is and checked.
	c := Default()
	c.Store.Path = t.TempDir()
	if _, err := c.EnsureTLS(); err != nil {
		t.Fatal(err)
	}
	other := Default()
	other.Store.Path = t.TempDir()
	other.TLS = c.TLS
	gen, err := other.EnsureTLS()
	if err != nil || gen {
		t.Errorf("configured pair: %v, %v", gen, err)
	}
	if _, err := os.Stat(filepath.Join(other.Store.Path, "etc", SelfSignedCert)); err == nil {
		t.Error("a self-signed pair was generated although one is configured")
	}

	bad := Default()
	bad.Store.Path = t.TempDir()
	bad.TLS.Cert, bad.TLS.Key = c.TLS.Key, c.TLS.Key
	if _, err := bad.EnsureTLS(); err == nil || !strings.Contains(err.Error(), "tls") {
		t.Errorf("a key given as certificate: error %v", err)
	}
}
