package pop3

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mstore/auth"
	"mstore/store"
	"mstore/tools/testenv"
)

// env is one test's store and server, both real: a store in t.TempDir()
// and a POP3 server on loopback ports.
type env struct {
	t      *testing.T
	st     *store.Store
	srv    *Server
	plain  string // address of the plain listener (STLS offered)
	tls    string // address of the POP3S listener
	caFile string // PEM of the self-signed certificate, for clients
	client *tls.Config
	logs   *testenv.LogBuffer
}

// testOptions are the defaults of the tests: no wait after a failed login.
func testOptions() Options {
	return Options{AuthFailDelay: -1, Hostname: "pop.test"}
}

func newEnv(t *testing.T, opts Options) *env { return newEnvTLS(t, opts, true) }

// newEnvTLS starts a server without TLS (no STLS, no POP3S listener) when
// withTLS is false.
func newEnvTLS(t *testing.T, opts Options, withTLS bool) *env {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st, logs: &testenv.LogBuffer{}}
	serverTLS, clientTLS, caFile := selfSigned(t)
	if withTLS {
		opts.TLS = serverTLS
	}
	e.client, e.caFile = clientTLS, caFile
	e.srv = New(st, opts, slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	e.plain = e.serve(false, nil)
	if withTLS {
		e.tls = e.serve(true, nil)
	}
	t.Cleanup(func() {
		if err := e.srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := st.Close(); err != nil {
			t.Errorf("store Close: %v", err)
		}
		if t.Failed() {
			t.Logf("server log (the end):\n%s", logTail(e.logs, 40))
		}
	})
	return e
}

// serve starts one more listener on loopback; wrap, when set, changes the
// accepted connections (to make them look remote).
func (e *env) serve(implicitTLS bool, wrap func(net.Listener) net.Listener) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	addr := l.Addr().String()
	if wrap != nil {
		l = wrap(l)
	}
	done := make(chan error, 1)
	go func() {
		if implicitTLS {
			done <- e.srv.ServeTLS(l)
		} else {
			done <- e.srv.Serve(l)
		}
	}()
	e.t.Cleanup(func() {
		// Runs before the Close registered by newEnv, so close here too.
		e.srv.Close()
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			e.t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return addr
}

// addUser creates a user (and its domain) with a password that every
// mechanism can check.
func (e *env) addUser(name, pw string) {
	e.t.Helper()
	ctx := context.Background()
	domain := name[strings.LastIndexByte(name, '@')+1:]
	if err := e.st.AddDomain(ctx, store.System(), domain); err != nil && store.KindOf(err) != store.KindExists {
		e.t.Fatal(err)
	}
	creds, err := auth.NewCredentials([]byte(pw), auth.CredentialOptions{CramMD5: true, ScramSHA256: true})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.st.AddUser(ctx, store.System(), name, store.UserOptions{Credentials: &creds}); err != nil {
		e.t.Fatal(err)
	}
}

// deliver appends messages to a user's INBOX and returns their UIDs.
func (e *env) deliver(user string, msgs ...[]byte) []uint32 {
	e.t.Helper()
	name, err := inboxOf(user)
	if err != nil {
		e.t.Fatal(err)
	}
	var uids []uint32
	for _, m := range msgs {
		r, err := e.st.Append(context.Background(), store.System(), name, bytes.NewReader(m), store.AppendOptions{})
		if err != nil {
			e.t.Fatal(err)
		}
		uids = append(uids, r.UID)
	}
	return uids
}

// inbox returns a user's INBOX id and the bodies now in it, by UID.
func (e *env) inbox(user string) (uint64, map[uint32][]byte) {
	e.t.Helper()
	ctx := context.Background()
	name, _ := inboxOf(user)
	info, err := e.st.Mailbox(ctx, store.System(), name)
	if err != nil {
		e.t.Fatal(err)
	}
	uids, _, err := e.st.UIDs(ctx, store.System(), info.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	bodies := map[uint32][]byte{}
	for _, uid := range uids {
		b, err := e.st.OpenMessage(ctx, store.System(), info.ID, uid)
		if err != nil {
			e.t.Fatal(err)
		}
		var buf bytes.Buffer
		_, err = buf.ReadFrom(b)
		b.Close()
		if err != nil {
			e.t.Fatal(err)
		}
		bodies[uid] = buf.Bytes()
	}
	return info.ID, bodies
}

// testMessage builds a message of at least size octets whose body has
// lines that start with dots, and one line that is only a dot.
func testMessage(n, size int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: Sender <sender@example.net>\r\nTo: joe@foo.com\r\nSubject: test message %d\r\n", n)
	fmt.Fprintf(&b, "Message-ID: <%d.pop3test@example.net>\r\nDate: Mon, 2 Jan 2006 15:04:05 +0000\r\n\r\n", n)
	b.WriteString("first line of the body\r\n.a line starting with a dot\r\n.\r\n..two dots\r\n")
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "line %d of message %d: the quick brown fox jumps over the lazy dog\r\n", i, n)
	}
	return b.Bytes()
}

// selfSigned makes a certificate for 127.0.0.1 and localhost, and returns
// the server's TLS config, a client config that trusts it, and the
// certificate as a PEM file.
func selfSigned(t *testing.T) (*tls.Config, *tls.Config, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "pop.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost", "pop.test"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	caFile := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	server := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}}
	client := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	return server, client, caFile
}

// logTail returns the last n lines of the server's log.
func logTail(l *testenv.LogBuffer, n int) string {
	lines := strings.SplitAfter(l.String(), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "")
}

// client is a minimal POP3 client for checking exact wire answers.
type client struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

// connect opens a connection without reading the greeting.
func (e *env) connect(addr string) *client {
	e.t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { conn.Close() })
	return &client{t: e.t, conn: conn, r: bufio.NewReader(conn)}
}

// dialTLS connects to the POP3S listener and reads the greeting.
func (e *env) dialTLS() *client {
	e.t.Helper()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", e.tls, e.client)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { conn.Close() })
	c := &client{t: e.t, conn: conn, r: bufio.NewReader(conn)}
	if g := c.line(); !strings.HasPrefix(g, "+OK ") {
		e.t.Fatalf("greeting %q", g)
	}
	return c
}

// starttls sends STLS and switches the connection to TLS.
func (c *client) starttls(cfg *tls.Config) {
	c.t.Helper()
	c.want(c.cmd("STLS"), "+OK")
	tc := tls.Client(c.conn, cfg)
	if err := tc.Handshake(); err != nil {
		c.t.Fatal(err)
	}
	c.conn, c.r = tc, bufio.NewReader(tc)
}

// dial connects and reads the greeting.
func (e *env) dial(addr string) *client {
	e.t.Helper()
	c := e.connect(addr)
	if g := c.line(); !strings.HasPrefix(g, "+OK ") {
		e.t.Fatalf("greeting %q", g)
	}
	return c
}

// line reads one response line without its CRLF.
func (c *client) line() string {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	l, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("reading a response: %v (got %q)", err, l)
	}
	if !strings.HasSuffix(l, "\r\n") {
		c.t.Fatalf("response %q does not end in CRLF", l)
	}
	return strings.TrimSuffix(l, "\r\n")
}

func (c *client) send(line string) {
	c.t.Helper()
	if _, err := c.conn.Write([]byte(line + "\r\n")); err != nil {
		c.t.Fatal(err)
	}
}

// cmd sends a command and returns the status line.
func (c *client) cmd(line string) string {
	c.t.Helper()
	c.send(line)
	return c.line()
}

// body reads a multi-line body up to the terminating dot, as raw bytes
// (still dot-stuffed).
func (c *client) body() []byte {
	c.t.Helper()
	var b []byte
	for {
		l := c.line()
		if l == "." {
			return b
		}
		b = append(b, l...)
		b = append(b, "\r\n"...)
	}
}

// want checks that a response starts with prefix.
func (c *client) want(got, prefix string) {
	c.t.Helper()
	if !strings.HasPrefix(got, prefix) {
		c.t.Fatalf("response %q, want %q...", got, prefix)
	}
}

// login logs in with USER and PASS.
func (c *client) login(user, pw string) {
	c.t.Helper()
	c.want(c.cmd("USER "+user), "+OK")
	c.want(c.cmd("PASS "+pw), "+OK")
}

// closed reports whether the server has closed the connection.
func (c *client) closed() bool {
	c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := c.r.ReadByte()
	return err != nil
}

// unstuff removes the dot-stuffing of a multi-line body.
func unstuff(b []byte) []byte {
	var out []byte
	for l := range bytes.SplitAfterSeq(b, []byte("\r\n")) {
		if bytes.HasPrefix(l, []byte(".")) {
			l = l[1:]
		}
		out = append(out, l...)
	}
	return out
}
