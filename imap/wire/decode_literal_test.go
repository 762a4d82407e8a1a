package wire

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"
)

// decPipeClient plays a client that sends parts[0], then each further
// part only once the server has called back (sent a continuation), as real
// clients do with synchronising literals. A decoder that read literal bytes
// before calling back would block until the timeout closes the pipe.
func decPipeClient(t *testing.T, parts ...string) (*bufio.Reader, chan<- LiteralInfo) {
	pr, pw := io.Pipe()
	ready := make(chan LiteralInfo, len(parts))
	stop := make(chan struct{})
	timer := time.AfterFunc(5*time.Second, func() {
		pw.CloseWithError(errors.New("timeout: literal read before the continuation"))
		close(stop)
	})
	t.Cleanup(func() { timer.Stop() })
	go func() {
		for i, p := range parts {
			if i > 0 {
				select {
				case <-ready:
				case <-stop:
					return
				}
			}
			io.WriteString(pw, p)
		}
		pw.Close()
	}()
	return bufio.NewReader(pr), ready
}

func TestDecodeSyncLiteralWaitsForCallback(t *testing.T) {
	r, ready := decPipeClient(t, "A LOGIN {4}\r\n", "user {6}\r\n", "secret\r\nZ NOOP\r\n")
	var seen []LiteralInfo
	d := NewDecoder(r, DecoderLimits{}, func(li LiteralInfo) error {
		seen = append(seen, li)
		ready <- li
		return nil
	})
	decHead(t, d)
	u, p, err := ParseLogin(d)
	if err != nil || u != "user" || p != "secret" {
		t.Fatalf("ParseLogin = %q %q %v", u, p, err)
	}
	decExpectNoop(t, d)
	if len(seen) != 2 || seen[0] != (LiteralInfo{Size: 4}) || seen[1] != (LiteralInfo{Size: 6}) {
		t.Fatalf("callbacks = %+v", seen)
	}
}

// TestDecodeSyncAppendWaitsForCallback does the same for a message body
// read as a stream: the continuation goes out on the body's first Read.
func TestDecodeSyncAppendWaitsForCallback(t *testing.T) {
	r, ready := decPipeClient(t, "A APPEND INBOX (\\Seen) {5}\r\n", "hello\r\nZ NOOP\r\n")
	d := NewDecoder(r, DecoderLimits{}, func(li LiteralInfo) error {
		ready <- li
		return nil
	})
	decHead(t, d)
	var body []byte
	n, err := ParseAppend(d, func(m *AppendMessage) error {
		var err error
		body, err = io.ReadAll(m.Body)
		return err
	})
	if err != nil || n != 1 || string(body) != "hello" {
		t.Fatalf("ParseAppend = %d %v %q", n, err, body)
	}
	decExpectNoop(t, d)
}

func TestDecodeNonSyncLiteral(t *testing.T) {
	var seen []LiteralInfo
	d := decFrom("A LOGIN {4+}\r\nuser {0+}\r\n\r\nZ NOOP\r\n", DecoderLimits{}, func(li LiteralInfo) error {
		seen = append(seen, li)
		return nil
	})
	decHead(t, d)
	u, p, err := ParseLogin(d)
	if err != nil || u != "user" || p != "" {
		t.Fatalf("ParseLogin = %q %q %v", u, p, err)
	}
	decExpectNoop(t, d)
	want := []LiteralInfo{{Size: 4, NonSync: true}, {Size: 0, NonSync: true}}
	if len(seen) != 2 || seen[0] != want[0] || seen[1] != want[1] {
		t.Fatalf("callbacks = %+v", seen)
	}
}

func TestDecodeLiteral8Append(t *testing.T) {
	body := "a\x00b\r\n"
	var got []byte
	var info LiteralInfo
	d := decFrom("A APPEND INBOX ~{5}\r\n"+body+"\r\nZ NOOP\r\n", DecoderLimits{}, func(li LiteralInfo) error {
		info = li
		return nil
	})
	decHead(t, d)
	n, err := ParseAppend(d, func(m *AppendMessage) error {
		if !m.Body.Binary() || m.Body.Size() != 5 {
			t.Errorf("body binary=%v size=%d", m.Body.Binary(), m.Body.Size())
		}
		got, _ = io.ReadAll(m.Body)
		return nil
	})
	if err != nil || n != 1 || string(got) != body {
		t.Fatalf("ParseAppend = %d %v, body %q", n, err, got)
	}
	if info != (LiteralInfo{Size: 5, Binary: true}) {
		t.Fatalf("callback info %+v", info)
	}
	decExpectNoop(t, d)

	// literal8 is only for message data.
	_, err = decRun(t, " ~{1+}\r\nx x\r\n", func(d *Decoder) (string, error) {
		u, _, err := ParseLogin(d)
		return u, err
	})
	decSyntax(t, "literal8 in LOGIN", err)
}

var errRefused = errors.New("refused")

func TestDecodeRefusedLiteral(t *testing.T) {
	refuse := func(li LiteralInfo) error {
		if li.Size > 3 {
			return errRefused
		}
		return nil
	}
	for _, c := range []struct {
		name, in string
	}{
		// The client sends nothing after a refused synchronising literal.
		{"sync", "A LOGIN {10}\r\n"},
		{"sync after others", "A LOGIN {2+}\r\nab {10}\r\n"},
		// A refused non-synchronising literal arrives anyway, and the line
		// goes on after it, maybe with more literals.
		{"nonsync", "A LOGIN {10+}\r\n0123456789 pw\r\n"},
		{"nonsync then more", "A LOGIN {10+}\r\n0123456789 {5+}\r\nab\r\nc more {4+}\r\n\r\n\r\n trail\r\n"},
		{"nonsync then sync", "A LOGIN {10+}\r\n0123456789 {5}\r\n"},
	} {
		d := decFrom(c.in+"Z NOOP\r\n", DecoderLimits{}, refuse)
		decHead(t, d)
		if _, _, err := ParseLogin(d); err != errRefused {
			t.Fatalf("%s: err = %v", c.name, err)
		}
		decExpectNoop(t, d)
	}
}

func TestDecodeLiteralLimits(t *testing.T) {
	called := 0
	count := func(LiteralInfo) error { called++; return nil }
	lim := DecoderLimits{MaxLiteralSize: 100, MaxStringBytes: 10}
	for _, c := range []struct {
		name, in string
		append   bool
	}{
		{"string sync", "A LOGIN {11}\r\n", false},
		{"string nonsync", "A LOGIN {11+}\r\nabcdefghijk pw\r\n", false},
		// The budget is per command: 6 + 6 passes 10.
		{"string budget", "A LOGIN {6+}\r\nabcdef {6}\r\n", false},
		{"append sync", "A APPEND INBOX {101}\r\n", true},
		{"append nonsync", "A APPEND INBOX {101+}\r\n" + strings.Repeat("x", 101) + "\r\n", true},
	} {
		called = 0
		d := decFrom(c.in+"Z NOOP\r\n", lim, count)
		decHead(t, d)
		var err error
		if c.append {
			_, err = ParseAppend(d, func(m *AppendMessage) error {
				t.Errorf("%s: callback called for a literal over the limit", c.name)
				return nil
			})
		} else {
			_, _, err = ParseLogin(d)
		}
		var lt *LiteralTooLargeError
		if !errors.As(err, &lt) {
			t.Fatalf("%s: err = %v", c.name, err)
		}
		if c.name != "string budget" && called != 0 {
			t.Errorf("%s: LiteralFunc called for a literal over the limit", c.name)
		}
		decExpectNoop(t, d)
	}
	// At the limit is fine.
	d := decFrom("A LOGIN {10}\r\n0123456789 x\r\nZ NOOP\r\n", lim, nil)
	decHead(t, d)
	if u, _, err := ParseLogin(d); err != nil || u != "0123456789" {
		t.Fatalf("at limit: %q %v", u, err)
	}
	decExpectNoop(t, d)
}

func TestDecodeAppendCallbackRefuses(t *testing.T) {
	accepted := 0
	onLit := func(LiteralInfo) error { accepted++; return nil }
	for _, c := range []struct {
		name, in string
		wantLit  int // continuation requests sent
	}{
		{"sync, refused before reading", "A APPEND INBOX (\\Seen) {5}\r\n", 0},
		{"nonsync, refused before reading", "A APPEND INBOX {5+}\r\nhello\r\n", 0},
		{"multi, second refused", "A APPEND INBOX {5}\r\nhello {5}\r\n", 1},
	} {
		accepted = 0
		d := decFrom(c.in+"Z NOOP\r\n", DecoderLimits{}, onLit)
		decHead(t, d)
		calls := 0
		_, err := ParseAppend(d, func(m *AppendMessage) error {
			calls++
			if calls == 1 && strings.Contains(c.name, "multi") {
				_, err := io.ReadAll(m.Body)
				return err
			}
			return errRefused
		})
		if err != errRefused {
			t.Fatalf("%s: err = %v", c.name, err)
		}
		if accepted != c.wantLit {
			t.Errorf("%s: %d literals accepted, want %d", c.name, accepted, c.wantLit)
		}
		decExpectNoop(t, d)
	}
}

func TestDecodeAppendPartialRead(t *testing.T) {
	// The callback reads part of the body, then fails: the rest is skipped.
	d := decFrom("A APPEND INBOX {10}\r\n0123456789 {3+}\r\nabc\r\nZ NOOP\r\n", DecoderLimits{}, nil)
	decHead(t, d)
	_, err := ParseAppend(d, func(m *AppendMessage) error {
		buf := make([]byte, 4)
		io.ReadFull(m.Body, buf)
		return errRefused
	})
	if err != errRefused {
		t.Fatalf("err = %v", err)
	}
	decExpectNoop(t, d)

	// A callback that returns nil without reading: the body is skipped
	// and the command goes on.
	var kept *LiteralReader
	n, err := decRun(t, " INBOX {10}\r\n0123456789 {3}\r\nabc\r\n", func(d *Decoder) (int, error) {
		return ParseAppend(d, func(m *AppendMessage) error { kept = m.Body; return nil })
	})
	if err != nil || n != 2 {
		t.Fatalf("ParseAppend = %d %v", n, err)
	}
	if _, err := kept.Read(make([]byte, 1)); err == nil {
		t.Fatal("LiteralReader readable after its callback")
	}
}

func TestDecodeCannotResync(t *testing.T) {
	d := decFrom("A FOO {99999999999999999999999+}\r\nxx\r\n", DecoderLimits{}, nil)
	decHead(t, d)
	if err := d.Discard(); err != ErrCannotResync {
		t.Fatalf("Discard = %v", err)
	}
	// A synchronising one that large just ends the command.
	d = decFrom("A FOO {99999999999999999999999}\r\nZ NOOP\r\n", DecoderLimits{}, nil)
	decHead(t, d)
	decExpectNoop(t, d)
}

// decPattern is an endless source of a repeating, non-trivial pattern.
type decPattern struct{ n int }

func (p *decPattern) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte('a' + p.n%26)
		if p.n%78 == 77 {
			b[i] = '\n'
		}
		p.n++
	}
	return len(b), nil
}

func TestDecodeLargeLiteralStream(t *testing.T) {
	const size = 10 << 20
	want := sha256.New()
	io.CopyN(want, &decPattern{}, size)
	src := io.MultiReader(
		strings.NewReader("A APPEND Archive (\\Seen $Work) \"05-Mar-2024 09:08:07 +0100\" {10485760+}\r\n"),
		io.LimitReader(&decPattern{}, size),
		strings.NewReader("\r\nZ NOOP\r\n"),
	)
	d := NewDecoder(bufio.NewReader(src), DecoderLimits{MaxLiteralSize: size}, nil)
	decHead(t, d)
	got := sha256.New()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	n, err := ParseAppend(d, func(m *AppendMessage) error {
		if m.Mailbox != "Archive" || len(m.Options.Flags) != 2 || m.Options.Time.IsZero() {
			t.Errorf("message = %+v", m)
		}
		_, err := io.CopyBuffer(got, m.Body, make([]byte, 32<<10))
		return err
	})
	runtime.ReadMemStats(&after)
	if err != nil || n != 1 {
		t.Fatalf("ParseAppend = %d %v", n, err)
	}
	if !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Fatal("body differs")
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2<<20 {
		t.Errorf("reading a 10 MiB body allocated %d bytes", alloc)
	}
	decExpectNoop(t, d)
}
