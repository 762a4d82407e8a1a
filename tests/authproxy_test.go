package tests

import (
	"bufio"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"mstore/tools/testenv"
)

// imapConn is a line-level IMAP client for end-to-end checks.
type imapConn struct {
	t  testing.TB
	c  net.Conn
	br *bufio.Reader
	n  int
}

func dialIMAP(t testing.TB, addr string) *imapConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ic := &imapConn{t: t, c: c, br: bufio.NewReader(c)}
	ic.readLine()
	return ic
}

func (ic *imapConn) readLine() string {
	ic.t.Helper()
	ic.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	l, err := ic.br.ReadString('\n')
	if err != nil {
		ic.t.Fatalf("imap read: %v", err)
	}
	return strings.TrimRight(l, "\r\n")
}

// cmd runs a command and returns its untagged lines and its tagged answer.
func (ic *imapConn) cmd(format string, args ...any) ([]string, string) {
	ic.t.Helper()
	ic.n++
	tag := fmt.Sprintf("t%d", ic.n)
	fmt.Fprintf(ic.c, "%s %s\r\n", tag, fmt.Sprintf(format, args...))
	var lines []string
	for {
		l := ic.readLine()
		if strings.HasPrefix(l, tag+" ") {
			return lines, strings.TrimPrefix(l, tag+" ")
		}
		lines = append(lines, l)
	}
}

// A system account logs in over IMAP: the authentication proxy, running
// as root apart from the server, checks its /etc/shadow password, and the
// authmap makes it the store user it is tied to.
func TestSystemAccountLogin(t *testing.T) {
	testenv.Root(t, "adding a system account")
	acct := fmt.Sprintf("mst%d", time.Now().UnixNano()%1000000)
	if out, err := exec.Command("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", acct).CombinedOutput(); err != nil {
		t.Fatalf("useradd: %v %s", err, out)
	}
	defer exec.Command("userdel", acct).Run()
	chpw := exec.Command("chpasswd")
	chpw.Stdin = strings.NewReader(acct + ":system-secret\n")
	if out, err := chpw.CombinedOutput(); err != nil {
		t.Fatalf("chpasswd: %v %s", err, out)
	}
	s := startServer(t, "")
	if !strings.Contains(s.log(), "mstore: authproxy on ") {
		t.Fatalf("no authentication proxy: %s", s.log())
	}
	s.mstore("", "domain", "add", "foo.com")
	s.mstore("", "user", "add", "kim@foo.com")
	s.mstore("", "authmap", "add", acct, "kim@foo.com")
	s.mstore("Subject: for kim\r\n\r\nhello\r\n", "deliver", "kim@foo.com")

	ic := dialIMAP(t, s.addr("imap"))
	if _, r := ic.cmd("LOGIN %s wrong-password", acct); !strings.HasPrefix(r, "NO [AUTHENTICATIONFAILED]") {
		t.Errorf("wrong system password: %q", r)
	}
	if _, r := ic.cmd("LOGIN %s system-secret", acct); !strings.HasPrefix(r, "OK") {
		t.Fatalf("system account login: %q", r)
	}
	lines, r := ic.cmd("SELECT INBOX")
	if !strings.HasPrefix(r, "OK") || !contains(lines, "* 1 EXISTS") {
		t.Errorf("kim's INBOX through the system account: %q %q", lines, r)
	}
	// An account the authmap does not know is refused.
	s.mstore("", "authmap", "del", acct)
	ic2 := dialIMAP(t, s.addr("imap"))
	if _, r := ic2.cmd("LOGIN %s system-secret", acct); !strings.HasPrefix(r, "NO") {
		t.Errorf("unmapped system account logged in: %q", r)
	}
}

func contains(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}
