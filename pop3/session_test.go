package pop3

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"net"
	"strings"
	"testing"
	"time"
)

func TestGreetingAndCapa(t *testing.T) {
	e := newEnv(t, testOptions())
	e.addUser("joe@foo.com", "secret")
	c := e.connect(e.plain)
	g := c.line()
	// No APOP timestamp: mstore keeps no secret APOP could use.
	if g != "+OK pop.test mstore POP3 ready" || strings.ContainsAny(g, "<>") {
		t.Errorf("greeting %q", g)
	}
	c.want(c.cmd("CAPA"), "+OK")
	want := "TOP\r\nUIDL\r\nUSER\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\nEXPIRE NEVER\r\n" +
		"SASL PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256\r\nSTLS\r\nIMPLEMENTATION mstore\r\n"
	if got := string(c.body()); got != want {
		t.Errorf("CAPA before login:\n%s\nwant:\n%s", got, want)
	}
	c.login("joe@foo.com", "secret")
	c.want(c.cmd("CAPA"), "+OK")
	want = "TOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\nEXPIRE NEVER\r\nIMPLEMENTATION mstore\r\n"
	if got := string(c.body()); got != want {
		t.Errorf("CAPA after login:\n%s\nwant:\n%s", got, want)
	}
	c.want(c.cmd("CAPA x"), "-ERR")
	c.want(c.cmd("QUIT"), "+OK")

	// Over POP3S: no STLS.
	c = e.dialTLS()
	c.want(c.cmd("CAPA"), "+OK")
	if got := string(c.body()); strings.Contains(got, "STLS") || !strings.Contains(got, "USER\r\n") {
		t.Errorf("CAPA over POP3S:\n%s", got)
	}
}

func TestMechanismSwitches(t *testing.T) {
	opts := testOptions()
	opts.DisableCRAMMD5 = true
	e := newEnvTLS(t, opts, false)
	e.addUser("joe@foo.com", "secret")
	c := e.dial(e.plain)
	c.want(c.cmd("CAPA"), "+OK")
	if got := string(c.body()); strings.Contains(got, "CRAM-MD5") || strings.Contains(got, "STLS") ||
		!strings.Contains(got, "SASL PLAIN LOGIN SCRAM-SHA-256\r\n") {
		t.Errorf("CAPA with CRAM-MD5 off and no TLS:\n%s", got)
	}
	c.want(c.cmd("AUTH CRAM-MD5"), "-ERR unsupported authentication mechanism")
	c.want(c.cmd("STLS"), "-ERR STLS is not available")
}

func TestCommandErrors(t *testing.T) {
	e := newEnv(t, testOptions())
	e.addUser("joe@foo.com", "secret")
	c := e.dial(e.plain)
	c.want(c.cmd("STAT"), "-ERR log in first")
	c.want(c.cmd("RETR 1"), "-ERR log in first")
	c.want(c.cmd("XYZZY"), "-ERR unknown command")
	c.want(c.cmd(""), "-ERR empty command")
	c.want(c.cmd("USER"), "-ERR USER needs a name")
	c.send(strings.Repeat("x", maxLine+10))
	c.want(c.line(), "-ERR command line too long")
	c.login("joe@foo.com", "secret")
	c.want(c.cmd("noop"), "+OK") // verbs in any case
	c.want(c.cmd("STAT 1"), "-ERR this command takes no argument")
	c.want(c.cmd("QUIT"), "+OK")
}

func TestTooManyBadCommands(t *testing.T) {
	opts := testOptions()
	opts.MaxBadCommands = 3
	e := newEnv(t, opts)
	e.addUser("joe@foo.com", "secret")
	c := e.dial(e.plain)
	c.want(c.cmd("FOO"), "-ERR unknown command")
	c.want(c.cmd("USER joe@foo.com"), "+OK")
	c.want(c.cmd("PASS wrong"), "-ERR [AUTH]")
	c.want(c.cmd("BAR"), "-ERR too many bad commands")
	if !c.closed() {
		t.Error("connection still open after too many bad commands")
	}
}

func TestIdleTimeout(t *testing.T) {
	opts := testOptions()
	opts.IdleTimeout = 300 * time.Millisecond
	e := newEnv(t, opts)
	e.addUser("joe@foo.com", "secret")
	e.deliver("joe@foo.com", testMessage(1, 100))
	c := e.dial(e.plain)
	c.login("joe@foo.com", "secret")
	c.want(c.cmd("DELE 1"), "+OK")
	time.Sleep(500 * time.Millisecond)
	c.want(c.line(), "-ERR autologout")
	if !c.closed() {
		t.Fatal("connection still open after the idle timeout")
	}
	// Nothing deleted, and the lock is free.
	c = e.dial(e.plain)
	c.login("joe@foo.com", "secret")
	c.want(c.cmd("STAT"), "+OK 1 ")
}

func TestSTLSDropsInjectedCommands(t *testing.T) {
	e := newEnv(t, testOptions())
	e.addUser("joe@foo.com", "secret")
	c := e.dial(e.plain)
	c.want(c.cmd("USER joe@foo.com"), "+OK")
	// A man in the middle appends a command after STLS in clear.
	c.send("STLS\r\nPASS secret")
	c.want(c.line(), "+OK")
	tc := tls.Client(c.conn, e.client)
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	c.conn, c.r = tc, bufio.NewReader(tc)
	// The first answer over TLS is to this CAPA: the injected PASS was
	// dropped, and the USER given before STLS is forgotten.
	c.want(c.cmd("CAPA"), "+OK capability list")
	c.body()
	c.want(c.cmd("PASS secret"), "-ERR send USER first")
	c.login("joe@foo.com", "secret")
	c.want(c.cmd("STLS"), "-ERR command not valid after login")
}

func TestImplicitTLSSession(t *testing.T) {
	e := newEnv(t, testOptions())
	e.addUser("joe@foo.com", "secret")
	m := testMessage(1, 2000)
	e.deliver("joe@foo.com", m)
	c := e.dialTLS()
	c.login("joe@foo.com", "secret")
	c.want(c.cmd("RETR 1"), "+OK")
	if got := unstuff(c.body()); !bytes.Equal(got, m) {
		t.Errorf("RETR over POP3S gave %q", got)
	}
	c.want(c.cmd("QUIT"), "+OK")
	if !strings.Contains(e.logs.String(), "mech=USER tls=true") {
		t.Errorf("login over TLS not logged as such:\n%s", e.logs.String())
	}
}

func TestCloseEndsSessionsWithoutDeleting(t *testing.T) {
	e := newEnv(t, testOptions())
	e.addUser("joe@foo.com", "secret")
	e.deliver("joe@foo.com", testMessage(1, 100))
	c := e.dial(e.plain)
	c.login("joe@foo.com", "secret")
	c.want(c.cmd("DELE 1"), "+OK")
	done := make(chan error, 1)
	go func() { done <- e.srv.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	if !c.closed() {
		t.Error("session still open after Close")
	}
	if _, left := e.inbox("joe@foo.com"); len(left) != 1 {
		t.Errorf("%d messages left after Close, want 1", len(left))
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Serve(l); err != ErrServerClosed {
		t.Errorf("Serve after Close: %v", err)
	}
}

func TestDotWriter(t *testing.T) {
	for in, want := range map[string]string{
		"":                         ".\r\n",
		"a\r\n":                    "a\r\n.\r\n",
		".\r\n":                    "..\r\n.\r\n",
		"a\r\n.b\r\n..c\r\n.":      "a\r\n..b\r\n...c\r\n..\r\n.\r\n",
		"no end":                   "no end\r\n.\r\n",
		"x.y\r\n .z\r\n":           "x.y\r\n .z\r\n.\r\n",
		".start\r\nmid.\r\n.\r\n.": "..start\r\nmid.\r\n..\r\n..\r\n.\r\n",
	} {
		// Byte by byte as well as whole, for dots at write boundaries.
		for _, step := range []int{len(in) + 1, 1, 2} {
			var out bytes.Buffer
			bw := bufio.NewWriter(&out)
			dw := newDotWriter(bw)
			for i := 0; i < len(in); i += step {
				dw.Write([]byte(in[i:min(i+step, len(in))]))
			}
			dw.end()
			bw.Flush()
			if out.String() != want {
				t.Errorf("%q in steps of %d: %q, want %q", in, step, out.String(), want)
			}
		}
	}
}

func TestCopyTop(t *testing.T) {
	long := strings.Repeat("h", 40<<10)
	msg := "A: 1\r\nB: " + long + "\r\n\r\nl1\r\n\r\nl3 " + long + "\r\nl4\r\n"
	for lines, want := range map[int]string{
		0:  "A: 1\r\nB: " + long + "\r\n\r\n",
		1:  "A: 1\r\nB: " + long + "\r\n\r\nl1\r\n",
		2:  "A: 1\r\nB: " + long + "\r\n\r\nl1\r\n\r\n",
		3:  "A: 1\r\nB: " + long + "\r\n\r\nl1\r\n\r\nl3 " + long + "\r\n",
		10: msg,
	} {
		var out bytes.Buffer
		if err := copyTop(&out, strings.NewReader(msg), lines); err != nil {
			t.Fatal(err)
		}
		if out.String() != want {
			t.Errorf("TOP %d: %d octets, want %d", lines, out.Len(), len(want))
		}
	}
	// A message with no body at all.
	var out bytes.Buffer
	copyTop(&out, strings.NewReader("A: 1\r\n"), 5)
	if out.String() != "A: 1\r\n" {
		t.Errorf("header only: %q", out.String())
	}
}
