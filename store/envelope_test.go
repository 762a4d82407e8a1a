package store

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-message/textproto"
)

func addrString(l []imap.Address) string {
	var parts []string
	for _, a := range l {
		parts = append(parts, fmt.Sprintf("[%s|%s|%s]", a.Name, a.Mailbox, a.Host))
	}
	return strings.Join(parts, "")
}

func TestParseAddressList(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"joe@foo.com", "[|joe|foo.com]"},
		{"Joe Bloggs <joe@foo.com>", "[Joe Bloggs|joe|foo.com]"},
		{`"Bloggs, Joe" <joe@foo.com>, ann@foo.com`, "[Bloggs, Joe|joe|foo.com][|ann|foo.com]"},
		{`"quoted \"name\"" <a@b.c>`, `[quoted "name"|a|b.c]`},
		{"=?utf-8?q?Caf=C3=A9?= <cafe@x.org>", "[=?utf-8?q?Caf=C3=A9?=|cafe|x.org]"},
		{"undisclosed-recipients:;", "[|undisclosed-recipients|][||]"},
		{"Team: a@x.org, B <b@x.org>; c@y.org", "[|Team|][|a|x.org][B|b|x.org][||][|c|y.org]"},
		{"joe@foo.com (Joe the comment)", "[|joe|foo.com]"},
		{"<@relay.net:joe@foo.com>", "[|joe|foo.com]"},
		{"root", "[|root|MISSING_DOMAIN]"},
		{",,, ,", ""},
		{"Unterminated <joe@foo.com", "[Unterminated|joe|foo.com]"},
	} {
		if got := addrString(parseAddressList(tc.in)); got != tc.want {
			t.Errorf("parseAddressList(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestEnvelopesRawAndDecoded(t *testing.T) {
	h, err := textproto.ReadHeader(bufioReader("Subject: =?ISO-8859-1?Q?R=E9union?= now\r\nFrom: =?utf-8?b?w4lsaXNl?= <e@x.org>\r\nMessage-ID: <id1@x.org>\r\nIn-Reply-To: <a@x> <b@x>\r\nDate: Tue, 3 Mar 2020 10:00:00 +0100 (CET)\r\n\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	raw, dec := envelopes(h)
	if raw.Subject != "=?ISO-8859-1?Q?R=E9union?= now" || dec.Subject != "Réunion now" {
		t.Errorf("subjects %q / %q", raw.Subject, dec.Subject)
	}
	if raw.From[0].Name != "=?utf-8?b?w4lsaXNl?=" || dec.From[0].Name != "Élise" {
		t.Errorf("names %q / %q", raw.From[0].Name, dec.From[0].Name)
	}
	if raw.MessageID != "id1@x.org" || len(raw.InReplyTo) != 2 || raw.Date.IsZero() {
		t.Errorf("ids and date: %+v", raw)
	}
}

func TestContentTypeDefaults(t *testing.T) {
	for _, tc := range []struct {
		header   string
		inDigest bool
		want     string
	}{
		{"", false, "text/plain charset=us-ascii"},
		{"", true, "message/rfc822"},
		{"Content-Type: Text/HTML; Charset=UTF-8\r\n", false, "text/html charset=UTF-8"},
		{"Content-Type: garbage\r\n", false, "text/plain charset=us-ascii"},
		{"Content-Type: image/png; name=a b.png\r\n", false, "image/png"},
		{"Content-Type: text/plain; name=\"=?utf-8?q?f=C3=BC.txt?=\"\r\n", false, "text/plain name=fü.txt"},
	} {
		h, _ := textproto.ReadHeader(bufioReader(tc.header + "\r\n"))
		mt, params := contentType(h, tc.inDigest)
		got := mt
		for k, v := range params {
			got += " " + k + "=" + v
		}
		if got != tc.want {
			t.Errorf("%q: %q, want %q", tc.header, got, tc.want)
		}
	}
}

func TestCountLines(t *testing.T) {
	for in, want := range map[string]int64{"": 0, "a": 1, "a\r\n": 1, "a\r\nb": 2, "\r\n\r\n": 2} {
		var c lineCounter
		c.Write([]byte(in))
		if got := c.lines(); got != want {
			t.Errorf("lines of %q: %d, want %d", in, got, want)
		}
	}
}

func bufioReader(s string) *bufio.Reader { return bufio.NewReader(bytes.NewReader([]byte(s))) }

// Skipping the decoded envelope lands on the raw one and the body intact.
func TestDecodeStructureParts(t *testing.T) {
	msg := []byte("From: =?utf-8?q?A?= <a@b.c>, x@y.z\r\nTo: g: a@b.c;\r\nSubject: hi\r\nIn-Reply-To: <q@r>\r\nMessage-Id: <m@n>\r\nDate: Tue, 3 Mar 2020 10:00:00 +0100\r\n\r\nbody\r\n")
	enc := parseMessage(bytes.NewReader(msg), int64(len(msg))).encode()
	full, err := decodeStructureParts(enc, true, true)
	if err != nil {
		t.Fatal(err)
	}
	part, err := decodeStructureParts(enc, true, false)
	if err != nil {
		t.Fatal(err)
	}
	if part.Envelope != nil || addrString(part.Raw.From) != addrString(full.Raw.From) || part.Raw.MessageID != "m@n" ||
		part.Body.MediaType() != "text/plain" || addrString(part.Raw.To) != addrString(full.Raw.To) {
		t.Errorf("partial decode %+v vs %+v", part.Raw, full.Raw)
	}
	if lite, _ := decodeStructureParts(enc, false, false); lite.Body != nil || lite.Raw.Subject != "hi" {
		t.Errorf("envelope-only decode %+v", lite)
	}
}
