package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// messageGen builds the test messages of one run: plain-text mail of an exact
// size with a unique Message-ID, the kind an MTA hands to a store all day.
// Every mode that writes messages (LMTP now, APPEND and file copies later)
// uses it, so runs of different doors carry the same load.
type messageGen struct {
	from  string
	to    []string
	size  int    // wanted size in bytes, CRLF line ends, before dot-stuffing
	runID string // makes Message-IDs unique across runs as well as within one
	seed  uint64
	now   func() time.Time
}

func newMessageGen(from string, to []string, size int) *messageGen {
	seed := rand.Uint64()
	return &messageGen{
		from:  from,
		to:    to,
		size:  size,
		runID: fmt.Sprintf("%012x", seed&0xffffffffffff),
		seed:  seed,
		now:   time.Now,
	}
}

// lineWidth is where body text wraps, as mail clients usually do.
const lineWidth = 72

// build returns message n (0-based). The result has CRLF line ends, no line
// starting with a dot, and exactly g.size bytes unless the header alone is
// longer, in which case the body is a single empty line.
func (g *messageGen) build(n int) []byte {
	var h bytes.Buffer
	date := g.now().Format(time.RFC1123Z)
	id := fmt.Sprintf("%d.%s.mailbench@%s", n, g.runID, domainOf(g.from))
	fmt.Fprintf(&h, "Return-Path: <%s>\r\n", g.from)
	fmt.Fprintf(&h, "Received: from client.example.net (client.example.net [192.0.2.25])\r\n"+
		"\tby mx.example.com (mailbench) with ESMTPS id %s%06d\r\n\tfor <%s>; %s\r\n",
		g.runID[:6], n, g.to[0], date)
	fmt.Fprintf(&h, "Date: %s\r\n", date)
	fmt.Fprintf(&h, "From: Mail Bench <%s>\r\n", g.from)
	fmt.Fprintf(&h, "To: %s\r\n", strings.Join(g.to, ",\r\n "))
	fmt.Fprintf(&h, "Subject: Load test message %d of run %s\r\n", n+1, g.runID)
	fmt.Fprintf(&h, "Message-ID: <%s>\r\n", id)
	h.WriteString("MIME-Version: 1.0\r\n")
	h.WriteString("Content-Type: text/plain; charset=us-ascii\r\n")
	h.WriteString("Content-Transfer-Encoding: 7bit\r\n")
	fmt.Fprintf(&h, "X-Mailbench: run=%s seq=%d\r\n", g.runID, n)
	h.WriteString("\r\n")

	msg := make([]byte, 0, max(g.size, h.Len()+2))
	msg = append(msg, h.Bytes()...)
	body := g.size - len(msg)
	if body < 2 {
		return append(msg, "\r\n"...)
	}
	rng := rand.New(rand.NewPCG(g.seed, uint64(n)))
	return appendText(msg, body, rng)
}

// appendText appends exactly n bytes (n >= 2) of prose ending in CRLF:
// paragraphs of lines wrapped at word ends, the last line sized to fit.
func appendText(dst []byte, n int, rng *rand.Rand) []byte {
	linesInPara := 0
	paraLen := 3 + rng.IntN(6)
	for {
		if linesInPara == paraLen && n > 8 {
			dst = append(dst, "\r\n"...)
			n -= 2
			linesInPara = 0
			paraLen = 3 + rng.IntN(6)
			continue
		}
		// The last line may run a few characters past lineWidth so that
		// the one before it never leaves a stub of one or two letters.
		if n-2 <= lineWidth+4 {
			return appendLine(dst, n-2, rng)
		}
		start := len(dst)
		for {
			w := words[rng.IntN(len(words))]
			if len(dst) > start {
				if len(dst)-start+1+len(w) > lineWidth {
					break
				}
				dst = append(dst, ' ')
			}
			dst = append(dst, w...)
		}
		dst = append(dst, "\r\n"...)
		n -= len(dst) - start
		linesInPara++
	}
}

// appendLine appends a line of exactly width characters made of words, then
// CRLF. The last word is cut short or padded with letters to fit, so that no
// line ends in a space.
func appendLine(dst []byte, width int, rng *rand.Rand) []byte {
	start := len(dst)
	for len(dst)-start < width {
		w := words[rng.IntN(len(words))]
		room := width - (len(dst) - start)
		if len(dst) > start {
			if room < 2 {
				// No room for a space and a letter: lengthen the word before.
				dst = append(dst, 's')
				break
			}
			dst = append(dst, ' ')
			room--
		}
		if len(w) > room {
			w = w[:room]
		}
		dst = append(dst, w...)
	}
	return append(dst, "\r\n"...)
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 && i < len(addr)-1 {
		return addr[i+1:]
	}
	return "localhost"
}

// appendDotStuffed appends msg as the body of an SMTP/LMTP DATA command
// (RFC 5321 section 4.5.2): a dot doubled at the start of each line, CRLF
// line ends, and the terminating ".\r\n". A message not ending in CRLF gets
// one so that the terminator stands on its own line.
func appendDotStuffed(dst, msg []byte) []byte {
	for len(msg) > 0 {
		line := msg
		i := bytes.IndexByte(msg, '\n')
		if i >= 0 {
			line, msg = msg[:i], msg[i+1:]
		} else {
			msg = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) > 0 && line[0] == '.' {
			dst = append(dst, '.')
		}
		dst = append(dst, line...)
		dst = append(dst, "\r\n"...)
	}
	return append(dst, ".\r\n"...)
}

// words is the vocabulary of generated bodies: plain English of the sort
// found in office mail, so that compression and search see text-like data.
var words = strings.Fields(`
the a an and or but if then when while because so that this these those it its
we you they he she our your their my me us them there here what which who how
is are was were be been being have has had do does did will would can could
shall should may might must need want like know think see look make take give
send reply forward attach read write call meet plan review check update agree
report budget meeting project schedule draft figure table page note list item
team office client customer supplier invoice order payment account contract
week month year today tomorrow yesterday morning afternoon evening time date
please thanks regards hello dear best kind soon later again also only just
about after before during until since from into onto over under with without
new old next last first second final early late small large good great clear
question answer issue problem idea point detail summary result change request
version file folder copy print share open close start finish begin end stop
server mailbox message letter phone number address street city country name
we'll let's I'm don't can't it's that's there's you're they're
`)
