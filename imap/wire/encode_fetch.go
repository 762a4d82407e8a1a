package wire

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-imap/v2"
)

// ENVELOPE, BODY and BODYSTRUCTURE from go-imap's types, by the grammar of
// RFC 3501 section 9 (and RFC 9051's, which adds message/global).
//
// Decisions:
//   - Media type, subtype and transfer encoding are sent in upper case, as in
//     the RFCs' examples and the grammar's own spellings ("TEXT", "7BIT").
//     Parameter names and values, the disposition and language are sent as
//     given: go-message has already lowercased names, values keep their case.
//   - Parameters go in name order, so that a structure has one wire form.
//   - An absent transfer encoding is "7BIT", RFC 2045's default.
//   - The writer never breaks the grammar to mirror a broken structure: a
//     text part without a line count gets 0 lines, a message/rfc822 part
//     without its nested data gets an empty envelope and an empty text body,
//     and a multipart without children gets one empty text part, because
//     the grammar wants at least one.
//   - BODYSTRUCTURE always carries every extension field (NIL when
//     unknown); body MD5 is always NIL, as go-imap keeps none.
//   - message/global takes the message/rfc822 form (envelope, body, lines)
//     only in UTF-8 mode: RFC 3501's grammar has it as a basic part.
//   - Header text that go-imap has decoded (display names, a subject with
//     no Envelope.Subject) is UTF-8 and goes as a literal outside UTF-8
//     mode; pass the raw Subject so that encoded-words reach the client.

// Envelope is a message's ENVELOPE: go-imap's parsed form, and the header
// text that RFC 3501 wants sent as the message has it but that the parsed
// form loses.
type Envelope struct {
	Parsed *imap.Envelope

	// Date is the Date header field's value, unfolded. Nil means the caller
	// does not have it: Parsed.Date is then sent in RFC 5322 form, or NIL
	// when zero. A pointer to "" is a Date header that is present but
	// empty, sent as "".
	Date *string

	// Subject is the Subject header field's value, unfolded, encoded-words
	// left for the client to decode. Nil means the caller does not have it:
	// Parsed.Subject (decoded) is then sent, NIL when empty.
	Subject *string
}

// envDateLayout is RFC 5322's date-time, for envelopes that have only a
// parsed date.
const envDateLayout = `"Mon, 2 Jan 2006 15:04:05 -0700"`

var encEmptyEnvelope imap.Envelope

// Envelope writes an envelope. Sender and Reply-To that the message lacks
// are sent as From, as RFC 3501 section 7.4.2 tells servers to do; an
// address list without addresses is NIL. In-Reply-To and Message-ID get
// back the angle brackets that go-imap strips.
func (e *Encoder) Envelope(env Envelope) *Encoder {
	p := env.Parsed
	if p == nil {
		p = &encEmptyEnvelope
	}
	e.w.WriteByte('(')
	switch {
	case env.Date != nil:
		e.String(*env.Date)
	case p.Date.IsZero():
		e.NIL()
	default:
		e.tmp = p.Date.AppendFormat(e.tmp[:0], envDateLayout)
		e.w.Write(e.tmp)
	}
	e.w.WriteByte(' ')
	if env.Subject != nil {
		e.String(*env.Subject)
	} else {
		e.NString(p.Subject)
	}
	from := p.From
	sender, replyTo := p.Sender, p.ReplyTo
	if len(sender) == 0 {
		sender = from
	}
	if len(replyTo) == 0 {
		replyTo = from
	}
	for _, l := range [...][]imap.Address{from, sender, replyTo, p.To, p.Cc, p.Bcc} {
		e.w.WriteByte(' ')
		e.addressList(l)
	}
	e.w.WriteByte(' ')
	e.msgIDs(p.InReplyTo)
	e.w.WriteByte(' ')
	if p.MessageID == "" {
		e.NIL()
	} else {
		one := [1]string{p.MessageID}
		e.msgIDs(one[:])
	}
	e.w.WriteByte(')')
	return e
}

// addressList writes "(" 1*address ")" or NIL. go-imap marks groups with
// addresses that have no host: a mailbox (the group's name) opens one, an
// empty mailbox closes it; RFC 3501 says the same with NIL fields.
func (e *Encoder) addressList(l []imap.Address) {
	if len(l) == 0 {
		e.NIL()
		return
	}
	e.w.WriteByte('(')
	for i := range l {
		a := &l[i]
		e.w.WriteByte('(')
		e.NString(a.Name)
		e.w.WriteString(" NIL ")
		switch {
		case a.Host != "":
			e.String(a.Mailbox)
			e.w.WriteByte(' ')
			e.String(a.Host)
		case a.Mailbox != "": // start of group
			e.String(a.Mailbox)
			e.w.WriteString(" NIL")
		default: // end of group
			e.w.WriteString("NIL NIL")
		}
		e.w.WriteByte(')')
	}
	e.w.WriteByte(')')
}

// msgIDs writes message identifiers, each in angle brackets and separated
// by spaces, as one nstring; NIL when there are none. The pieces are
// written in place: no joined string is made.
func (e *Encoder) msgIDs(ids []string) {
	if len(ids) == 0 {
		e.NIL()
		return
	}
	all := encQuoted | encQuoted8
	n := len(ids)*3 - 1 // brackets and separating spaces
	valid := true
	for _, id := range ids {
		n += len(id)
		for i := 0; i < len(id); i++ {
			all &= encClass[id[i]]
		}
		valid = valid && utf8.ValidString(id)
	}
	quoted := n <= encMaxQuoted &&
		(all&encQuoted != 0 || all&encQuoted8 != 0 && e.utf8 && valid)
	if quoted {
		e.w.WriteByte('"')
	} else {
		e.literalHeader("{", int64(n))
	}
	for i, id := range ids {
		if i > 0 {
			e.w.WriteByte(' ')
		}
		e.w.WriteByte('<')
		if quoted {
			e.writeEscaped(id)
		} else {
			e.w.WriteString(id)
		}
		e.w.WriteByte('>')
	}
	if quoted {
		e.w.WriteByte('"')
	}
}

// writeEscaped writes the inside of a quoted string.
func (e *Encoder) writeEscaped(s string) {
	start := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			e.w.WriteString(s[start:i])
			e.w.WriteByte('\\')
			start = i
		}
	}
	e.w.WriteString(s[start:])
}

// BodyStructure writes a body structure with its extension data, the
// BODYSTRUCTURE fetch item.
func (e *Encoder) BodyStructure(bs imap.BodyStructure) *Encoder {
	e.body(bs, true)
	return e
}

// Body writes a body structure without extension data, the BODY fetch
// item.
func (e *Encoder) Body(bs imap.BodyStructure) *Encoder {
	e.body(bs, false)
	return e
}

func (e *Encoder) body(bs imap.BodyStructure, ext bool) {
	switch bs := bs.(type) {
	case *imap.BodyStructureSinglePart:
		if bs != nil {
			e.singlePart(bs, ext)
			return
		}
	case *imap.BodyStructureMultiPart:
		if bs != nil {
			e.multiPart(bs, ext)
			return
		}
	}
	e.emptyPart(ext)
}

// emptyPart stands in for a part the grammar needs but the structure
// lacks: an empty text/plain.
func (e *Encoder) emptyPart(ext bool) {
	e.w.WriteString(`("TEXT" "PLAIN" NIL NIL NIL "7BIT" 0 0`)
	if ext {
		e.w.WriteString(" NIL NIL NIL NIL")
	}
	e.w.WriteByte(')')
}

func (e *Encoder) singlePart(p *imap.BodyStructureSinglePart, ext bool) {
	e.w.WriteByte('(')
	e.upperString(p.Type)
	e.w.WriteByte(' ')
	e.upperString(p.Subtype)
	e.w.WriteByte(' ')
	e.params(p.Params)
	e.w.WriteByte(' ')
	e.NString(p.ID)
	e.w.WriteByte(' ')
	e.NString(p.Description)
	e.w.WriteByte(' ')
	if p.Encoding == "" {
		e.w.WriteString(`"7BIT"`)
	} else {
		e.upperString(p.Encoding)
	}
	e.w.WriteByte(' ')
	e.Number(p.Size)

	switch {
	case e.isMessagePart(p):
		e.w.WriteByte(' ')
		if m := p.MessageRFC822; m != nil {
			e.Envelope(Envelope{Parsed: m.Envelope})
			e.w.WriteByte(' ')
			e.body(m.BodyStructure, ext)
			e.w.WriteByte(' ')
			e.lines(m.NumLines)
		} else {
			e.Envelope(Envelope{})
			e.w.WriteByte(' ')
			e.emptyPart(ext)
			e.w.WriteString(" 0")
		}
	case strings.EqualFold(p.Type, "text"):
		e.w.WriteByte(' ')
		if p.Text != nil {
			e.lines(p.Text.NumLines)
		} else {
			e.w.WriteByte('0')
		}
	}

	if ext {
		e.w.WriteString(" NIL ") // body MD5
		if x := p.Extended; x != nil {
			e.extTail(x.Disposition, x.Language, x.Location)
		} else {
			e.w.WriteString("NIL NIL NIL")
		}
	}
	e.w.WriteByte(')')
}

// isMessagePart reports whether p takes body-type-msg's form. RFC 3501 has
// only message/rfc822 there; message/global joins it in RFC 9051, so a
// client that has not enabled UTF-8 mode sees it as a basic part.
func (e *Encoder) isMessagePart(p *imap.BodyStructureSinglePart) bool {
	if !strings.EqualFold(p.Type, "message") {
		return false
	}
	return strings.EqualFold(p.Subtype, "rfc822") ||
		e.utf8 && strings.EqualFold(p.Subtype, "global")
}

func (e *Encoder) lines(n int64) {
	if n < 0 {
		n = 0
	}
	e.Number64(uint64(n))
}

func (e *Encoder) multiPart(p *imap.BodyStructureMultiPart, ext bool) {
	e.w.WriteByte('(')
	if len(p.Children) == 0 {
		e.emptyPart(ext)
	}
	for _, c := range p.Children {
		e.body(c, ext) // 1*body: no space between them
	}
	e.w.WriteByte(' ')
	if p.Subtype == "" {
		e.w.WriteString(`"MIXED"`)
	} else {
		e.upperString(p.Subtype)
	}
	if ext {
		e.w.WriteByte(' ')
		if x := p.Extended; x != nil {
			e.params(x.Params)
			e.w.WriteByte(' ')
			e.extTail(x.Disposition, x.Language, x.Location)
		} else {
			e.w.WriteString("NIL NIL NIL NIL")
		}
	}
	e.w.WriteByte(')')
}

// extTail writes body-fld-dsp SP body-fld-lang SP body-fld-loc, the
// extension fields that end both body-ext-1part and body-ext-mpart.
func (e *Encoder) extTail(d *imap.BodyStructureDisposition, lang []string, loc string) {
	e.disposition(d)
	e.w.WriteByte(' ')
	e.language(lang)
	e.w.WriteByte(' ')
	e.NString(loc)
}

// params writes body-fld-param: "(" name SP value ... ")" in name order, or
// NIL when there are none.
func (e *Encoder) params(m map[string]string) {
	if len(m) == 0 {
		e.NIL()
		return
	}
	keys := e.keys[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.w.WriteByte('(')
	for i, k := range keys {
		if i > 0 {
			e.w.WriteByte(' ')
		}
		e.String(k)
		e.w.WriteByte(' ')
		e.String(m[k])
	}
	e.w.WriteByte(')')
	clear(keys) // drop the references; keep the capacity
	e.keys = keys[:0]
}

// disposition writes body-fld-dsp: "(" value SP params ")" or NIL.
func (e *Encoder) disposition(d *imap.BodyStructureDisposition) {
	if d == nil || d.Value == "" {
		e.NIL()
		return
	}
	e.w.WriteByte('(')
	e.String(d.Value)
	e.w.WriteByte(' ')
	e.params(d.Params)
	e.w.WriteByte(')')
}

// language writes body-fld-lang: NIL, one string, or a list of them.
func (e *Encoder) language(l []string) {
	switch len(l) {
	case 0:
		e.NIL()
	case 1:
		e.NString(l[0])
	default:
		e.w.WriteByte('(')
		for i, s := range l {
			if i > 0 {
				e.w.WriteByte(' ')
			}
			e.String(s)
		}
		e.w.WriteByte(')')
	}
}

// upperString writes s as a string with its ASCII letters in upper case.
func (e *Encoder) upperString(s string) {
	f := e.formOf(s, false)
	if f == encFormQuoted {
		e.w.WriteByte('"')
	} else {
		e.literalHeader("{", int64(len(s)))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case f == encFormQuoted && (c == '"' || c == '\\'):
			e.w.WriteByte('\\')
		}
		e.w.WriteByte(c)
	}
	if f == encFormQuoted {
		e.w.WriteByte('"')
	}
}
