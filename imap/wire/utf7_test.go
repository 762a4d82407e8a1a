package wire

import (
	"errors"
	"testing"
	"unicode/utf8"
)

var utf7Cases = []struct{ name, wire string }{
	{"", ""},
	{"INBOX", "INBOX"},
	{"sentmail/2000", "sentmail/2000"},
	{"&", "&-"},
	{"Tom & Jerry", "Tom &- Jerry"},
	{"&&", "&-&-"},
	{"~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"}, // RFC 3501's example
	{"Entwürfe", "Entw&APw-rfe"},
	{"ü", "&APw-"},
	{"üü", "&APwA,A-"},
	{"Ü&ü", "&ANw-&-&APw-"},
	{"日本語", "&ZeVnLIqe-"},
	{"😀", "&2D3eAA-"},             // a surrogate pair
	{"a😀€b", "a&2D3eACCs-b"},      // pair then a BMP character in one run
	{"tab\there", "tab&AAk-here"}, // a control character is encoded
	{"del\x7f", "del&AH8-"},       // so is DEL
	{"\x00", "&AAA-"},             // and NUL, for the store to refuse
	{"€uro", "&IKw-uro"},          // BMP, ends on a 4-bit boundary
	{"x€€€", "x&IKwgrCCs-"},       // three units, no leftover bits
	{"Отправленные", "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-"},
}

func TestEncodeMailboxName(t *testing.T) {
	for _, c := range utf7Cases {
		if got := EncodeMailboxName(c.name); got != c.wire {
			t.Errorf("EncodeMailboxName(%q) = %q, want %q", c.name, got, c.wire)
		}
	}
}

func TestDecodeMailboxName(t *testing.T) {
	for _, c := range utf7Cases {
		got, err := DecodeMailboxName(c.wire)
		if err != nil || got != c.name {
			t.Errorf("DecodeMailboxName(%q) = %q, %v; want %q", c.wire, got, err, c.name)
		}
	}
}

func TestEncodeMailboxNameInvalidUTF8(t *testing.T) {
	// Bytes that are not UTF-8 cannot be named; they become U+FFFD.
	got := EncodeMailboxName("a\xffb")
	if got != "a&,,0-b" {
		t.Errorf("got %q", got)
	}
	if dec, err := DecodeMailboxName(got); err != nil || dec != "a\uFFFDb" {
		t.Errorf("decode: %q, %v", dec, err)
	}
}

func TestDecodeMailboxNameRejects(t *testing.T) {
	for _, c := range []struct{ wire, why string }{
		{"&", "& not closed"},
		{"a&APw", "& not closed"},
		{"&APw-&-&", "trailing & not closed"},
		{"&AGE-", "encoded printable ASCII (a)"},
		{"&ACY-", "encoded & instead of &-"},
		{"&ACA-", "encoded space"},
		{"&AH4-", "encoded tilde"},
		{"&APw-&APw-", "two adjacent shift sequences"},
		{"&APw/-", "standard base64 /"},
		{"&APw=-", "padding"},
		{"&AP-w", "bad base64 after -"},
		{"&A-", "six bits: a partial character"},
		{"&AP-", "twelve bits: no whole unit"},
		{"&APx-", "nonzero leftover bits"},
		{"&APwA-", "leftover of six bits or more"},
		{"&2D0-", "high surrogate alone"},
		{"&3gA-", "low surrogate alone"},
		{"&2D3YPQ-", "high surrogate then high surrogate"},
		{"&2D0AYQ-", "high surrogate then non-surrogate"},
		{"&Jjo-&Jjo-", "adjacent sequences"},
		{"a\x7fb", "raw DEL"},
		{"a\tb", "raw tab"},
		{"Entwürfe", "raw 8-bit"},
		{"a\x00", "raw NUL"},
		{"&APw&-", "& inside base64"},
	} {
		got, err := DecodeMailboxName(c.wire)
		if err == nil {
			t.Errorf("DecodeMailboxName(%q) = %q, want error (%s)", c.wire, got, c.why)
			continue
		}
		if !errors.Is(err, ErrMailboxName) {
			t.Errorf("DecodeMailboxName(%q): error %v does not wrap ErrMailboxName", c.wire, err)
		}
	}
}

func TestEncodeMailboxNamePlainDoesNotAllocate(t *testing.T) {
	name := "Archive/2024/receipts"
	if n := testing.AllocsPerRun(100, func() { _ = EncodeMailboxName(name) }); n != 0 {
		t.Errorf("EncodeMailboxName of a plain name: %v allocations", n)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = DecodeMailboxName(name) }); n != 0 {
		t.Errorf("DecodeMailboxName of a plain name: %v allocations", n)
	}
}

// FuzzMailboxName checks both directions: every UTF-8 name survives a round
// trip, and every wire name that decodes is the one canonical form of its
// name.
func FuzzMailboxName(f *testing.F) {
	for _, c := range utf7Cases {
		f.Add(c.name)
		f.Add(c.wire)
	}
	f.Add("&APw-&APw-")
	f.Add("&2D0-")
	f.Fuzz(func(t *testing.T, s string) {
		if utf8.ValidString(s) {
			w := EncodeMailboxName(s)
			for i := 0; i < len(w); i++ {
				if !utf7Direct(w[i]) {
					t.Fatalf("EncodeMailboxName(%q) = %q: byte %#x", s, w, w[i])
				}
			}
			got, err := DecodeMailboxName(w)
			if err != nil || got != s {
				t.Fatalf("round trip of %q via %q: %q, %v", s, w, got, err)
			}
		}
		if name, err := DecodeMailboxName(s); err == nil {
			if !utf8.ValidString(name) {
				t.Fatalf("DecodeMailboxName(%q) = %q: not UTF-8", s, name)
			}
			if again := EncodeMailboxName(name); again != s {
				t.Fatalf("DecodeMailboxName accepted %q, whose canonical form is %q", s, again)
			}
		}
	})
}
