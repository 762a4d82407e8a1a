package main

import (
	"bytes"
	"net/mail"
	"testing"
	"time"
)

func fixedGen(size int, to ...string) *messageGen {
	g := newMessageGen("bench@example.net", to, size)
	g.now = func() time.Time { return time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC) }
	return g
}

func TestBuildExactSize(t *testing.T) {
	g := fixedGen(0, "user1@example.com")
	minimum := len(g.build(0)) // header, empty line, empty body line
	for _, size := range []int{0, 10, minimum, minimum + 1, minimum + 2, minimum + 3,
		minimum + 5, minimum + 77, minimum + 78, minimum + 79, minimum + 80, 1000, 4096, 4097, 65536, 1 << 20} {
		for n := range 3 {
			g.size = size
			msg := g.build(n)
			want := max(size, minimum)
			if n > 0 && size <= minimum {
				want = len(msg) // the sequence number may add a digit to the header
			}
			if len(msg) != want {
				t.Errorf("size %d, message %d: got %d bytes, want %d", size, n, len(msg), want)
			}
			checkWellFormed(t, msg)
		}
	}
}

// checkWellFormed checks what servers and the dot-stuffing rely on.
func checkWellFormed(t *testing.T, msg []byte) {
	t.Helper()
	if !bytes.HasSuffix(msg, []byte("\r\n")) {
		t.Fatalf("message does not end in CRLF: %q", msg[max(0, len(msg)-20):])
	}
	lines := bytes.Split(msg[:len(msg)-2], []byte("\r\n"))
	for i, l := range lines {
		if bytes.ContainsAny(l, "\r\n") {
			t.Fatalf("line %d has a bare CR or LF: %q", i, l)
		}
		if len(l) > 78 {
			t.Fatalf("line %d is %d characters long: %q", i, len(l), l)
		}
		if bytes.HasPrefix(l, []byte(".")) {
			t.Fatalf("line %d starts with a dot", i)
		}
		if bytes.HasSuffix(l, []byte(" ")) {
			t.Fatalf("line %d ends in a space: %q", i, l)
		}
	}
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatalf("net/mail cannot read the message: %v", err)
	}
	for _, h := range []string{"Date", "From", "To", "Subject", "Message-Id"} {
		if m.Header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
}

func TestBuildUniqueMessageIDs(t *testing.T) {
	a := fixedGen(2048, "a@example.com", "b@example.com")
	b := fixedGen(2048, "a@example.com")
	seen := map[string]bool{}
	for _, g := range []*messageGen{a, b} {
		for n := range 200 {
			m, err := mail.ReadMessage(bytes.NewReader(g.build(n)))
			if err != nil {
				t.Fatal(err)
			}
			id := m.Header.Get("Message-Id")
			if seen[id] {
				t.Fatalf("Message-ID %s repeated", id)
			}
			seen[id] = true
		}
	}
	if to := fixedGen(100, "a@example.com", "b@example.com").build(0); !bytes.Contains(to, []byte("To: a@example.com,\r\n b@example.com\r\n")) {
		t.Errorf("several recipients are not folded into To:\n%s", to)
	}
}

func TestBuildIsRepeatable(t *testing.T) {
	g := fixedGen(8192, "a@example.com")
	if !bytes.Equal(g.build(7), g.build(7)) {
		t.Error("the same message number gave different messages")
	}
	if bytes.Equal(g.build(7)[300:], g.build(8)[300:]) {
		t.Error("two messages have the same body")
	}
}

func TestAppendDotStuffed(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ".\r\n"},
		{"a\r\n", "a\r\n.\r\n"},
		{"a", "a\r\n.\r\n"},
		{".\r\n", "..\r\n.\r\n"},
		{"x\r\n.hidden\r\n..two\r\nend.\r\n", "x\r\n..hidden\r\n...two\r\nend.\r\n.\r\n"},
		{"bare\nlf\n.dot\n", "bare\r\nlf\r\n..dot\r\n.\r\n"},
		{"\r\n\r\n", "\r\n\r\n.\r\n"},
	} {
		if got := string(appendDotStuffed(nil, []byte(tc.in))); got != tc.want {
			t.Errorf("appendDotStuffed(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
