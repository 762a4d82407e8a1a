package main

import (
	"bytes"
	"fmt"
	"strings"
)

// genFile is one generated corpus message. build must give the same bytes
// on every run: no clock, no randomness.
type genFile struct {
	name  string
	build func() []byte
}

var generated = []genFile{
	{"latin1-8bit-body.eml", latin1Body},
	{"folded-long-header.eml", foldedLongHeader},
	{"huge-header-field.eml", hugeHeaderField},
	{"many-header-lines.eml", manyHeaderLines},
	{"binary-part.eml", binaryPart},
	{"long-line-100k.eml", longLine},
}

// Sizes that the corpus README promises.
const (
	hugeFieldMin   = 200 * 1024 // bytes in the one huge header field
	headerLines    = 5000       // header lines of many-header-lines.eml
	longLineLength = 100 * 1024 // characters in the unwrapped line
	binaryRepeats  = 16         // copies of the 255 byte values in binary-part.eml
)

// crlf joins lines, each ended by CRLF.
func crlf(lines ...string) string {
	return strings.Join(lines, "\r\n") + "\r\n"
}

// latin1 encodes s, whose runes must all be below U+0100, as ISO-8859-1.
func latin1(s string) []byte {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			panic(fmt.Sprintf("rune %U is not in ISO-8859-1", r))
		}
		b = append(b, byte(r))
	}
	return b
}

// latin1Body is text in ISO-8859-1 sent as 8bit, with one raw Latin-1 byte
// in a header field too (neither ASCII nor UTF-8 there).
func latin1Body() []byte {
	return latin1(crlf(
		"Date: Thu, 06 Jun 2024 10:00:00 +0200",
		"From: Gaston Girard <gaston@example.org>",
		"To: Helene Huet <helene@example.org>",
		"Subject: =?ISO-8859-1?Q?Compte_rendu_de_la_r=E9union?=",
		"Organization: Café du Nord",
		"Message-ID: <latin1.20240606100000@example.org>",
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=ISO-8859-1",
		"Content-Transfer-Encoding: 8bit",
		"",
		"Bonjour Hélène,",
		"",
		"Voici le compte rendu de la réunion de mardi. Nous avons décidé de",
		"garder le même fournisseur, à condition qu'il livre avant la fin du",
		"mois. Le café coûtera 12,50 EUR (le signe de l'euro manque à",
		"ISO-8859-1), soit 11 £ pour nos collègues anglais.",
		"",
		"Quelques signes de plus : « guillemets », ½ ¼ ¾, 20 °C, ± 5 %, µs, ©, ®,",
		"§ 3, ¿qué?, ¡sí!, Straße, Ærø, Øre, ÿ, × et ÷.",
		"",
		"Cordialement,",
		"Gaston",
	))
}

// foldedLongHeader has one field folded over 200 lines and one whose
// continuation line is 4,000 characters long, past RFC 5322's limit of 998.
func foldedLongHeader() []byte {
	var b strings.Builder
	b.WriteString(crlf(
		"Date: Fri, 07 Jun 2024 08:00:00 +0000",
		"From: Long Thread <thread@example.org>",
		"To: list@example.org",
		"Subject: Re: Re: Re: Re: a thread that went on for a long time, so long",
		" that its subject had to be folded onto a second line",
		"Message-ID: <reply.201@example.org>",
		"In-Reply-To: <reply.200@example.org>",
	))
	b.WriteString("References:")
	for i := range 200 {
		fmt.Fprintf(&b, " <reply.%d@example.org>\r\n", i)
	}
	b.WriteString("X-Long-Continuation: the next line is one unbroken run of 4000 characters\r\n ")
	b.WriteString(strings.Repeat("0123456789", 400))
	b.WriteString("\r\n and this last continuation line is short again\r\n")
	b.WriteString(crlf(
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=us-ascii",
		"",
		"References holds 200 message IDs, one per continuation line, and",
		"X-Long-Continuation has a continuation line of 4,000 characters.",
	))
	return []byte(b.String())
}

// hugeHeaderField has one header field of at least 200 KiB, folded into
// lines of at most 78 characters.
func hugeHeaderField() []byte {
	var b strings.Builder
	b.WriteString(crlf(
		"Date: Sat, 08 Jun 2024 09:00:00 +0000",
		"From: Big Header <big@example.net>",
		"To: store@example.com",
		"Subject: One header field of 200 KiB",
		"Message-ID: <huge-field.20240608@example.net>",
	))
	var f strings.Builder
	f.WriteString("X-Huge-Field:")
	line := len("X-Huge-Field:")
	for i := 0; f.Len() < hugeFieldMin; i++ {
		tok := fmt.Sprintf(" token-%06d", i)
		if line+len(tok) > 78 {
			f.WriteString("\r\n")
			line = 0
		}
		f.WriteString(tok)
		line += len(tok)
	}
	f.WriteString("\r\n")
	b.WriteString(f.String())
	b.WriteString(crlf(
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=us-ascii",
		"",
		"The X-Huge-Field header field above is over 200 KiB long.",
	))
	return []byte(b.String())
}

// manyHeaderLines has a header of exactly headerLines lines, each one a
// field of its own: a long trail of Received fields and filter stamps.
func manyHeaderLines() []byte {
	first := []string{
		"Date: Sun, 09 Jun 2024 10:00:00 +0000",
		"From: Many Hops <hops@example.net>",
		"To: store@example.com",
		"Subject: A header of 5000 lines",
		"Message-ID: <many-lines.20240609@example.net>",
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=us-ascii",
	}
	const received = 1000
	var b strings.Builder
	for i := received; i > 0; i-- {
		fmt.Fprintf(&b, "Received: from relay%d.example.net by relay%d.example.net; Sun, 09 Jun 2024 09:%02d:%02d +0000\r\n",
			i-1, i, (i/60)%60, i%60)
	}
	for i := range headerLines - received - len(first) {
		fmt.Fprintf(&b, "X-Filter-%04d: pass (rule %d of the test corpus)\r\n", i, i)
	}
	b.WriteString(crlf(first...))
	b.WriteString(crlf(
		"",
		"The header above has 5000 lines: 1000 Received fields, 3993 X-Filter",
		"fields and the usual seven.",
	))
	return []byte(b.String())
}

// binaryData is every byte value from 0x01 to 0xff, repeated, ordered so
// that 0x0a always follows 0x0d: the data then holds only CRLF line breaks
// and the file keeps the corpus's CRLF rule.
func binaryData() []byte {
	var block []byte
	for v := 0x01; v <= 0xff; v++ {
		switch v {
		case '\n':
			continue
		case '\r':
			block = append(block, '\r', '\n')
		default:
			block = append(block, byte(v))
		}
	}
	return bytes.Repeat(block, binaryRepeats)
}

// binaryPart carries NUL-free binary data with Content-Transfer-Encoding:
// binary, as the BINARYMIME and IMAP BINARY extensions allow.
func binaryPart() []byte {
	var b bytes.Buffer
	b.WriteString(crlf(
		"Date: Mon, 10 Jun 2024 11:00:00 +0000",
		"From: Byte Sender <bytes@example.net>",
		"To: store@example.com",
		"Subject: A part with Content-Transfer-Encoding: binary",
		"Message-ID: <binary.20240610@example.net>",
		"MIME-Version: 1.0",
		`Content-Type: multipart/mixed; boundary="bin-sep"`,
		"Content-Transfer-Encoding: binary",
		"",
		"--bin-sep",
		"Content-Type: text/plain; charset=us-ascii",
		"",
		"The next part is 4080 bytes: the byte values 0x01 to 0xff, sixteen",
		"times over, with 0x0a moved to follow 0x0d. It holds no NUL.",
		"--bin-sep",
		`Content-Type: application/octet-stream; name="bytes.bin"`,
		`Content-Disposition: attachment; filename="bytes.bin"`,
		"Content-Transfer-Encoding: binary",
		"",
	))
	b.Write(binaryData())
	b.WriteString("\r\n--bin-sep--\r\n")
	return b.Bytes()
}

// longLine has a body line of longLineLength characters with no break.
func longLine() []byte {
	const phrase = "this line goes on and on without a single break "
	text := strings.Repeat(phrase, longLineLength/len(phrase)+1)[:longLineLength]
	return []byte(crlf(
		"Date: Tue, 11 Jun 2024 12:00:00 +0000",
		"From: Wide Writer <wide@example.org>",
		"To: store@example.com",
		"Subject: A body line of 100 KiB",
		"Message-ID: <long-line.20240611@example.org>",
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=us-ascii",
		"",
		"The next line is 102400 characters long, far past the 998 that",
		"RFC 5322 allows and the 7bit encoding promises:",
		text,
		"And this line is short again.",
	))
}
