package tests

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// popConn is a line-level POP3 client.
type popConn struct {
	t  testing.TB
	c  net.Conn
	br *bufio.Reader
}

func dialPOP3(t testing.TB, addr string) *popConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	p := &popConn{t: t, c: c, br: bufio.NewReader(c)}
	if l := p.line(); !strings.HasPrefix(l, "+OK") {
		t.Fatalf("POP3 greeting %q", l)
	}
	return p
}

func (p *popConn) line() string {
	p.t.Helper()
	p.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	l, err := p.br.ReadString('\n')
	if err != nil {
		p.t.Fatalf("pop3 read: %v", err)
	}
	return strings.TrimRight(l, "\r\n")
}

func (p *popConn) ok(format string, args ...any) string {
	p.t.Helper()
	fmt.Fprintf(p.c, format+"\r\n", args...)
	l := p.line()
	if !strings.HasPrefix(l, "+OK") {
		p.t.Fatalf("%s: %q", fmt.Sprintf(format, args...), l)
	}
	return l
}

// Deletions made over POP3 reach an IMAP session idling on the same INBOX
// as EXPUNGE responses once the POP3 session quits, and not before.
func TestPOP3DeletionsReachIMAPIdle(t *testing.T) {
	s := startServer(t, "")
	s.mstore("", "domain", "add", "foo.com")
	s.mstore("secret\n", "user", "add", "joe@foo.com", "--password-stdin")
	for i := 1; i <= 3; i++ {
		s.mstore(fmt.Sprintf("Subject: m%d\r\n\r\nbody %d\r\n", i, i), "deliver", "joe@foo.com")
	}
	ic := dialIMAP(t, s.addr("imap"))
	if _, r := ic.cmd("LOGIN joe@foo.com secret"); !strings.HasPrefix(r, "OK") {
		t.Fatal(r)
	}
	if lines, r := ic.cmd("SELECT INBOX"); !strings.HasPrefix(r, "OK") || !contains(lines, "* 3 EXISTS") {
		t.Fatalf("select: %q %q", lines, r)
	}
	fmt.Fprintf(ic.c, "idle IDLE\r\n")
	if l := ic.readLine(); !strings.HasPrefix(l, "+") {
		t.Fatalf("IDLE: %q", l)
	}

	p := dialPOP3(t, s.addr("pop3"))
	p.ok("USER joe@foo.com")
	p.ok("PASS secret")
	if st := p.ok("STAT"); !strings.HasPrefix(st, "+OK 3 ") {
		t.Fatalf("STAT %q", st)
	}
	p.ok("DELE 1")
	p.ok("DELE 3")
	// Nothing is expunged before QUIT: the idler hears nothing.
	ic.c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if l, err := ic.br.ReadString('\n'); err == nil {
		t.Fatalf("IMAP heard %q before the POP3 QUIT", l)
	}
	p.ok("QUIT")
	start := time.Now()
	var got []string
	for len(got) < 2 {
		got = append(got, ic.readLine())
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("EXPUNGE took %v", d)
	}
	// Highest first, so neither number shifts under the other.
	if got[0] != "* 3 EXPUNGE" || got[1] != "* 1 EXPUNGE" {
		t.Errorf("IDLE heard %q, want * 3 EXPUNGE then * 1 EXPUNGE", got)
	}
	fmt.Fprintf(ic.c, "DONE\r\n")
	if l := ic.readLine(); !strings.HasPrefix(l, "idle OK") {
		t.Errorf("DONE: %q", l)
	}
	if lines, _ := ic.cmd("FETCH 1:* (UID)"); len(lines) != 1 || !strings.Contains(lines[0], "UID 2") {
		t.Errorf("left in INBOX: %q", lines)
	}
}
