package wire

import (
	"bufio"
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-message/textproto"
)

// Golden answers for ENVELOPE, BODY and BODYSTRUCTURE live in the project's
// testdata/golden/wire, one file per message. Each holds the FETCH response
// as sent to an IMAP4rev1 client, then as sent in UTF-8 mode, each after a
// "#" line that names the mode. "go test ./imap/wire -update" rewrites
// them; review the diff against the grammar before keeping it.

func init() {
	// Another test file of the package may define the flag too.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files under testdata/golden")
	}
}

func updateGolden() bool {
	f := flag.Lookup("update")
	if f == nil {
		return false
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return false
	}
	on, _ := g.Get().(bool)
	return on
}

var goldenDir = filepath.Join("..", "..", "testdata", "golden", "wire")

// goldenMessages are written with LF line ends; the test makes them CRLF,
// as the store keeps messages.
var goldenMessages = []struct{ name, msg string }{
	{"plain-text", `Date: Tue, 5 Mar 2024 08:15:00 +0100
From: Nora Field <nora@example.org>
To: team@example.org
Subject: Standup moved to 9:30
Message-ID: <standup-0305@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii; format=flowed
Content-Transfer-Encoding: 7bit

Hi all,

tomorrow's standup starts at 9:30 instead of 9:00.

Nora
`},

	{"multipart-alternative", `Date: Wed, 6 Mar 2024 12:00:00 -0500
From: "Shop, The" <orders@shop.example>
To: Jan <jan@example.net>
Subject: Your order #4711
Message-ID: <order-4711@shop.example>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="alt-1"

--alt-1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Thanks for your order.
Total: 12,50 =E2=82=AC
--alt-1
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<p>Thanks for your order.</p>
<p>Total: 12,50 &euro;</p>
--alt-1--
`},

	{"multipart-mixed-attachment", `Date: Thu, 7 Mar 2024 16:45:10 +0000
From: Priya <priya@example.com>
To: "Accounts" <accounts@example.com>, Lee <lee@example.com>
Cc: boss@example.com
Subject: Invoice March
Message-ID: <inv-march@example.com>
In-Reply-To: <req-17@example.com> <req-18@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=mix

--mix
Content-Type: text/plain

Invoice attached.
--mix
Content-Type: application/pdf; name="invoice-2024-03.pdf"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="invoice-2024-03.pdf"; size=12
Content-Description: Invoice for March
Content-ID: <pdf1@example.com>
Content-Language: en, de
Content-Location: invoice.pdf

JVBERi0xLjQK
--mix--
`},

	{"nested-multipart", `Date: Fri, 8 Mar 2024 09:00:00 +0900
From: news@letters.example
To: reader@example.org
Subject: Spring newsletter
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="inner"

--inner
Content-Type: text/plain; charset=us-ascii

Spring is here.
--inner
Content-Type: multipart/related; boundary="rel"; type="text/html"

--rel
Content-Type: text/html; charset=us-ascii

<img src="cid:logo@letters.example"> Spring is here.
--rel
Content-Type: image/png
Content-Transfer-Encoding: base64
Content-ID: <logo@letters.example>
Content-Disposition: inline

iVBORw0KGgo=
--rel--
--inner--
--outer
Content-Type: application/zip; name=photos.zip
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename=photos.zip

UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==
--outer--
`},

	{"message-rfc822", `Date: Sat, 9 Mar 2024 10:10:10 +0100
From: Max <max@example.de>
To: Eva <eva@example.de>
Subject: Fwd: Tickets
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="fwd"

--fwd
Content-Type: text/plain; charset=us-ascii

See below.
--fwd
Content-Type: message/rfc822
Content-Disposition: inline

Date: Fri, 8 Mar 2024 18:00:00 +0000
From: Box Office <tickets@theatre.example>
To: max@example.de
Subject: Your tickets
Message-ID: <t-99@theatre.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="t"

--t
Content-Type: text/plain

Row 5, seats 11-12.
--t
Content-Type: application/octet-stream; name="tickets.bin"
Content-Disposition: attachment; filename="tickets.bin"

AAAA
--t--

--fwd--
`},

	{"no-content-type", `Date: Sun, 10 Mar 2024 23:59:59 -0800
From: old-client@example.edu
To: list@example.edu
Subject: no MIME headers at all

A message from a client that never heard of MIME.
It has two lines.
`},

	{"part-without-content-type", `From: a@example.org
To: b@example.org
Subject: parts
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=p

--p

This part has no header at all.
--p
Content-Type: text/x-diff; charset="UTF-8"

-a
+b
--p--
`},

	{"encoded-word-subject", `Date: Mon, 11 Mar 2024 07:30:00 +0100
From: =?ISO-8859-1?Q?Andr=E9_M=FCller?= <andre@example.de>
To: =?UTF-8?B?5bGx55Sw?= <yamada@example.jp>
Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=
Message-ID: <gruss@example.de>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Hallo!
`},

	{"address-groups", `Date: Tue, 12 Mar 2024 14:00:00 +0000
From: Office <office@example.com>
Sender: bot@example.com
Reply-To: Helpdesk <help@example.com>
To: undisclosed-recipients:;
Cc: Board: "Ann A." <ann@example.com>, ben@example.com;, carl@example.com
Bcc: Audit:;
Subject: Board meeting
MIME-Version: 1.0
Content-Type: text/plain

Agenda to follow.
`},

	{"empty-subject", `From: quiet@example.net
To: you@example.net
Subject:
MIME-Version: 1.0
Content-Type: text/plain

No date, no message id, an empty subject.
`},

	{"eight-bit-headers", `Date: Wed, 13 Mar 2024 11:11:11 +0100
From: Jürgen Groß <juergen@example.de>
To: "Zoë \"Z\" Ñúñez" <zoe@example.es>
Subject: Café crème für alle
Message-ID: <8bit@example.de>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Prost!
--b
Content-Type: text/plain; charset=utf-8; name="Menü.txt"
Content-Disposition: attachment; filename*=utf-8''Men%C3%BC%20%E2%82%AC.txt
Content-Description: Speisekarte – März

Suppe
--b--
`},

	{"message-global", `From: a@example.org
To: b@example.org
Subject: an internationalised message inside
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=g

--g
Content-Type: message/global

From: Ünal <uenal@example.org>
Subject: Grüße

Merhaba
--g--
`},
}

func renderGolden(t *testing.T, msg string) []byte {
	t.Helper()
	h, err := textproto.ReadHeader(bufio.NewReader(strings.NewReader(msg)))
	if err != nil {
		t.Fatalf("header: %v", err)
	}
	env := Envelope{Parsed: imapserver.ExtractEnvelope(h)}
	if h.Has("Date") {
		d := h.Get("Date")
		env.Date = &d
	}
	if h.Has("Subject") {
		s := h.Get("Subject")
		env.Subject = &s
	}
	bs := imapserver.ExtractBodyStructure(strings.NewReader(msg))

	var out bytes.Buffer
	for _, mode := range []struct {
		title string
		utf8  bool
	}{{"IMAP4rev1", false}, {"UTF8=ACCEPT", true}} {
		line := render(t, mode.utf8, func(e *Encoder) {
			e.Atom("* 1 FETCH (ENVELOPE ").Envelope(env).
				Atom(" BODY ").Body(bs).
				Atom(" BODYSTRUCTURE ").BodyStructure(bs).EndList().CRLF()
		})
		g := &grammarChecker{s: line, utf8: mode.utf8}
		if err := g.check(g.fetch); err != nil {
			t.Errorf("%s: not in the grammar: %v", mode.title, err)
		}
		out.WriteString("# " + mode.title + "\r\n")
		out.WriteString(line)
	}
	return out.Bytes()
}

func TestGolden(t *testing.T) {
	for _, c := range goldenMessages {
		t.Run(c.name, func(t *testing.T) {
			got := renderGolden(t, strings.ReplaceAll(c.msg, "\n", "\r\n"))
			path := filepath.Join(goldenDir, c.name+".golden")
			if updateGolden() {
				if err := os.MkdirAll(goldenDir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./imap/wire -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs\ngot:\n%s\nwant:\n%s", path, got, want)
			}
		})
	}
}
