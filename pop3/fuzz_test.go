package pop3

import (
	"bufio"
	"bytes"
	"strconv"
	"testing"
)

// FuzzDotStuffing checks that any message, written in any chunks, comes
// out as a body that a client reads back to the same bytes (plus a final
// line end when the message lacks one), with no line "." before the end.
func FuzzDotStuffing(f *testing.F) {
	f.Add([]byte("a\r\n.b\r\n.\r\n"), uint8(1))
	f.Add([]byte(".."), uint8(3))
	f.Add([]byte("x\r\n\r\n.\r\n.."), uint8(0))
	f.Fuzz(func(t *testing.T, msg []byte, step uint8) {
		// Stored messages have CRLF line ends only.
		msg = bytes.ReplaceAll(bytes.ReplaceAll(msg, []byte("\r"), nil), []byte("\n"), []byte("\r\n"))
		var out bytes.Buffer
		bw := bufio.NewWriter(&out)
		dw := newDotWriter(bw)
		n := int(step) + 1
		for i := 0; i < len(msg); i += n {
			dw.Write(msg[i:min(i+n, len(msg))])
		}
		dw.end()
		bw.Flush()
		body, ok := bytes.CutSuffix(out.Bytes(), []byte(".\r\n"))
		if !ok {
			t.Fatalf("no terminating dot: %q", out.Bytes())
		}
		for l := range bytes.SplitAfterSeq(body, []byte("\r\n")) {
			if string(l) == ".\r\n" {
				t.Fatalf("a lone dot line inside the body: %q", out.Bytes())
			}
		}
		want := msg
		if len(want) > 0 && !bytes.HasSuffix(want, []byte("\r\n")) {
			want = append(bytes.Clone(want), "\r\n"...)
		}
		if got := unstuff(body); !bytes.Equal(got, want) {
			t.Fatalf("read back %q, want %q", got, want)
		}
	})
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"1", "0", "007", "-1", "+1", "999999999", "1000000000", " 1", "1x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := parseNumber(s)
		if !ok {
			return
		}
		// Only plain digits are taken, and they mean what they say.
		want, err := strconv.Atoi(s)
		if err != nil || want != n || n < 0 || s[0] == '+' || s[0] == '-' {
			t.Fatalf("parseNumber(%q) = %d", s, n)
		}
	})
}
