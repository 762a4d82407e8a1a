package imap

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mstore/tools/testenv"
)

func testTLSConfig(t testing.TB) *tls.Config {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mstore test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

type lineConn struct {
	t  testing.TB
	c  net.Conn
	br *bufio.Reader
}

func (l *lineConn) send(s string) {
	l.t.Helper()
	l.c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := l.c.Write([]byte(s + "\r\n")); err != nil {
		l.t.Fatal(err)
	}
}

func (l *lineConn) until(prefix string) []string {
	l.t.Helper()
	var out []string
	for {
		l.c.SetDeadline(time.Now().Add(5 * time.Second))
		line, err := l.br.ReadString('\n')
		if err != nil {
			l.t.Fatalf("read: %v after %q", err, out)
		}
		line = strings.TrimRight(line, "\r\n")
		out = append(out, line)
		if strings.HasPrefix(line, prefix) {
			return out
		}
	}
}

func TestPlaintextRefusedAndSTARTTLS(t *testing.T) {
	e := newTestEnv(t, Options{TLS: testTLSConfig(t)})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go e.srv.Serve(testenv.AsRemote(l))
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	lc := &lineConn{t: t, c: c, br: bufio.NewReader(c)}
	greet := lc.until("* OK")
	if !strings.Contains(greet[0], "LOGINDISABLED") || !strings.Contains(greet[0], "STARTTLS") || strings.Contains(greet[0], "AUTH=PLAIN") {
		t.Errorf("greeting from a remote address: %q", greet[0])
	}
	if !strings.Contains(greet[0], "AUTH=CRAM-MD5") {
		t.Errorf("CRAM-MD5 sends no password and should stay offered: %q", greet[0])
	}
	lc.send("a LOGIN joe@foo.com secret")
	if got := lc.until("a "); !strings.HasPrefix(got[len(got)-1], "a NO [PRIVACYREQUIRED]") {
		t.Errorf("plaintext login: %q", got)
	}
	lc.send("b AUTHENTICATE PLAIN")
	if got := lc.until("b "); !strings.HasPrefix(got[len(got)-1], "b NO [PRIVACYREQUIRED]") {
		t.Errorf("plaintext AUTHENTICATE: %q", got)
	}
	lc.send("c STARTTLS")
	lc.until("c OK")
	tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	lc = &lineConn{t: t, c: tc, br: bufio.NewReader(tc)}
	lc.send("d CAPABILITY")
	caps := lc.until("d ")
	if strings.Contains(caps[0], "LOGINDISABLED") || strings.Contains(caps[0], "STARTTLS") || !strings.Contains(caps[0], "AUTH=PLAIN") {
		t.Errorf("capabilities under TLS: %q", caps[0])
	}
	lc.send("e LOGIN joe@foo.com secret")
	if got := lc.until("e "); !strings.HasPrefix(got[len(got)-1], "e OK") {
		t.Errorf("login under TLS: %q", got)
	}
}

func TestSTARTTLSRefusesPipelinedCommands(t *testing.T) {
	e := newTestEnv(t, Options{TLS: testTLSConfig(t)})
	c, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	lc := &lineConn{t: t, c: c, br: bufio.NewReader(c)}
	lc.until("* OK")
	// A command injected behind STARTTLS must not run after the handshake.
	lc.send("a STARTTLS\r\nb LOGIN joe@foo.com secret")
	if got := lc.until("a "); !strings.HasPrefix(got[len(got)-1], "a BAD") {
		t.Errorf("pipelined STARTTLS: %q", got)
	}
}

func TestImplicitTLS(t *testing.T) {
	e := newTestEnv(t, Options{TLS: testTLSConfig(t)})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go e.srv.ServeTLS(l)
	c, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	lc := &lineConn{t: t, c: c, br: bufio.NewReader(c)}
	if g := lc.until("* OK"); strings.Contains(g[0], "STARTTLS") {
		t.Errorf("STARTTLS offered under TLS: %q", g[0])
	}
	lc.send("a LOGIN joe@foo.com secret")
	if got := lc.until("a "); !strings.HasPrefix(got[len(got)-1], "a OK") {
		t.Errorf("login over imaps: %q", got)
	}
}

func TestNologin(t *testing.T) {
	e := newTestEnv(t, Options{})
	if err := os.WriteFile(filepath.Join(e.st.Dir(), "etc", "nologin"), []byte("Down for maintenance until 10:00\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := e.raw()
	if got := last(r.cmd("a", "LOGIN joe@foo.com secret")); got != "a NO [UNAVAILABLE] Down for maintenance until 10:00" {
		t.Errorf("login with nologin: %q", got)
	}
	if got := last(r.cmd("b", "AUTHENTICATE PLAIN AGpvZUBmb28uY29tAHNlY3JldA==")); !strings.HasPrefix(got, "b NO [UNAVAILABLE] Down") {
		t.Errorf("authenticate with nologin: %q", got)
	}
	os.Remove(filepath.Join(e.st.Dir(), "etc", "nologin"))
	if got := last(r.cmd("c", "AUTHENTICATE PLAIN AGpvZUBmb28uY29tAHNlY3JldA==")); !strings.HasPrefix(got, "c OK") {
		t.Errorf("authenticate after nologin removed: %q", got)
	}
}

func TestSASLMechanisms(t *testing.T) {
	e := newTestEnv(t, Options{})
	r := e.raw()
	// LOGIN, step by step.
	r.send("a AUTHENTICATE LOGIN")
	if l := r.line(); l != "+ VXNlcm5hbWU6" {
		t.Fatalf("LOGIN challenge %q", l)
	}
	r.send("am9lQGZvby5jb20=") // joe@foo.com
	if l := r.line(); l != "+ UGFzc3dvcmQ6" {
		t.Fatalf("LOGIN password challenge %q", l)
	}
	r.send("c2VjcmV0") // secret
	if got := last(r.expect("a ")); !strings.HasPrefix(got, "a OK") {
		t.Errorf("AUTHENTICATE LOGIN: %q", got)
	}
	// A cancelled exchange.
	r2 := e.raw()
	r2.send("b AUTHENTICATE CRAM-MD5")
	r2.line()
	r2.send("*")
	if got := last(r2.expect("b ")); !strings.HasPrefix(got, "b BAD") {
		t.Errorf("cancelled: %q", got)
	}
	if got := last(r2.cmd("c", "AUTHENTICATE X-UNKNOWN")); !strings.HasPrefix(got, "c NO") {
		t.Errorf("unknown mechanism: %q", got)
	}
}
