package wire

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
)

// decFrom returns a decoder over s.
func decFrom(s string, lim DecoderLimits, fn LiteralFunc) *Decoder {
	return NewDecoder(bufio.NewReaderSize(strings.NewReader(s), 64), lim, fn)
}

// decHead reads "tag SP name" and returns the upper-cased name.
func decHead(t testing.TB, d *Decoder) (string, string) {
	t.Helper()
	tag, err := d.ReadTag()
	if err != nil {
		t.Fatalf("ReadTag: %v", err)
	}
	if err := d.ReadSP(); err != nil {
		t.Fatalf("ReadSP after tag %q: %v", tag, err)
	}
	name, err := d.ReadAtom()
	if err != nil {
		t.Fatalf("ReadAtom: %v", err)
	}
	return tag, strings.ToUpper(name)
}

// decExpectNoop checks that, after the command under test and Discard if
// it failed, the next command is "Z NOOP" and the input then ends.
func decExpectNoop(t testing.TB, d *Decoder) {
	t.Helper()
	if err := d.Discard(); err != nil {
		t.Fatalf("Discard: %v", err)
	}
	tag, name := decHead(t, d)
	if tag != "Z" || name != "NOOP" {
		t.Fatalf("next command = %q %q, want Z NOOP", tag, name)
	}
	if err := d.ReadCRLF(); err != nil {
		t.Fatalf("ReadCRLF after NOOP: %v", err)
	}
	if _, err := d.ReadTag(); err != io.EOF {
		t.Fatalf("after last command: %v, want io.EOF", err)
	}
}

// decRun feeds "A CMD" + args + "Z NOOP\r\n" through parse and checks that
// the NOOP is read whatever parse returned.
func decRun[T any](t testing.TB, args string, parse func(*Decoder) (T, error)) (T, error) {
	t.Helper()
	d := decFrom("A CMD"+args+"Z NOOP\r\n", DecoderLimits{}, nil)
	decHead(t, d)
	v, err := parse(d)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		t.Errorf("%q: parser read past the command: %v", args, err)
	}
	decExpectNoop(t, d)
	return v, err
}

// decSyntax checks that err is a *SyntaxError.
func decSyntax(t testing.TB, input string, err error) {
	t.Helper()
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Errorf("%q: error %v (%T), want *SyntaxError", input, err, err)
	}
}

func TestDecodeTokens(t *testing.T) {
	d := decFrom("a1.b ATOM \"q \\\" \\\\ x\" astr]ing {3}\r\nlit NIL \"nn\" 4294967295 0 18446744073709551615\r\n", DecoderLimits{}, nil)
	tag, err := d.ReadTag()
	if err != nil || tag != "a1.b" {
		t.Fatalf("tag %q %v", tag, err)
	}
	steps := []func() (string, error){
		d.ReadAtom,
		d.ReadQuoted,
		d.ReadAString,
		d.ReadAString,
		func() (string, error) {
			s, ok, err := d.ReadNString()
			if ok {
				return "not nil: " + s, err
			}
			return "NIL", err
		},
		func() (string, error) {
			s, ok, err := d.ReadNString()
			if !ok {
				return "nil", err
			}
			return s, err
		},
	}
	want := []string{"ATOM", `q " \ x`, "astr]ing", "lit", "NIL", "nn"}
	for i, step := range steps {
		if err := d.ReadSP(); err != nil {
			t.Fatalf("step %d SP: %v", i, err)
		}
		got, err := step()
		if err != nil || got != want[i] {
			t.Fatalf("step %d = %q, %v; want %q", i, got, err, want[i])
		}
	}
	d.ReadSP()
	if n, err := d.ReadNumber(); err != nil || n != 4294967295 {
		t.Fatalf("ReadNumber = %d, %v", n, err)
	}
	d.ReadSP()
	if _, err := d.ReadNZNumber(); err == nil {
		t.Fatal("ReadNZNumber accepted 0")
	}
	d.Discard()
	if _, err := d.ReadTag(); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
}

func TestDecodeTokenErrors(t *testing.T) {
	for _, c := range []struct {
		in   string
		read func(d *Decoder) error
	}{
		{"A \r\n", func(d *Decoder) error { _, err := d.ReadAtom(); return err }},
		{"A (x\r\n", func(d *Decoder) error { _, err := d.ReadAtom(); return err }},
		{"A \"abc\r\n", func(d *Decoder) error { _, err := d.ReadQuoted(); return err }},
		{"A \"a\\bc\"\r\n", func(d *Decoder) error { _, err := d.ReadQuoted(); return err }},
		{"A \"a\x00\"\r\n", func(d *Decoder) error { _, err := d.ReadQuoted(); return err }},
		{"A {3}\r\na\x00c\r\n", func(d *Decoder) error { _, err := d.ReadString(); return err }},
		{"A {3x}\r\n", func(d *Decoder) error { _, err := d.ReadString(); return err }},
		{"A {3}x\r\n", func(d *Decoder) error { _, err := d.ReadString(); return err }},
		{"A {99999999999999999999}\r\n", func(d *Decoder) error { _, err := d.ReadString(); return err }},
		{"A 4294967296\r\n", func(d *Decoder) error { _, err := d.ReadNumber(); return err }},
		{"A 9223372036854775808\r\n", func(d *Decoder) error { _, err := d.ReadNumber64(); return err }},
		{"A x\r\n", func(d *Decoder) error { _, err := d.ReadNumber(); return err }},
		{"A NILS\r\n", func(d *Decoder) error { _, _, err := d.ReadNString(); return err }},
		{"A (a b\r\n", func(d *Decoder) error {
			return d.ReadList(func() error { _, err := d.ReadAtom(); return err })
		}},
		{"A (a  b)\r\n", func(d *Decoder) error {
			return d.ReadList(func() error { _, err := d.ReadAtom(); return err })
		}},
		{"A x \r\n", func(d *Decoder) error { d.ReadAtom(); return d.ReadCRLF() }},
		{"A x\ry\r\n", func(d *Decoder) error { d.ReadAtom(); return d.ReadCRLF() }},
	} {
		d := decFrom(c.in+"Z NOOP\r\n", DecoderLimits{}, nil)
		if _, err := d.ReadTag(); err != nil {
			t.Fatal(err)
		}
		if err := d.ReadSP(); err != nil {
			t.Fatal(err)
		}
		err := c.read(d)
		decSyntax(t, c.in, err)
		decExpectNoop(t, d)
	}
}

func TestDecodeTagErrors(t *testing.T) {
	for _, in := range []string{"\r\n", " NOOP\r\n", "+A NOOP\r\n", "(x NOOP\r\n", "\n"} {
		d := decFrom(in+"Z NOOP\r\n", DecoderLimits{}, nil)
		_, err := d.ReadTag()
		decSyntax(t, in, err)
		decExpectNoop(t, d)
	}
}

func TestDecodeBareLF(t *testing.T) {
	d := decFrom("A LOGIN {3}\nabc x\nZ NOOP\n", DecoderLimits{}, nil)
	decHead(t, d)
	u, p, err := ParseLogin(d)
	if err != nil || u != "abc" || p != "x" {
		t.Fatalf("ParseLogin = %q %q %v", u, p, err)
	}
	decExpectNoop(t, d)
}

func TestDecodeEOF(t *testing.T) {
	d := decFrom("", DecoderLimits{}, nil)
	if _, err := d.ReadTag(); err != io.EOF {
		t.Fatalf("empty input: %v", err)
	}
	d = decFrom("A NOO", DecoderLimits{}, nil)
	d.ReadTag()
	d.ReadSP()
	if _, err := d.ReadAtom(); err != io.ErrUnexpectedEOF {
		t.Fatalf("cut command: %v", err)
	}
	if err := d.Discard(); err != io.ErrUnexpectedEOF {
		t.Fatalf("Discard at EOF: %v", err)
	}
	d = decFrom("A LOGIN {10}\r\nabc", DecoderLimits{}, nil)
	decHead(t, d)
	if _, _, err := ParseLogin(d); err != io.ErrUnexpectedEOF {
		t.Fatalf("cut literal: %v", err)
	}
}

func TestDecodeLineTooLong(t *testing.T) {
	lim := DecoderLimits{MaxLineLength: 40}
	long := "A LOGIN " + strings.Repeat("x", 100) + " y\r\n"
	d := decFrom(long+"Z NOOP\r\n", lim, nil)
	decHead(t, d)
	_, _, err := ParseLogin(d)
	var lt *LineTooLongError
	if !errors.As(err, &lt) || lt.Limit != 40 {
		t.Fatalf("err = %v, want LineTooLongError", err)
	}
	decExpectNoop(t, d)

	// Literal bytes do not count, the rest of the command does.
	d = decFrom("A LOGIN {60}\r\n"+strings.Repeat("u", 60)+" p\r\nZ NOOP\r\n", lim, nil)
	decHead(t, d)
	if _, _, err := ParseLogin(d); err != nil {
		t.Fatalf("literal counted against the line: %v", err)
	}
	decExpectNoop(t, d)

	// The limit falling exactly on the line end must not eat the next line.
	for n := 10; n < 20; n++ {
		d = decFrom("A LOGIN u p\r\nZ NOOP\r\n", DecoderLimits{MaxLineLength: n}, nil)
		decHead(t, d)
		if _, _, err := ParseLogin(d); err != nil {
			if !errors.As(err, &lt) {
				t.Fatalf("limit %d: %v", n, err)
			}
		}
		decExpectNoop(t, d)
	}
}

// TestDecodeLimitSplitsHeader hits the line limit at every byte of a
// command with literals, headers included: Discard must still find where
// the command ends.
func TestDecodeLimitSplitsHeader(t *testing.T) {
	in := "A LOGIN {5+}\r\nhello {12+}\r\n(0123456789)\r\n"
	for n := 1; n < len(in); n++ {
		d := decFrom(in+"Z NOOP\r\n", DecoderLimits{MaxLineLength: n}, nil)
		tag, err := d.ReadTag()
		if err == nil {
			if err = d.ReadSP(); err == nil {
				if _, err = d.ReadAtom(); err == nil {
					_, _, err = ParseLogin(d)
				}
			}
		}
		var lt *LineTooLongError
		if err != nil && !errors.As(err, &lt) {
			t.Fatalf("limit %d: tag %q: %v", n, tag, err)
		}
		d.SetLimits(DecoderLimits{})
		decExpectNoop(t, d)
	}
}

func TestDecodeDefaults(t *testing.T) {
	d := decFrom("", DecoderLimits{}, nil)
	l := d.Limits()
	if l.MaxLineLength != DefaultMaxLineLength || l.MaxLiteralSize != DefaultMaxLiteralSize ||
		l.MaxStringBytes != DefaultMaxStringBytes {
		t.Fatalf("defaults = %+v", l)
	}
	d.SetLimits(DecoderLimits{MaxLineLength: 7})
	if d.Limits().MaxLineLength != 7 || d.Limits().MaxStringBytes != DefaultMaxStringBytes {
		t.Fatalf("SetLimits = %+v", d.Limits())
	}
}

func TestDecodeBuffered(t *testing.T) {
	d := decFrom("A STARTTLS\r\nB LOGIN joe pw\r\n", DecoderLimits{}, nil)
	decHead(t, d)
	if err := d.ReadCRLF(); err != nil {
		t.Fatal(err)
	}
	if d.Buffered() == 0 {
		t.Fatal("pipelined command after STARTTLS not reported")
	}
}

func TestDecodeReadTagDiscardsUnfinished(t *testing.T) {
	d := decFrom("A LOGIN {2+}\r\nab c\r\nB NOOP\r\n", DecoderLimits{}, nil)
	decHead(t, d)
	// The server gives up on the command without reading it through.
	tag, err := d.ReadTag()
	if err != nil || tag != "B" {
		t.Fatalf("ReadTag = %q, %v", tag, err)
	}
}

func TestDecodeLineHelpers(t *testing.T) {
	d := decFrom("dGVzdA==\r\n\r\n=\r\n*\r\n!!\r\nDONE\r\ndone\r\nDONX\r\n", DecoderLimits{}, nil)
	for _, want := range []string{"test", "", ""} {
		got, err := ReadSASLResponse(d)
		if err != nil || string(got) != want || got == nil {
			t.Fatalf("ReadSASLResponse = %q, %v; want %q", got, err, want)
		}
	}
	if _, err := ReadSASLResponse(d); err != ErrSASLCancelled {
		t.Fatalf("cancel: %v", err)
	}
	if _, err := ReadSASLResponse(d); err == nil {
		t.Fatal("garbage accepted")
	}
	if err := ReadIdleDone(d); err != nil {
		t.Fatalf("DONE: %v", err)
	}
	if err := ReadIdleDone(d); err != nil {
		t.Fatalf("done: %v", err)
	}
	if err := ReadIdleDone(d); err == nil {
		t.Fatal("DONX accepted")
	}
	if err := d.Discard(); err != nil {
		t.Fatal(err)
	}
	if err := ReadIdleDone(d); err != io.EOF {
		t.Fatalf("at end: %v", err)
	}
}

func TestDecodeErrorTexts(t *testing.T) {
	long := strings.Repeat("X", 500)
	for _, err := range []error{
		&LineTooLongError{Limit: 10},
		&LiteralTooLargeError{Size: 11, Limit: 10},
		&BadCharsetError{Charset: "bad\r\n* OK injected"},
		syntaxErr("Unknown search key %s", long),
		syntaxErr("Unknown right %q", byte(0xff)),
	} {
		msg := err.Error()
		if msg == "" || len(msg) > maxErrText || strings.ContainsAny(msg, "\r\n") || msg[0] == '[' {
			t.Errorf("unfit for BAD: %q", msg)
		}
	}
	// Errors from real input are fit too.
	_, err := decRun(t, " RETURN () CHARSET {12+}\r\nx\r\ny\x01\x7f\xffzzzzz ALL\r\n", ParseSearch)
	var bc *BadCharsetError
	if !errors.As(err, &bc) || strings.ContainsAny(err.Error(), "\r\n\x00\x7f\xff") {
		t.Errorf("charset error %q", err)
	}
}
