package lmtp

import (
	"bytes"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestPipelinedRCPT: MAIL, several RCPTs and DATA in one write get their
// replies in order, and the accepted recipients one reply each after the
// data.
func TestPipelinedRCPT(t *testing.T) {
	e := newEnv(t)
	for _, network := range []string{"tcp", "unix"} {
		addr := e.tcp
		if network == "unix" {
			addr = e.sock
		}
		c, _ := hello(t, network, addr)
		c.write([]byte("MAIL FROM:<s@example.net>\r\nRCPT TO:<joe@foo.com>\r\nRCPT TO:<nobody@foo.com>\r\n" +
			"RCPT TO:<ann@foo.com>\r\nRCPT TO:<full@foo.com>\r\nRCPT TO:<joe+lists@foo.com>\r\nDATA\r\n"))
		for i, want := range []string{"250", "250", "550 5.1.1", "250", "452 4.2.2", "250", "354"} {
			if r := c.reply(); !strings.HasPrefix(r, want) {
				t.Errorf("%s: reply %d is %q, want %s…", network, i, r, want)
			}
		}
		// The message and the next transaction in one write, too.
		c.write([]byte("Subject: piped\r\n\r\nbody\r\n.\r\nMAIL FROM:<s@example.net>\r\nRCPT TO:<ann@foo.com>\r\nDATA\r\n"))
		for _, want := range []string{"250 2.0.0 <joe@foo.com>", "250 2.0.0 <ann@foo.com>", "250 2.0.0 <joe+lists@foo.com>", "250", "250", "354"} {
			if r := c.reply(); !strings.HasPrefix(r, want) {
				t.Errorf("%s: %q, want %s…", network, r, want)
			}
		}
		c.write([]byte("Subject: piped 2\r\n\r\nbody\r\n.\r\nQUIT\r\n"))
		c.expect("250 2.0.0 <ann@foo.com>")
		c.expect("221")
	}
	for _, tc := range []struct {
		user, box string
		want      int
	}{{"joe", "INBOX", 2}, {"ann", "INBOX", 4}, {"joe", "lists", 2}, {"full", "INBOX", 0}} {
		if n := e.count(mbox(tc.user, tc.box)); n != tc.want {
			t.Errorf("%s/%s has %d, want %d", tc.user, tc.box, n, tc.want)
		}
	}
}

// TestMalformedCommands: each gets 500 or 501 with a text that says what is
// wrong, and the session goes on to deliver.
func TestMalformedCommands(t *testing.T) {
	e := newEnv(t)
	c, _ := hello(t, "tcp", e.tcp)
	for _, tc := range []struct{ cmd, want string }{
		{"FROB", "500 5.5.2"},                      // unknown
		{"MAIL", "501 5.5.2"},                      // no FROM:
		{"MAIL TO:<a@b.c>", "501 5.5.2"},           // wrong keyword
		{"MAIL FROM:<a@b.c> BOGUS=1", "500 5.5.4"}, // unknown parameter
		{"MAIL FROM:<a@b.c> SIZE=big", "501 5.5.4"},
		{"LHLO", "501 5.5.2"},
		{"X", "501 5.5.2"},
		{"MAIL FROM:<s@example.net>", "250"},
		{"RCPT joe@foo.com", "501 5.5.2"},
		{"RCPT TO:<joe@foo.com", "501 5.5.2"},
		{"RCPT TO:<joe@foo.com> NOTIFY=NEVER", "504"},
		{"DATA now", "501 5.5.4"},
		{"BDAT", "501 5.5.4"},
		{"BDAT x", "501 5.5.4"},
		{"RCPT TO:<joe@foo.com>", "250"},
	} {
		c.send("%s", tc.cmd)
		r := c.reply()
		if !strings.HasPrefix(r, tc.want) || len(r) < len(tc.want)+5 {
			t.Errorf("%q: %q, want %s and a text", tc.cmd, r, tc.want)
		}
	}
	if r := c.data([]byte("Subject: after errors\r\n\r\nok\r\n"), 1); !strings.HasPrefix(r[0], "250 2.0.0") {
		t.Errorf("delivery after errors: %q", r[0])
	}
	if n := e.count(mbox("joe", "INBOX")); n != 1 {
		t.Errorf("joe has %d", n)
	}
}

// TestLongLine: a line past the limit ends the connection with 500, as
// go-smtp does; nothing is stored.
func TestLongLine(t *testing.T) {
	e := newEnv(t)
	c, _ := hello(t, "tcp", e.tcp)
	c.write(append(bytes.Repeat([]byte("N"), maxLineLength+10), "\r\n"...))
	c.expect("500 5.4.0")
	if _, err := c.tryReply(); err == nil {
		t.Error("connection still open")
	}
}

func TestIdleTimeout(t *testing.T) {
	e := newEnv(t, envConfig{opts: Options{IdleTimeout: 300 * time.Millisecond}})
	c, _ := hello(t, "tcp", e.tcp)
	start := time.Now()
	c.expect("421 4.4.2")
	if _, err := c.tryReply(); err == nil {
		t.Error("connection still open after the idle timeout")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("dropped after %v", d)
	}

	// A slow transfer that keeps moving is not cut, even when it lasts
	// longer than the timeout in all.
	c, _ = hello(t, "tcp", e.tcp)
	c.cmd("250", "MAIL FROM:<s@example.net>")
	c.cmd("250", "RCPT TO:<joe@foo.com>")
	c.cmd("354", "DATA")
	c.write([]byte("Subject: slow\r\n\r\n"))
	for range 6 {
		time.Sleep(150 * time.Millisecond)
		c.write([]byte("more\r\n"))
	}
	c.write([]byte(".\r\n"))
	c.expect("250 2.0.0")

	// Silent in the middle of the data: dropped, nothing stored.
	c.cmd("250", "MAIL FROM:<s@example.net>")
	c.cmd("250", "RCPT TO:<ann@foo.com>")
	c.cmd("354", "DATA")
	c.write([]byte("Subject: stalled\r\n\r\n"))
	lines, _ := c.tryReply()
	if len(lines) > 0 && strings.HasPrefix(lines[len(lines)-1], "250") {
		t.Errorf("stalled message answered %q", lines)
	}
	time.Sleep(100 * time.Millisecond)
	if n := e.count(mbox("ann", "INBOX")); n != 0 {
		t.Errorf("stalled message stored")
	}
}

// TestPanicEndsOnlyItsConnection: a panic while serving one client answers
// it 421 and closes its connection; another client, in the middle of its
// own transaction, goes on.
func TestPanicEndsOnlyItsConnection(t *testing.T) {
	testHookRcpt = func(addr string) {
		if addr == "panic@foo.com" {
			panic("test panic")
		}
	}
	defer func() { testHookRcpt = nil }()
	e := newEnv(t)
	other, _ := hello(t, "tcp", e.tcp)
	other.cmd("250", "MAIL FROM:<s@example.net>")
	other.cmd("250", "RCPT TO:<joe@foo.com>")

	c, _ := hello(t, "unix", e.sock)
	c.cmd("250", "MAIL FROM:<s@example.net>")
	c.cmd("421", "RCPT TO:<panic@foo.com>")
	if _, err := c.tryReply(); err == nil {
		t.Error("connection still open after a panic")
	}

	if r := other.data([]byte("Subject: survivor\r\n\r\nok\r\n"), 1); !strings.HasPrefix(r[0], "250") {
		t.Errorf("other connection: %q", r[0])
	}
	d, _ := hello(t, "unix", e.sock)
	d.cmd("250", "NOOP")
	if !strings.Contains(e.logs.String(), "test panic") {
		t.Error("the panic was not logged")
	}
}

// TestCloseLetsCommitFinish: Close drops idle clients at once; a client
// whose message is stored still gets its replies.
func TestCloseLetsCommitFinish(t *testing.T) {
	e := newEnv(t)
	idle, _ := hello(t, "tcp", e.tcp)
	busy, _ := hello(t, "tcp", e.tcp)
	busy.cmd("250", "MAIL FROM:<s@example.net>")
	busy.cmd("250", "RCPT TO:<joe@foo.com>")
	busy.cmd("354", "DATA")
	busy.write([]byte("Subject: last\r\n\r\n"))

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		e.srv.Close()
	}()
	if _, err := idle.tryReply(); err == nil {
		t.Error("idle connection not closed")
	}
	wg.Wait()
	if _, err := busy.tryReply(); err == nil {
		t.Error("connection in DATA not closed")
	}
	if n := e.count(mbox("joe", "INBOX")); n != 0 {
		t.Errorf("a message cut by Close was stored")
	}
	if _, err := net.Dial("tcp", e.tcp); err == nil {
		t.Error("still accepting after Close")
	}
}

// TestCloseWaitsForReplies: a message being committed when Close comes is
// stored and answered before its connection closes.
func TestCloseWaitsForReplies(t *testing.T) {
	release := make(chan struct{})
	reached := make(chan struct{})
	testHookCommit = func() {
		close(reached)
		<-release
	}
	defer func() { testHookCommit = nil }()
	e := newEnv(t)
	idle, _ := hello(t, "tcp", e.tcp)
	c, _ := hello(t, "unix", e.sock)
	c.cmd("250", "MAIL FROM:<s@example.net>")
	c.cmd("250", "RCPT TO:<joe@foo.com>")
	c.cmd("250", "RCPT TO:<ann@foo.com>")
	c.cmd("354", "DATA")
	c.write([]byte("Subject: in flight\r\n\r\nbody\r\n.\r\n"))
	<-reached

	closed := make(chan struct{})
	go func() {
		defer close(closed)
		e.srv.Close()
	}()
	if _, err := idle.tryReply(); err == nil {
		t.Error("idle connection not closed")
	}
	time.Sleep(50 * time.Millisecond)
	select {
	case <-closed:
		t.Fatal("Close returned while a commit was running")
	default:
	}
	close(release)
	c.expect("250 2.0.0 <joe@foo.com>")
	c.expect("250 2.0.0 <ann@foo.com>")
	if _, err := c.tryReply(); err == nil {
		t.Error("connection open after its replies")
	}
	<-closed
	if n := e.count(mbox("joe", "INBOX")) + e.count(mbox("ann", "INBOX")); n != 2 {
		t.Errorf("%d stored, want 2", n)
	}
}
