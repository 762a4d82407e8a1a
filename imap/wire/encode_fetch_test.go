package wire

import (
	"bufio"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

func strp(s string) *string { return &s }

// fetchLine wraps items in a FETCH response and checks it against the
// grammar.
func checkFetch(t *testing.T, utf8Mode bool, items string) {
	t.Helper()
	g := &grammarChecker{s: "* 1 FETCH (" + items + ")\r\n", utf8: utf8Mode}
	if err := g.check(g.fetch); err != nil {
		t.Errorf("not in the grammar: %v\n%s", err, items)
	}
}

func TestEnvelope(t *testing.T) {
	date := time.Date(2024, 2, 29, 9, 5, 0, 0, time.FixedZone("", 3600))
	parsed := &imap.Envelope{
		Date:      date,
		Subject:   "Quarterly numbers",
		From:      []imap.Address{{Name: "Ada Lovelace", Mailbox: "ada", Host: "example.org"}},
		To:        []imap.Address{{Mailbox: "bob", Host: "example.com"}, {Name: `Carol "CJ" Jones`, Mailbox: "carol", Host: "example.com"}},
		Bcc:       []imap.Address{{Name: "Zoë", Mailbox: "zoe", Host: "example.net"}},
		InReplyTo: []string{"a1@example.org", "b2@example.org"},
		MessageID: `"odd id"@example.org`,
	}
	for _, c := range []struct {
		name string
		utf8 bool
		env  Envelope
		want string
	}{
		{
			name: "parsed only",
			env:  Envelope{Parsed: parsed},
			want: `("Thu, 29 Feb 2024 09:05:00 +0100" "Quarterly numbers" ` +
				`(("Ada Lovelace" NIL "ada" "example.org")) ` +
				`(("Ada Lovelace" NIL "ada" "example.org")) ` +
				`(("Ada Lovelace" NIL "ada" "example.org")) ` +
				`((NIL NIL "bob" "example.com")("Carol \"CJ\" Jones" NIL "carol" "example.com")) ` +
				`NIL ` +
				"(({4}\r\nZoë NIL \"zoe\" \"example.net\")) " +
				`"<a1@example.org> <b2@example.org>" "<\"odd id\"@example.org>")`,
		},
		{
			name: "UTF-8 mode",
			utf8: true,
			env:  Envelope{Parsed: &imap.Envelope{Bcc: parsed.Bcc}},
			want: `(NIL NIL NIL NIL NIL NIL NIL (("Zoë" NIL "zoe" "example.net")) NIL NIL)`,
		},
		{
			name: "header text",
			env: Envelope{
				Parsed:  parsed,
				Date:    strp("Thu, 29 Feb 2024 09:05:00 +0100 (CET)"),
				Subject: strp("=?UTF-8?Q?Zahlen_f=C3=BCr_Q1?="),
			},
			want: `("Thu, 29 Feb 2024 09:05:00 +0100 (CET)" "=?UTF-8?Q?Zahlen_f=C3=BCr_Q1?=" `,
		},
		{
			name: "present but empty",
			env:  Envelope{Parsed: &imap.Envelope{}, Date: strp(""), Subject: strp("")},
			want: `("" "" NIL NIL NIL NIL NIL NIL NIL NIL)`,
		},
		{
			name: "nothing",
			env:  Envelope{},
			want: `(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)`,
		},
		{
			name: "sender and reply-to kept",
			env: Envelope{Parsed: &imap.Envelope{
				From:    []imap.Address{{Mailbox: "a", Host: "x"}},
				Sender:  []imap.Address{{Mailbox: "s", Host: "x"}},
				ReplyTo: []imap.Address{{Mailbox: "r", Host: "x"}},
			}},
			want: `(NIL NIL ((NIL NIL "a" "x")) ((NIL NIL "s" "x")) ((NIL NIL "r" "x")) NIL NIL NIL NIL NIL)`,
		},
		{
			name: "groups",
			env: Envelope{Parsed: &imap.Envelope{
				From: []imap.Address{{Mailbox: "a", Host: "x"}},
				To: []imap.Address{
					{Mailbox: "Team"}, // start of group "Team"
					{Name: "Al", Mailbox: "al", Host: "x"},
					{Mailbox: "bo", Host: "x"},
					{}, // end of group
					{Mailbox: "undisclosed-recipients"},
					{},
					{Mailbox: "solo", Host: "y"},
				},
			}},
			want: `(NIL NIL ((NIL NIL "a" "x")) ((NIL NIL "a" "x")) ((NIL NIL "a" "x")) ` +
				`((NIL NIL "Team" NIL)("Al" NIL "al" "x")(NIL NIL "bo" "x")(NIL NIL NIL NIL)` +
				`(NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL)(NIL NIL "solo" "y")) NIL NIL NIL NIL)`,
		},
		{
			name: "message ids that must be literal",
			env:  Envelope{Parsed: &imap.Envelope{InReplyTo: []string{"x\ny@z"}, MessageID: "ü@z"}},
			want: "(NIL NIL NIL NIL NIL NIL NIL NIL {7}\r\n<x\ny@z> {6}\r\n<ü@z>)",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := render(t, c.utf8, func(e *Encoder) { e.Envelope(c.env) })
			if !strings.HasPrefix(got, c.want) {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
			checkFetch(t, c.utf8, "ENVELOPE "+got)
		})
	}
}

func TestBodyStructureEdges(t *testing.T) {
	text := func(sub string, lines int64) *imap.BodyStructureSinglePart {
		return &imap.BodyStructureSinglePart{Type: "text", Subtype: sub, Size: 10, Text: &imap.BodyStructureText{NumLines: lines}}
	}
	global := &imap.BodyStructureSinglePart{
		Type: "message", Subtype: "global", Size: 40, Encoding: "8bit",
		MessageRFC822: &imap.BodyStructureMessageRFC822{
			Envelope:      &imap.Envelope{Subject: "Grüße"},
			BodyStructure: text("plain", 1),
			NumLines:      3,
		},
	}
	for _, c := range []struct {
		name       string
		utf8       bool
		bs         imap.BodyStructure
		body, full string
	}{
		{
			name: "nil",
			bs:   nil,
			body: `("TEXT" "PLAIN" NIL NIL NIL "7BIT" 0 0)`,
			full: `("TEXT" "PLAIN" NIL NIL NIL "7BIT" 0 0 NIL NIL NIL NIL)`,
		},
		{
			name: "typed nil",
			bs:   (*imap.BodyStructureMultiPart)(nil),
			body: `("TEXT" "PLAIN" NIL NIL NIL "7BIT" 0 0)`,
			full: `("TEXT" "PLAIN" NIL NIL NIL "7BIT" 0 0 NIL NIL NIL NIL)`,
		},
		{
			name: "multipart without children",
			bs:   &imap.BodyStructureMultiPart{Subtype: "mixed"},
			body: `(("TEXT" "PLAIN" NIL NIL NIL "7BIT" 0 0) "MIXED")`,
			full: `(("TEXT" "PLAIN" NIL NIL NIL "7BIT" 0 0 NIL NIL NIL NIL) "MIXED" NIL NIL NIL NIL)`,
		},
		{
			name: "multipart without subtype",
			bs:   &imap.BodyStructureMultiPart{Children: []imap.BodyStructure{text("plain", 2), text("html", 3)}},
			body: `(("TEXT" "PLAIN" NIL NIL NIL "7BIT" 10 2)("TEXT" "HTML" NIL NIL NIL "7BIT" 10 3) "MIXED")`,
			full: `(("TEXT" "PLAIN" NIL NIL NIL "7BIT" 10 2 NIL NIL NIL NIL)("TEXT" "HTML" NIL NIL NIL "7BIT" 10 3 NIL NIL NIL NIL) "MIXED" NIL NIL NIL NIL)`,
		},
		{
			name: "text without line count",
			bs:   &imap.BodyStructureSinglePart{Type: "Text", Subtype: "x-Custom", Encoding: "quoted-printable", Size: 5},
			body: `("TEXT" "X-CUSTOM" NIL NIL NIL "QUOTED-PRINTABLE" 5 0)`,
			full: `("TEXT" "X-CUSTOM" NIL NIL NIL "QUOTED-PRINTABLE" 5 0 NIL NIL NIL NIL)`,
		},
		{
			name: "message/rfc822 without its data",
			bs:   &imap.BodyStructureSinglePart{Type: "message", Subtype: "rfc822", Size: 7},
			body: `("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 7 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) ("TEXT" "PLAIN" NIL NIL NIL "7BIT" 0 0) 0)`,
			full: `("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 7 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) ("TEXT" "PLAIN" NIL NIL NIL "7BIT" 0 0 NIL NIL NIL NIL) 0 NIL NIL NIL NIL)`,
		},
		{
			name: "message/global, IMAP4rev1",
			bs:   global,
			body: `("MESSAGE" "GLOBAL" NIL NIL NIL "8BIT" 40)`,
			full: `("MESSAGE" "GLOBAL" NIL NIL NIL "8BIT" 40 NIL NIL NIL NIL)`,
		},
		{
			name: "message/global, UTF-8 mode",
			utf8: true,
			bs:   global,
			body: `("MESSAGE" "GLOBAL" NIL NIL NIL "8BIT" 40 (NIL "Grüße" NIL NIL NIL NIL NIL NIL NIL NIL) ("TEXT" "PLAIN" NIL NIL NIL "7BIT" 10 1) 3)`,
			full: `("MESSAGE" "GLOBAL" NIL NIL NIL "8BIT" 40 (NIL "Grüße" NIL NIL NIL NIL NIL NIL NIL NIL) ("TEXT" "PLAIN" NIL NIL NIL "7BIT" 10 1 NIL NIL NIL NIL) 3 NIL NIL NIL NIL)`,
		},
		{
			name: "extension fields",
			bs: &imap.BodyStructureSinglePart{
				Type: "application", Subtype: "octet-stream",
				Params:      map[string]string{"name": "a b.bin", "X-Mixed": "Case", "charset": ""},
				ID:          "<part1@x>",
				Description: "the \"data\"",
				Encoding:    "base64",
				Size:        1234,
				Extended: &imap.BodyStructureSinglePartExt{
					Disposition: &imap.BodyStructureDisposition{Value: "attachment"},
					Language:    []string{"en", "de-CH"},
					Location:    "http://example.com/a b",
				},
			},
			body: `("APPLICATION" "OCTET-STREAM" ("X-Mixed" "Case" "charset" "" "name" "a b.bin") "<part1@x>" "the \"data\"" "BASE64" 1234)`,
			full: `("APPLICATION" "OCTET-STREAM" ("X-Mixed" "Case" "charset" "" "name" "a b.bin") "<part1@x>" "the \"data\"" "BASE64" 1234 NIL ("attachment" NIL) ("en" "de-CH") "http://example.com/a b")`,
		},
		{
			name: "one language, empty disposition value",
			bs: &imap.BodyStructureMultiPart{
				Subtype:  "related",
				Children: []imap.BodyStructure{text("html", 1)},
				Extended: &imap.BodyStructureMultiPartExt{
					Params:      map[string]string{"type": "text/html"},
					Disposition: &imap.BodyStructureDisposition{},
					Language:    []string{"fr"},
				},
			},
			body: `(("TEXT" "HTML" NIL NIL NIL "7BIT" 10 1) "RELATED")`,
			full: `(("TEXT" "HTML" NIL NIL NIL "7BIT" 10 1 NIL NIL NIL NIL) "RELATED" ("type" "text/html") NIL "fr" NIL)`,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := render(t, c.utf8, func(e *Encoder) { e.Body(c.bs) })
			full := render(t, c.utf8, func(e *Encoder) { e.BodyStructure(c.bs) })
			if body != c.body {
				t.Errorf("BODY\ngot  %s\nwant %s", body, c.body)
			}
			if full != c.full {
				t.Errorf("BODYSTRUCTURE\ngot  %s\nwant %s", full, c.full)
			}
			checkFetch(t, c.utf8, "BODY "+body+" BODYSTRUCTURE "+full)
		})
	}
}

// TestGrammarCheckerRejects makes sure the checker that guards the goldens
// is not blind.
func TestGrammarCheckerRejects(t *testing.T) {
	for _, items := range []string{
		`BODY ("TEXT" "PLAIN" NIL NIL NIL "7BIT" 1)`,                                            // no lines
		`BODY ("TEXT" "PLAIN" NIL NIL NIL "7BIT" 1 1 NIL)`,                                      // extension in BODY
		`BODY (("TEXT" "PLAIN" NIL NIL NIL "7BIT" 1 1) ("X" "Y" NIL NIL NIL "7BIT" 1) "MIXED")`, // SP between parts
		`BODY ("IMAGE" "PNG" () NIL NIL "BASE64" 1)`,                                            // empty parameter list
		`BODYSTRUCTURE ("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 1 NIL NIL NIL)`,                   // no envelope
		`ENVELOPE (NIL NIL () NIL NIL NIL NIL NIL NIL NIL)`,                                     // empty address list
		`ENVELOPE (NIL NIL ((NIL NIL "g" NIL)) NIL NIL NIL NIL NIL NIL NIL)`,                    // group not closed
		`ENVELOPE (NIL "Grüße" NIL NIL NIL NIL NIL NIL NIL NIL)`,                                // 8-bit quoted in IMAP4rev1
		`ENVELOPE (NIL "a\b" NIL NIL NIL NIL NIL NIL NIL NIL)`,                                  // bad escape
		`ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL)`,                                        // nine fields
	} {
		g := &grammarChecker{s: "* 1 FETCH (" + items + ")\r\n"}
		if g.check(g.fetch) == nil {
			t.Errorf("checker accepted %s", items)
		}
	}
}

func TestFetchWritersDoNotAllocate(t *testing.T) {
	env := Envelope{
		Parsed: &imap.Envelope{
			Date:      time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC),
			Subject:   "Re: lunch?",
			From:      []imap.Address{{Name: "Ann", Mailbox: "ann", Host: "example.org"}},
			To:        []imap.Address{{Mailbox: "bob", Host: "example.com"}, {Name: "Ünal", Mailbox: "u", Host: "example.com"}},
			InReplyTo: []string{"1@example.org"},
			MessageID: "2@example.org",
		},
		Date: strp("Mon, 1 Jan 2024 10:00:00 +0000"),
	}
	bs := &imap.BodyStructureMultiPart{
		Subtype: "mixed",
		Children: []imap.BodyStructure{
			&imap.BodyStructureSinglePart{Type: "text", Subtype: "plain", Params: map[string]string{"charset": "utf-8", "format": "flowed"},
				Size: 100, Text: &imap.BodyStructureText{NumLines: 4}},
			&imap.BodyStructureSinglePart{Type: "application", Subtype: "pdf", Params: map[string]string{"name": "x.pdf"}, Size: 9000,
				Encoding: "base64", Extended: &imap.BodyStructureSinglePartExt{
					Disposition: &imap.BodyStructureDisposition{Value: "attachment", Params: map[string]string{"filename": "x.pdf"}}}},
		},
		Extended: &imap.BodyStructureMultiPartExt{Params: map[string]string{"boundary": "b1"}},
	}
	parsedOnly := Envelope{Parsed: env.Parsed}
	e := NewEncoder(bufio.NewWriter(io.Discard))
	n := testing.AllocsPerRun(200, func() {
		e.Atom("*").SP().Number(1).SP().Atom("FETCH").SP().BeginList().
			Atom("UID").SP().Number(7).SP().Atom("FLAGS").SP().Flags([]imap.Flag{imap.FlagSeen}).SP().
			Atom("INTERNALDATE").SP().DateTime(env.Parsed.Date).SP().
			Atom("ENVELOPE").SP().Envelope(env).SP().
			Atom("BODYSTRUCTURE").SP().BodyStructure(bs).EndList().CRLF()
		e.Envelope(parsedOnly) // the formatted date too
	})
	if n != 0 {
		t.Errorf("%v allocations per FETCH response", n)
	}
}

// BenchmarkFetchEnvelopes writes FETCH (UID FLAGS ENVELOPE) for 10,000
// messages per iteration.
func BenchmarkFetchEnvelopes(b *testing.B) {
	date := "Tue, 2 Apr 2024 17:03:11 +0200"
	env := Envelope{
		Parsed: &imap.Envelope{
			Subject:   "Weekly report: storage usage and open tickets",
			From:      []imap.Address{{Name: "Monitoring", Mailbox: "noreply", Host: "ops.example.org"}},
			To:        []imap.Address{{Name: "Team", Mailbox: "team", Host: "example.org"}, {Mailbox: "lead", Host: "example.org"}},
			Cc:        []imap.Address{{Name: "Archive", Mailbox: "archive", Host: "example.org"}},
			MessageID: "20240402170311.12345@ops.example.org",
		},
		Date: &date,
	}
	flags := []imap.Flag{imap.FlagSeen, "$Forwarded"}
	e := NewEncoder(bufio.NewWriterSize(io.Discard, 64<<10))
	b.ReportAllocs()
	for b.Loop() {
		for i := uint32(1); i <= 10000; i++ {
			e.Atom("*").SP().Number(i).SP().Atom("FETCH").SP().BeginList().
				Atom("UID").SP().Number(i + 1000).SP().Atom("FLAGS").SP().Flags(flags).SP().
				Atom("ENVELOPE").SP().Envelope(env).EndList().CRLF()
		}
		if err := e.Flush(); err != nil {
			b.Fatal(err)
		}
	}
}
