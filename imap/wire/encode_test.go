package wire

import (
	"bufio"
	"bytes"
	"errors"
	"hash/crc32"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

// render runs f on an Encoder over a buffer and returns what it wrote.
func render(t testing.TB, utf8Mode bool, f func(e *Encoder)) string {
	t.Helper()
	var buf bytes.Buffer
	e := NewEncoder(bufio.NewWriter(&buf))
	e.SetUTF8(utf8Mode)
	f(e)
	if err := e.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	return buf.String()
}

func TestStringForms(t *testing.T) {
	long := strings.Repeat("a", encMaxQuoted)
	for _, c := range []struct {
		kind string // "s" string, "a" astring, "n" nstring
		utf8 bool
		in   string
		want string
	}{
		{"a", false, "INBOX", "INBOX"},
		{"a", false, "foo]bar", "foo]bar"},
		{"a", false, "a.b-c_d+e$f&g", "a.b-c_d+e$f&g"},
		{"a", false, "", `""`},
		{"a", false, "NIL", `"NIL"`},
		{"a", false, "nil", `"nil"`},
		{"a", false, "NILS", "NILS"},
		{"a", false, "a b", `"a b"`},
		{"a", false, "a(b", `"a(b"`},
		{"a", false, "a)b", `"a)b"`},
		{"a", false, "a{b", `"a{b"`},
		{"a", false, "50%", `"50%"`},
		{"a", false, "a*", `"a*"`},
		{"a", false, `a"b`, `"a\"b"`},
		{"a", false, `a\b`, `"a\\b"`},
		{"a", false, `\"`, `"\\\""`},
		{"a", false, "tab\there", "\"tab\there\""},
		{"a", false, "del\x7f", "\"del\x7f\""},
		{"a", false, strings.Repeat("x", 3000), strings.Repeat("x", 3000)},
		{"a", true, "Grüße", `"Grüße"`},
		{"a", false, "Grüße", "{7}\r\nGrüße"},
		{"s", false, "INBOX", `"INBOX"`},
		{"s", false, "", `""`},
		{"s", false, "a\r\nb", "{4}\r\na\r\nb"},
		{"s", false, "a\rb", "{3}\r\na\rb"},
		{"s", false, "a\nb", "{3}\r\na\nb"},
		{"s", true, "a\nb", "{3}\r\na\nb"},
		{"s", false, "a\x00b", "{3}\r\na\x00b"},
		{"s", false, "日本", "{6}\r\n日本"},
		{"s", true, "日本", `"日本"`},
		{"s", true, "😀 \"x\"", `"😀 \"x\""`},
		{"s", true, "bad\xffutf8", "{8}\r\nbad\xffutf8"},
		{"s", false, long, `"` + long + `"`},
		{"s", false, long + "b", "{1025}\r\n" + long + "b"},
		{"s", true, strings.Repeat("ü", 513), "{1026}\r\n" + strings.Repeat("ü", 513)},
		{"n", false, "", "NIL"},
		{"n", false, "NIL", `"NIL"`},
		{"n", false, "x", `"x"`},
		{"n", false, "x\r\n", "{3}\r\nx\r\n"},
	} {
		got := render(t, c.utf8, func(e *Encoder) {
			switch c.kind {
			case "a":
				e.AString(c.in)
			case "s":
				e.String(c.in)
			case "n":
				e.NString(c.in)
			}
		})
		if got != c.want {
			t.Errorf("%s(%q) utf8=%v = %q, want %q", c.kind, c.in, c.utf8, got, c.want)
		}
	}
}

func TestTokens(t *testing.T) {
	got := render(t, false, func(e *Encoder) {
		e.Atom("*").SP().Atom("OK").SP().BeginCode("UIDVALIDITY").SP().Number(3857529045).EndCode().
			SP().Text("UIDs valid").CRLF()
		e.Atom("*").SP().Number(12).SP().Atom("FETCH").SP().BeginList().
			Atom("MODSEQ").SP().BeginList().Number64(1<<62 + 7).EndList().SP().
			Atom("X").SP().NIL().EndList().CRLF()
		e.Atom("A1").SP().Atom("OK").SP().BeginCode("READ-WRITE").EndCode().SP().Text("done").CRLF()
	})
	want := "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n" +
		"* 12 FETCH (MODSEQ (4611686018427387911) X NIL)\r\n" +
		"A1 OK [READ-WRITE] done\r\n"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestText(t *testing.T) {
	for _, c := range []struct {
		utf8     bool
		in, want string
	}{
		{false, "plain [text] \"q\" \\", "plain [text] \"q\" \\"},
		{false, "two\r\nlines", "two  lines"},
		{false, "nul\x00", "nul "},
		{false, "Grüße", "Gr??e"},
		{true, "Grüße", "Grüße"},
		{true, "bad\xff\xfe", "bad??"},
		{true, "cut\xe6\x97", "cut??"},
	} {
		if got := render(t, c.utf8, func(e *Encoder) { e.Text(c.in) }); got != c.want {
			t.Errorf("Text(%q) utf8=%v = %q, want %q", c.in, c.utf8, got, c.want)
		}
	}
}

func TestNumSet(t *testing.T) {
	for _, c := range []struct {
		set  imap.NumSet
		want string
	}{
		{imap.SeqSetNum(1, 2, 3, 5), "1:3,5"},
		{imap.SeqSetNum(7), "7"},
		{imap.SeqSet{{Start: 1, Stop: 0}}, "1:*"},
		{imap.SeqSet{{Start: 0, Stop: 0}}, "*"},
		{imap.SeqSet{{Start: 4294967295, Stop: 4294967295}}, "4294967295"},
		{imap.UIDSet{{Start: 4, Stop: 4}, {Start: 7, Stop: 9}, {Start: 20, Stop: 0}}, "4,7:9,20:*"},
		{imap.UIDSetNum(3, 4, 10), "3:4,10"},
		{imap.SearchRes(), "$"},
	} {
		if got := render(t, false, func(e *Encoder) { e.NumSet(c.set) }); got != c.want {
			t.Errorf("NumSet(%v) = %q, want %q", c.set, got, c.want)
		}
	}
}

func TestDateTime(t *testing.T) {
	for _, c := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC), `"01-Jan-2024 10:00:00 +0000"`},
		{time.Date(1996, 7, 17, 2, 44, 25, 0, time.FixedZone("", -7*3600)), `"17-Jul-1996 02:44:25 -0700"`},
		{time.Date(2023, 12, 31, 23, 59, 59, 999, time.FixedZone("", 5*3600+30*60)), `"31-Dec-2023 23:59:59 +0530"`},
		{time.Date(2025, 3, 9, 0, 0, 0, 0, time.FixedZone("", -(3*3600+30*60))), `"09-Mar-2025 00:00:00 -0330"`},
	} {
		if got := render(t, false, func(e *Encoder) { e.DateTime(c.t) }); got != c.want {
			t.Errorf("DateTime(%v) = %s, want %s", c.t, got, c.want)
		}
	}
}

func TestFlags(t *testing.T) {
	got := render(t, false, func(e *Encoder) {
		e.Flags([]imap.Flag{imap.FlagSeen, "$Forwarded", "bad flag", `\`, "", imap.FlagWildcard,
			"a]b", "x\r\nA1 OK", "$Label1", `\\Seen`, "Grün"})
		e.SP().Flags(nil)
	})
	if want := `(\Seen $Forwarded \* $Label1) ()`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestRights(t *testing.T) {
	got := render(t, false, func(e *Encoder) {
		e.Rights(imap.RightSet("lrswipkxtea")).SP().Rights(nil).SP().Rights(imap.RightSet("a b"))
	})
	if want := `lrswipkxtea "" "a b"`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestMailbox(t *testing.T) {
	for _, c := range []struct {
		utf8       bool
		name, want string
	}{
		{false, "INBOX", "INBOX"},
		{false, "Entwürfe", "Entw&APw-rfe"},
		{false, "Tom & Jerry", `"Tom &- Jerry"`},
		{false, "R&D", "R&-D"},
		{false, `a"b€`, `"a\"b&IKw-"`},
		{false, "", `""`},
		{true, "Entwürfe", `"Entwürfe"`},
		{true, "R&D", "R&D"},
		{true, "Other Users/joe", `"Other Users/joe"`},
		{false, "Other Users/jöe", `"Other Users/j&APY-e"`},
	} {
		if got := render(t, c.utf8, func(e *Encoder) { e.Mailbox(c.name) }); got != c.want {
			t.Errorf("Mailbox(%q) utf8=%v = %q, want %q", c.name, c.utf8, got, c.want)
		}
	}
}

func TestLiteralForms(t *testing.T) {
	got := render(t, false, func(e *Encoder) {
		e.Literal(strings.NewReader("hello"), 5).SP()
		e.Literal8(strings.NewReader("a\x00b"), 3).SP()
		e.LiteralString("x").SP().LiteralBytes([]byte("yz")).SP().LiteralString("")
	})
	if want := "{5}\r\nhello ~{3}\r\na\x00b {1}\r\nx {2}\r\nyz {0}\r\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// patternReader yields n octets of a fixed pattern without holding them.
type patternReader struct{ off, n int64 }

func (r *patternReader) Read(p []byte) (int, error) {
	if r.off >= r.n {
		return 0, io.EOF
	}
	if rem := r.n - r.off; int64(len(p)) > rem {
		p = p[:rem]
	}
	for i := range p {
		p[i] = byte((r.off + int64(i)) % 251)
	}
	r.off += int64(len(p))
	return len(p), nil
}

// literalSink checks the literal header and sums what follows it.
type literalSink struct {
	head []byte
	n    int64
	crc  uint32
	want string
}

func (s *literalSink) Write(p []byte) (int, error) {
	total := len(p)
	if need := len(s.want) - len(s.head); need > 0 {
		if need > len(p) {
			need = len(p)
		}
		s.head = append(s.head, p[:need]...)
		p = p[need:]
	}
	s.n += int64(len(p))
	s.crc = crc32.Update(s.crc, crc32.IEEETable, p)
	return total, nil
}

func TestLiteralStreamsLargeBody(t *testing.T) {
	const size = 50 << 20
	want := crc32.Update(0, crc32.IEEETable, nil)
	for r, buf := (&patternReader{n: size}), make([]byte, 1<<16); ; {
		n, err := r.Read(buf)
		want = crc32.Update(want, crc32.IEEETable, buf[:n])
		if err != nil {
			break
		}
	}

	sink := &literalSink{want: "{52428800}\r\n"}
	e := NewEncoder(bufio.NewWriter(sink))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	e.Literal(&patternReader{n: size}, size)
	err := e.Flush()
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if string(sink.head) != sink.want || sink.n != size || sink.crc != want {
		t.Fatalf("head %q, %d octets, crc %08x; want %q, %d, %08x", sink.head, sink.n, sink.crc, sink.want, size, want)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Errorf("streaming a %d-octet literal allocated %d bytes", size, grew)
	}
}

func TestLiteralShortSource(t *testing.T) {
	var buf bytes.Buffer
	e := NewEncoder(bufio.NewWriter(&buf))
	e.Literal(strings.NewReader("0123456789"), 20).CRLF()
	if err := e.Err(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("Err = %v, want io.ErrUnexpectedEOF", err)
	}
	if err := e.Flush(); err == nil {
		t.Fatal("Flush after a broken literal succeeded")
	}

	e = NewEncoder(bufio.NewWriter(&buf))
	boom := errors.New("disk gone")
	e.Literal8(io.MultiReader(strings.NewReader("abc"), &failReader{boom}), 10)
	if err := e.Flush(); !errors.Is(err, boom) {
		t.Fatalf("Flush = %v, want %v", err, boom)
	}

	e = NewEncoder(bufio.NewWriter(&buf))
	if e.Literal(strings.NewReader(""), -1).Flush() == nil {
		t.Fatal("negative size accepted")
	}
}

type failReader struct{ err error }

func (r *failReader) Read([]byte) (int, error) { return 0, r.err }

func TestReset(t *testing.T) {
	var a, b bytes.Buffer
	e := NewEncoder(bufio.NewWriter(&a))
	e.SetUTF8(true)
	e.Literal(strings.NewReader(""), 1)
	e.Reset(bufio.NewWriter(&b))
	if e.UTF8() || e.Err() != nil {
		t.Fatal("Reset kept state")
	}
	e.Mailbox("ü")
	if err := e.Flush(); err != nil || b.String() != "&APw-" {
		t.Fatalf("after Reset: %q, %v", b.String(), err)
	}
}
