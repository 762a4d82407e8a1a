package lmtp

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"mstore/store"
)

const testLimit = 10000

// sized returns a message of exactly n octets with CRLF line ends.
func sized(n int) []byte {
	head := "Subject: sized\r\n\r\n"
	b := bytes.Repeat([]byte("x"), n)
	copy(b, head)
	for i := len(head) + 70; i < n-2; i += 72 {
		b[i], b[i+1] = '\r', '\n'
	}
	b[n-2], b[n-1] = '\r', '\n'
	return b
}

func TestSizeLimit(t *testing.T) {
	e := newEnv(t, envConfig{opts: Options{MaxMessageSize: testLimit}})
	c, _ := hello(t, "tcp", e.tcp)

	// Announced too big: refused at MAIL.
	c.cmd("552 5.3.4", "MAIL FROM:<s@example.net> SIZE=%d", testLimit+1)
	c.cmd("250", "MAIL FROM:<s@example.net> SIZE=%d", testLimit)
	c.cmd("250", "RSET")

	// One octet over, not announced: refused after the data, for every
	// recipient, and the session goes on.
	c.cmd("250", "MAIL FROM:<s@example.net>")
	c.cmd("250", "RCPT TO:<joe@foo.com>")
	c.cmd("250", "RCPT TO:<ann@foo.com>")
	for _, r := range c.data(sized(testLimit+1), 2) {
		if !strings.HasPrefix(r, "552 5.3.4") {
			t.Errorf("over the limit: %q", r)
		}
	}
	c.cmd("250", "NOOP")
	if n := e.count(mbox("joe", "INBOX")) + e.count(mbox("ann", "INBOX")); n != 0 {
		t.Fatalf("%d messages stored", n)
	}

	// Just under the limit: stored, although the trace fields make the
	// stored message bigger than the limit.
	c.cmd("250", "MAIL FROM:<s@example.net>")
	c.cmd("250", "RCPT TO:<joe@foo.com>")
	if r := c.data(sized(testLimit-1), 1); !strings.HasPrefix(r[0], "250") {
		t.Errorf("under the limit: %q", r[0])
	}

	// BDAT: the limit exactly is stored, one more octet refused.
	for _, tc := range []struct {
		n    int
		want string
	}{{testLimit, "250 2.0.0"}, {testLimit + 1, "552 5.3.4"}} {
		c.cmd("250", "MAIL FROM:<s@example.net>")
		c.cmd("250", "RCPT TO:<ann@foo.com>")
		msg := sized(tc.n)
		c.send("BDAT %d LAST", len(msg))
		c.write(msg)
		if r := c.reply(); !strings.HasPrefix(r, tc.want) {
			t.Errorf("BDAT of %d: %q", tc.n, r)
		}
		c.cmd("250", "RSET")
	}
	// BDAT in chunks that pass the limit together: the chunk that passes
	// it is refused, the transaction dropped, the session goes on.
	c.cmd("250", "MAIL FROM:<s@example.net> BODY=BINARYMIME")
	c.cmd("250", "RCPT TO:<joe@foo.com>")
	msg := sized(testLimit + 100)
	c.send("BDAT 6000")
	c.write(msg[:6000])
	c.expect("250")
	c.send("BDAT %d LAST", len(msg)-6000)
	c.write(msg[6000:])
	c.expect("552 5.3.4")
	c.cmd("250", "NOOP")

	if n := e.count(mbox("joe", "INBOX")); n != 1 {
		t.Errorf("joe has %d, want 1", n)
	}
	if n := e.count(mbox("ann", "INBOX")); n != 1 {
		t.Errorf("ann has %d, want 1", n)
	}
}

// TestTraceNotCounted: the trace fields the server adds do not count
// against the size limit, so a message just under the store's limit,
// which the sender's SIZE rightly declared within it, is taken.
func TestTraceNotCounted(t *testing.T) {
	e := newEnv(t, envConfig{storeFn: func(o *store.Options) { o.MaxMessageSize = 10000 }})
	c, _ := hello(t, "tcp", e.tcp)
	c.cmd("250", "MAIL FROM:<s@example.net> SIZE=9999")
	c.cmd("250", "RCPT TO:<joe@foo.com>")
	if r := c.data(sized(9999), 1); !strings.HasPrefix(r[0], "250") {
		t.Fatalf("a message of 9,999 octets under a limit of 10,000: %q", r[0])
	}
}

// TestCutOff: a client that goes on sending far past the limit is cut off,
// nothing is stored, and the server serves others on.
func TestCutOff(t *testing.T) {
	e := newEnv(t, envConfig{opts: Options{MaxMessageSize: testLimit}})
	c, _ := hello(t, "tcp", e.tcp)
	c.cmd("250", "MAIL FROM:<s@example.net>")
	c.cmd("250", "RCPT TO:<joe@foo.com>")
	c.cmd("354", "DATA")
	line := []byte(strings.Repeat("y", 78) + "\r\n")
	sent, werr := 0, error(nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.conn.SetWriteDeadline(time.Now().Add(20 * time.Second))
		for sent < 8<<20 {
			var n int
			if n, werr = c.conn.Write(bytes.Repeat(line, 64)); werr != nil {
				return
			}
			sent += n
		}
	}()
	<-done
	if werr == nil {
		t.Fatalf("server read all %d octets without cutting the client off", sent)
	}
	t.Logf("cut off after %d octets written: %v", sent, werr)
	if n := e.count(mbox("joe", "INBOX")); n != 0 {
		t.Errorf("%d messages stored", n)
	}
	d, _ := hello(t, "tcp", e.tcp)
	d.cmd("250", "NOOP")
}
