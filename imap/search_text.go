package imap

import (
	"bytes"
	"io"
	"mime"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-imap/v2"
)

// The string keys of SEARCH: header fields, BODY and TEXT, and the case
// folding they compare with. See search_match.go for the rules.

// folded returns a search string case-folded, once per command.
func (x *matcher) folded(s string) []byte {
	n, ok := x.needle[s]
	if !ok {
		n = foldAppend(nil, []byte(s))
		x.needle[s] = n
	}
	return n
}

// envelopeFields are the header keys the envelope can answer.
var envelopeFields = map[string]bool{"from": true, "to": true, "cc": true, "bcc": true, "subject": true}

// headerKey matches HEADER name value, and FROM, TO, CC, BCC, SUBJECT.
func (x *matcher) headerKey(name, value string, lvl int) tri {
	lname := strings.ToLower(name)
	needle := x.folded(value)
	if value != "" && envelopeFields[lname] && lvl >= levelStruct {
		if st := x.structure(); st != nil && x.envelopeHas(st.Envelope, lname, needle) {
			return triYes
		}
	}
	if lvl < levelHeader {
		return triMaybe
	}
	if !x.header() {
		return triNo
	}
	for i := range x.hdr {
		f := &x.hdr[i]
		if !strings.EqualFold(f.name, name) {
			continue
		}
		if bytes.Contains(f.raw, needle) || f.decoded != nil && bytes.Contains(f.decoded, needle) {
			return triYes
		}
	}
	return triNo
}

// envelopeHas looks for a folded needle in the envelope's decoded text.
func (x *matcher) envelopeHas(env *imap.Envelope, field string, needle []byte) bool {
	if env == nil {
		return false
	}
	if field == "subject" {
		return x.has(env.Subject, needle)
	}
	var list []imap.Address
	switch field {
	case "from":
		list = env.From
	case "to":
		list = env.To
	case "cc":
		list = env.Cc
	case "bcc":
		list = env.Bcc
	}
	for _, a := range list {
		if x.has(a.Name, needle) || x.has(a.Mailbox+"@"+a.Host, needle) {
			return true
		}
	}
	return false
}

func (x *matcher) has(s string, needle []byte) bool {
	x.fold = foldAppend(x.fold[:0], []byte(s))
	return bytes.Contains(x.fold, needle)
}

// readFile reads the message file, whole or (all false) only its header.
func (x *matcher) readFile(all bool) bool {
	if x.rawAll || !all && x.raw != nil && len(x.raw) > 0 {
		return true
	}
	if !x.file() {
		return false
	}
	if !all {
		x.hs = x.mf.headerSize()
		x.raw = readInto(x.raw, x.mf.r, 0, x.hs)
		return true
	}
	x.raw = readInto(x.raw, x.mf.r, 0, x.mf.size)
	x.rawAll = true
	x.hs = min(x.mf.headerSize(), int64(len(x.raw)))
	return true
}

// readInto reads n octets at off into buf's storage.
func readInto(buf []byte, r io.ReaderAt, off, n int64) []byte {
	if int64(cap(buf)) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	k, _ := r.ReadAt(buf, off)
	return buf[:k]
}

// header reads and splits the message's header once.
func (x *matcher) header() bool {
	if x.hdrOK {
		return true
	}
	if !x.readFile(false) {
		return false
	}
	raw := x.raw[:min(x.hs, int64(len(x.raw)))]
	x.hdrRaw = foldAppend(nil, raw)
	eachField(raw, func(name, field []byte) {
		v := field
		if len(name) > 0 {
			v = field[bytes.IndexByte(field, ':')+1:]
		}
		val := unfold(v)
		f := headerField{name: string(name), raw: foldAppend(nil, []byte(val))}
		if d := decodeWords(val); d != val {
			f.decoded = foldAppend(nil, []byte(d))
		}
		x.hdr = append(x.hdr, f)
	})
	x.hdrOK = true
	return true
}

// unfold joins a field's lines and trims the blanks around its value.
func unfold(v []byte) string {
	s := strings.ReplaceAll(string(v), "\r\n", "")
	s = strings.ReplaceAll(s, "\n", "")
	return strings.TrimSpace(s)
}

// textKey matches BODY (header false) and TEXT (header true).
func (x *matcher) textKey(s string, lvl int, header bool) tri {
	needle := x.folded(s)
	if header && lvl >= levelHeader {
		if !x.header() {
			return triNo
		}
		if bytes.Contains(x.hdrRaw, needle) {
			return triYes
		}
		for i := range x.hdr {
			if d := x.hdr[i].decoded; d != nil && bytes.Contains(d, needle) {
				return triYes
			}
		}
	}
	if lvl < levelBody {
		return triMaybe
	}
	if !x.readFile(true) {
		return triNo
	}
	if !x.bodyOK {
		x.body = foldAppend(x.body[:0], x.raw[x.hs:])
		x.bodyOK = true
		x.rdr.Reset(x.raw)
		x.mf.r = &x.rdr // parts are cut from memory from now on
	}
	inRaw := bytes.Contains(x.body, needle)
	// A message of one text part says so in its header; the structure is
	// read only for the others.
	exact, plain, known := textOnlyHeader(x.raw[:x.hs])
	if !known {
		st := x.structure()
		if st == nil {
			return triNo
		}
		x.mf.st = st
		exact, plain = rawIsText(st.Body)
	}
	if header && !plain && bytes.Contains(x.body, []byte("=?")) {
		exact = false // MIME headers of parts may hold encoded words
	}
	switch {
	case !inRaw && exact:
		return triNo
	case inRaw && plain:
		return triYes
	}
	text, done := &x.text, &x.textOK
	if header {
		text, done = &x.textH, &x.textHOK
	}
	if !*done {
		st := x.structure()
		if st == nil {
			return triNo
		}
		x.mf.st = st
		*text = x.decodedText(x.mf.top(), nil, header)
		*done = true
	}
	if bytes.Contains(*text, needle) {
		return triYes
	}
	return triNo
}

// textOnlyHeader looks at a message's own Content-Type and
// Content-Transfer-Encoding: for a single part it tells what rawIsText
// would; known is false for multiparts, messages and what it cannot read.
func textOnlyHeader(hdr []byte) (exact, plain, known bool) {
	var ctype, cte []byte
	eachField(hdr, func(name, field []byte) {
		v := field[bytes.IndexByte(field, ':')+1:]
		switch {
		case ctype == nil && bytes.EqualFold(name, []byte("Content-Type")):
			ctype = v
		case cte == nil && bytes.EqualFold(name, []byte("Content-Transfer-Encoding")):
			cte = v
		}
	})
	if ctype == nil {
		ok := cteOf(unfold(cte)) == cteIdentity
		return ok, ok, true
	}
	mt, params, err := mime.ParseMediaType(unfold(ctype))
	if err != nil {
		return false, false, false
	}
	typ, _, _ := strings.Cut(mt, "/")
	switch typ {
	case "text":
		ok := cteOf(unfold(cte)) == cteIdentity && charsetDecoder(params["charset"]) == nil
		return ok, ok, true
	case "multipart", "message", "":
		return false, false, false
	}
	return true, false, true // no text to search
}

// rawIsText tells how the raw body relates to its decoded text: exact
// when every text part is stored as it reads (so the raw body holds all
// the text, and a miss there is a miss), plain when the body is nothing
// but one such part (so a hit there is a hit).
func rawIsText(n imap.BodyStructure) (exact, plain bool) {
	switch n := n.(type) {
	case *imap.BodyStructureMultiPart:
		if n == nil {
			return true, false
		}
		for _, c := range n.Children {
			if ok, _ := rawIsText(c); !ok {
				return false, false
			}
		}
		return true, false
	case *imap.BodyStructureSinglePart:
		if n == nil {
			return true, true
		}
		if n.MessageRFC822 != nil {
			return false, false
		}
		if !isTextPart(n) {
			return true, false
		}
		ok := cteOf(n.Encoding) == cteIdentity && charsetDecoder(n.Params["charset"]) == nil
		return ok, ok
	}
	return true, false
}

func isTextPart(n *imap.BodyStructureSinglePart) bool {
	return n.Type == "" || strings.EqualFold(n.Type, "text")
}

// decodedText appends the folded text of a part: text parts decoded, the
// headers of attached messages, the parts of multiparts, and with headers
// the MIME headers of parts too. The whole file is in x.raw.
func (x *matcher) decodedText(p partSpan, dst []byte, headers bool) []byte {
	switch n := p.node.(type) {
	case *imap.BodyStructureMultiPart:
		if n == nil {
			return dst
		}
		x.mf.parts(p, n, func(_ int, c partSpan) bool {
			if headers {
				dst = x.headerText(dst, x.raw[c.start:c.body])
			}
			dst = x.decodedText(c, dst, headers)
			return true
		})
	case *imap.BodyStructureSinglePart:
		if n == nil {
			return dst
		}
		if inner, ok := x.mf.enclosed(p); ok {
			dst = x.headerText(dst, x.raw[inner.start:inner.body])
			return x.decodedText(inner, dst, headers)
		}
		if !isTextPart(n) {
			return dst
		}
		text := toUTF8(decodeCTE(nil, x.raw[p.body:p.end], cteOf(n.Encoding)), n.Params["charset"])
		dst = foldAppend(dst, text)
		dst = append(dst, '\n') // no match across parts
	}
	return dst
}

// headerText appends a header folded, raw and with encoded words decoded.
func (x *matcher) headerText(dst, hdr []byte) []byte {
	dst = foldAppend(dst, hdr)
	if bytes.Contains(hdr, []byte("=?")) {
		dst = foldAppend(dst, []byte(decodeWords(string(hdr))))
	}
	return append(dst, '\n')
}

// foldAppend appends s with every character case-folded: ASCII letters
// to lower case, others to one member of their Unicode simple folding
// orbit. Bytes that are not UTF-8 are kept as they are. A folded
// character is never longer than the original (the orbit member chosen is
// the smallest), so the result fits in len(s) more bytes.
func foldAppend(dst, s []byte) []byte {
	n := len(dst)
	dst = slices.Grow(dst, len(s))[:n+len(s)]
	w := n
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			dst[w] = foldASCII[c]
			w++
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size <= 1 {
			dst[w] = c
			w++
			i++
			continue
		}
		w += utf8.EncodeRune(dst[w:], foldRune(r))
		i += size
	}
	return dst[:w]
}

var foldASCII = func() (t [utf8.RuneSelf]byte) {
	for i := range t {
		c := byte(i)
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		t[i] = c
	}
	return t
}()

// foldRune maps a rune to the smallest member of its folding orbit, or to
// the lower-case ASCII letter when the orbit has one (so that the Kelvin
// sign folds like k).
func foldRune(r rune) rune {
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	if least < utf8.RuneSelf {
		return unicode.ToLower(least)
	}
	return least
}
