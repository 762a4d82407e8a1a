package lmtp

import (
	"bytes"
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

func TestLHLOExtensions(t *testing.T) {
	e := newEnv(t, envConfig{opts: Options{MaxMessageSize: 123456}})
	_, lines := hello(t, "tcp", e.tcp)
	got := map[string]bool{}
	for _, l := range lines[1:] {
		got[l[4:]] = true
	}
	for _, want := range []string{"PIPELINING", "ENHANCEDSTATUSCODES", "8BITMIME", "SIZE 123456", "CHUNKING", "BINARYMIME"} {
		if !got[want] {
			t.Errorf("LHLO lacks %s: %q", want, lines)
		}
	}
	if !strings.HasPrefix(lines[0], "250-") {
		t.Errorf("LHLO first line %q", lines[0])
	}
}

func TestSizeDefaultsToStoreLimit(t *testing.T) {
	e := newEnv(t)
	_, lines := hello(t, "unix", e.sock)
	want := fmt.Sprintf("SIZE %d", e.st.MaxMessageSize())
	if !strings.Contains(strings.Join(lines, "\n"), want) {
		t.Errorf("LHLO %q lacks %s", lines, want)
	}
}

func TestGreetingWithoutLHLO(t *testing.T) {
	e := newEnv(t)
	c := dial(t, "tcp", e.tcp)
	c.cmd("500 5.5.1", "HELO x")
	c.cmd("502", "MAIL FROM:<a@b.c>")
	c.cmd("250", "LHLO x")
}

// TestTraceFields: the stored message is the Return-Path, the Received
// field for this hop, and then the client's message, byte for byte.
func TestTraceFields(t *testing.T) {
	e := newEnv(t)
	c, _ := hello(t, "tcp", e.tcp)
	c.cmd("250", "MAIL FROM:<sender@example.net>")
	c.cmd("250", "RCPT TO:<joe@foo.com>")
	msg := []byte("Subject: hi\r\n\r\nhello\r\n")
	if r := c.data(msg, 1); !strings.HasPrefix(r[0], "250 2.0.0 <joe@foo.com> ") || !strings.HasSuffix(r[0], " Saved") {
		t.Fatalf("DATA reply %q", r[0])
	}
	got := e.messages(mbox("joe", "INBOX"))
	if len(got) != 1 {
		t.Fatalf("%d messages", len(got))
	}
	rp, rcv, body := splitTrace(t, got[0])
	if rp != "Return-Path: <sender@example.net>" {
		t.Errorf("Return-Path %q", rp)
	}
	for _, want := range []string{"Received: from client.test ([127.0.0.1])", "by mstore.test (mstore) with LMTP id ", "for <joe@foo.com>;"} {
		if !strings.Contains(rcv, want) {
			t.Errorf("Received %q lacks %q", rcv, want)
		}
	}
	if !bytes.Equal(body, msg) {
		t.Errorf("body %q, want %q", body, msg)
	}

	// A bounce has an empty Return-Path; two recipients are not named.
	c.cmd("250", "MAIL FROM:<>")
	c.cmd("250", "RCPT TO:<joe@foo.com>")
	c.cmd("250", "RCPT TO:<ann@foo.com>")
	c.data(msg, 2)
	got = e.messages(mbox("ann", "INBOX"))
	rp, rcv, _ = splitTrace(t, got[0])
	if rp != "Return-Path: <>" || strings.Contains(rcv, "for <") {
		t.Errorf("bounce to two: %q %q", rp, rcv)
	}
}

func TestUnknownAndAddressForms(t *testing.T) {
	e := newEnv(t)
	c, _ := hello(t, "unix", e.sock)
	c.cmd("250", "MAIL FROM:<s@example.net>")
	c.cmd("550 5.1.1", "RCPT TO:<nobody@foo.com>")
	c.cmd("550 5.1.1", "RCPT TO:<joe@bar.com>")
	c.cmd("250", "RCPT TO:<joe@FOO.COM>") // domain without case
	c.cmd("501", "RCPT TO:<>")
	c.data([]byte("Subject: x\r\n\r\nx\r\n"), 1)
	if n := e.count(mbox("joe", "INBOX")); n != 1 {
		t.Errorf("joe has %d", n)
	}
}

func TestPlusAddressing(t *testing.T) {
	e := newEnv(t)
	c, _ := hello(t, "tcp", e.tcp)
	cases := []struct{ rcpt, folder string }{
		{"joe+lists@foo.com", "lists"},   // p granted to anyone
		{"joe+LISTS@foo.com", "lists"},   // a folder named without case
		{"joe+private@foo.com", "INBOX"}, // no p: the INBOX, and the sender learns nothing
		{"joe+nosuch@foo.com", "INBOX"},
		{"joe@foo.com", "INBOX"},
	}
	want := map[string]int{}
	for i, tc := range cases {
		c.cmd("250", "MAIL FROM:<s@example.net>")
		c.cmd("250", "RCPT TO:<%s>", tc.rcpt)
		r := c.data([]byte(fmt.Sprintf("Subject: %d\r\n\r\n%d\r\n", i, i)), 1)
		if !strings.HasPrefix(r[0], "250 2.0.0") {
			t.Errorf("%s: %q", tc.rcpt, r[0])
		}
		want[tc.folder]++
	}
	for _, f := range []string{"lists", "private", "INBOX"} {
		if n := e.count(mbox("joe", f)); n != want[f] {
			t.Errorf("%s has %d, want %d", f, n, want[f])
		}
	}
}

// TestBodiesExact: 8-bit text through DATA, and NUL-free binary through
// DATA and through BDAT, are stored exactly (bare LF made CRLF).
func TestBodiesExact(t *testing.T) {
	e := newEnv(t)
	rng := rand.New(rand.NewSource(1))
	binary := make([]byte, 200<<10)
	for i := range binary {
		binary[i] = byte(1 + rng.Intn(255))
	}
	copy(binary, "Subject: binary\r\n\r\n")
	copy(binary[len(binary)-2:], "\r\n") // DATA ends every message with a line end
	eight := []byte("Subject: =?utf-8?q?gr=C3=BC=C3=9Fe?=\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
		"Grüße aus Köln — ½ € \xff\xfe\r\n.\r\n..two dots\r\n.leading dot\r\nbare lf\nbare cr\rend\r\n")

	c, _ := hello(t, "tcp", e.tcp)
	c.cmd("250", "MAIL FROM:<s@example.net> BODY=8BITMIME")
	c.cmd("250", "RCPT TO:<joe@foo.com>")
	c.data(eight, 1)
	c.cmd("250", "MAIL FROM:<s@example.net>")
	c.cmd("250", "RCPT TO:<joe@foo.com>")
	c.data(binary, 1)

	// BDAT, in three chunks, with no dot-stuffing at all.
	c.cmd("250", "MAIL FROM:<s@example.net> BODY=BINARYMIME")
	c.cmd("250", "RCPT TO:<joe@foo.com>")
	c.cmd("250", "RCPT TO:<ann@foo.com>")
	parts := [][]byte{binary[:1000], binary[1000:150000], binary[150000:]}
	for i, p := range parts {
		last := ""
		if i == len(parts)-1 {
			last = " LAST"
		}
		c.write([]byte(fmt.Sprintf("BDAT %d%s\r\n", len(p), last)))
		c.write(p)
		if last == "" {
			c.expect("250")
		}
	}
	c.expect("250 2.0.0 <joe@foo.com>")
	c.expect("250 2.0.0 <ann@foo.com>")

	got := e.messages(mbox("joe", "INBOX"))
	if len(got) != 3 {
		t.Fatalf("%d messages", len(got))
	}
	for i, want := range [][]byte{eight, binary, binary} {
		_, _, body := splitTrace(t, got[i])
		if !bytes.Equal(body, crlf(want)) {
			t.Errorf("message %d: stored body differs (len %d, want %d)", i+1, len(body), len(crlf(want)))
		}
	}
	ann := e.messages(mbox("ann", "INBOX"))
	if _, _, body := splitTrace(t, ann[0]); !bytes.Equal(body, crlf(binary)) {
		t.Errorf("ann's copy differs")
	}
}
