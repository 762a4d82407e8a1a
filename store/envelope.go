package store

import (
	"io"
	"mime"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-message/textproto"
	"golang.org/x/text/encoding/htmlindex"
)

// The envelope of a message, twice: as written (encoded words kept, groups
// kept), which IMAP's ENVELOPE returns, and decoded to UTF-8, which SEARCH
// matches and people read. Addresses are parsed here rather than with
// net/mail, which decodes names, drops groups and gives up on the malformed
// lists real mail is full of.

// envelopes extracts both envelopes of a header.
func envelopes(h textproto.Header) (raw, decoded *imap.Envelope) {
	raw, decoded = &imap.Envelope{}, &imap.Envelope{}
	if d := unfold(h.Get("Date")); d != "" {
		if t, err := parseDate(d); err == nil {
			raw.Date, decoded.Date = t, t
		}
	}
	raw.Subject = unfold(h.Get("Subject"))
	decoded.Subject = decodeWords(raw.Subject)
	for _, f := range []struct {
		name     string
		raw, dec *[]imap.Address
	}{
		{"From", &raw.From, &decoded.From}, {"Sender", &raw.Sender, &decoded.Sender},
		{"Reply-To", &raw.ReplyTo, &decoded.ReplyTo}, {"To", &raw.To, &decoded.To},
		{"Cc", &raw.Cc, &decoded.Cc}, {"Bcc", &raw.Bcc, &decoded.Bcc},
	} {
		v := unfold(h.Get(f.name))
		if v == "" {
			continue
		}
		*f.raw = parseAddressList(v)
		for _, a := range *f.raw {
			a.Name = decodeWords(a.Name)
			if a.Host == "" && a.Mailbox != "" {
				a.Mailbox = decodeWords(a.Mailbox) // a group's name
			}
			*f.dec = append(*f.dec, a)
		}
	}
	raw.InReplyTo = msgIDs(h.Get("In-Reply-To"))
	decoded.InReplyTo = raw.InReplyTo
	if ids := msgIDs(h.Get("Message-Id")); len(ids) > 0 {
		raw.MessageID, decoded.MessageID = ids[0], ids[0]
	}
	return raw, decoded
}

func parseDate(s string) (time.Time, error) {
	// Dates with a trailing comment or zone name ("(UTC)", "GMT") are
	// common; net/mail handles most, this strips what it does not.
	if i := strings.IndexByte(s, '('); i > 0 {
		s = strings.TrimSpace(s[:i])
	}
	for _, layout := range []string{time.RFC1123Z, "Mon, 2 Jan 2006 15:04:05 -0700", "2 Jan 2006 15:04:05 -0700",
		"Mon, 2 Jan 2006 15:04 -0700", "Mon, 2 Jan 2006 15:04:05 MST", "2 Jan 2006 15:04:05 MST"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, io.ErrUnexpectedEOF
}

// msgIDs returns the message ids of a field, without angle brackets, as
// go-imap's Envelope carries them.
func msgIDs(v string) []string {
	var out []string
	for {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			return out
		}
		if id := strings.TrimSpace(v[i+1 : i+j]); id != "" {
			out = append(out, id)
		}
		v = v[i+j+1:]
	}
}

// missingDomain stands in for the host of an address written without one,
// since an empty host marks a group in IMAP's address lists.
const missingDomain = "MISSING_DOMAIN"

// parseAddressList reads an RFC 5322 address list leniently: names stay as
// written (quotes removed, encoded words kept), groups become IMAP's
// start-of-group and end-of-group markers, comments are dropped, and
// whatever cannot be read as an address is skipped.
func parseAddressList(s string) []imap.Address {
	var out []imap.Address
	var phrase strings.Builder
	inGroup := false
	space := false
	word := func(w string) {
		if phrase.Len() > 0 && space {
			phrase.WriteByte(' ')
		}
		phrase.WriteString(w)
		space = false
	}
	flush := func() {
		// A bare addr-spec: the phrase is the address.
		if a, ok := addrSpec(strings.TrimSpace(phrase.String())); ok {
			out = append(out, a)
		}
		phrase.Reset()
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t':
			space = true
		case '"':
			j := i + 1
			var q strings.Builder
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				q.WriteByte(s[j])
			}
			word(q.String())
			i = j
		case '(':
			depth := 1
			for i++; i < len(s) && depth > 0; i++ {
				switch s[i] {
				case '\\':
					i++
				case '(':
					depth++
				case ')':
					depth--
				}
			}
			i--
			space = true
		case '<':
			j := strings.IndexByte(s[i:], '>')
			if j < 0 {
				j = len(s) - i
			}
			inner := s[i+1 : i+j]
			// Drop an obsolete source route ("@a,@b:").
			if k := strings.LastIndexByte(inner, ':'); k >= 0 && strings.HasPrefix(strings.TrimSpace(inner), "@") {
				inner = inner[k+1:]
			}
			if a, ok := addrSpec(strings.TrimSpace(inner)); ok {
				a.Name = strings.TrimSpace(phrase.String())
				out = append(out, a)
			}
			phrase.Reset()
			i += j
		case ':':
			if inGroup {
				word(":")
				continue
			}
			out = append(out, imap.Address{Mailbox: strings.TrimSpace(phrase.String())})
			phrase.Reset()
			inGroup = true
		case ';':
			flush()
			if inGroup {
				out = append(out, imap.Address{})
				inGroup = false
			}
		case ',':
			flush()
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\"(<:;,", rune(s[j])) {
				j++
			}
			word(s[i:j])
			i = j - 1
		}
	}
	flush()
	if inGroup {
		out = append(out, imap.Address{})
	}
	return out
}

// addrSpec splits "local@domain". An address without a domain gets
// missingDomain; an empty one is no address.
func addrSpec(s string) (imap.Address, bool) {
	s = strings.Trim(s, " \t")
	if s == "" {
		return imap.Address{}, false
	}
	i := strings.LastIndexByte(s, '@')
	if i < 0 {
		return imap.Address{Mailbox: s, Host: missingDomain}, true
	}
	local, host := strings.Trim(s[:i], `"`), s[i+1:]
	if host == "" {
		host = missingDomain
	}
	return imap.Address{Mailbox: local, Host: host}, true
}

// decodeWords decodes RFC 2047 encoded words in any charset Go's x/text
// knows; text it cannot decode stays as written.
func decodeWords(s string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	out, err := wordDecoder.DecodeHeader(s)
	if err != nil {
		return s
	}
	return out
}

var wordDecoder = &mime.WordDecoder{CharsetReader: func(charset string, input io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return nil, err
	}
	return enc.NewDecoder().Reader(input), nil
}}
