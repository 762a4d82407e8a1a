package wire

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-imap/v2"
)

// encMaxQuoted is the longest string sent quoted. Longer ones go as
// literals, which a client can size before it reads them.
const encMaxQuoted = 1024

// Character classes (RFC 3501 section 9), one bit each.
const (
	encAtom    uint8 = 1 << iota // ATOM-CHAR
	encAstring                   // ASTRING-CHAR: ATOM-CHAR or "]"
	encQuoted                    // TEXT-CHAR other than NUL: fits in a quoted string
	encQuoted8                   // encQuoted, or an 8-bit octet (quoted in UTF-8 mode)
)

// encClass holds the classes of each octet.
var encClass = func() (t [256]uint8) {
	for c := 1; c < 0x80; c++ {
		if c == '\r' || c == '\n' {
			continue
		}
		cl := encQuoted | encQuoted8
		switch {
		case c < 0x20 || c == 0x7f: // CTL
		case strings.IndexByte(`(){ %*"\`, byte(c)) >= 0:
		case c == ']':
			cl |= encAstring
		default:
			cl |= encAtom | encAstring
		}
		t[c] = cl
	}
	for c := 0x80; c < 0x100; c++ {
		t[c] = encQuoted8
	}
	return t
}()

// encForm is the wire form chosen for a string.
type encForm uint8

const (
	encFormAtom encForm = iota
	encFormQuoted
	encFormLiteral
)

// Encoder is the response writer: it writes the tokens of server responses
// (RFC 3501 and RFC 9051 section 9) to a bufio.Writer. It belongs to one
// connection and is not safe for concurrent use. The zero value is not
// usable; call NewEncoder.
//
// Token methods return the Encoder so that a response reads as one chain.
// They do not report write errors: bufio.Writer keeps its first error and
// refuses every later write, and Flush returns it. A literal whose source
// fails is the one error the Encoder keeps itself (see Literal); after any
// error the stream is broken and the connection must be closed.
//
// Strings take the smallest form the grammar allows: an atom where the
// production is an astring, else a quoted string, else a literal. A string
// goes as a literal when it holds CR, LF or NUL, when it is longer than
// encMaxQuoted octets, or when it holds 8-bit octets, unless UTF-8 mode is
// on and it is valid UTF-8 (RFC 9051 and RFC 6855 allow UTF-8 in quoted
// strings then). NUL, which no IMAP string may hold, goes in a plain
// literal too: header text with NUL is broken mail, and literal8 is only
// for BINARY.
type Encoder struct {
	w    *bufio.Writer
	utf8 bool     // UTF-8 mode: UTF8=ACCEPT or IMAP4rev2 is enabled
	err  error    // first failed literal: the stream is broken
	num  [20]byte // scratch for numbers
	tmp  []byte   // scratch for dates and mailbox names, reused
	keys []string // scratch for sorting parameter names, reused
}

// NewEncoder returns an Encoder writing to w, with UTF-8 mode off.
func NewEncoder(w *bufio.Writer) *Encoder {
	return &Encoder{w: w}
}

// Reset makes e write to w with UTF-8 mode off and no error, keeping its
// scratch buffers.
func (e *Encoder) Reset(w *bufio.Writer) {
	e.w, e.utf8, e.err = w, false, nil
}

// SetUTF8 turns UTF-8 mode on or off. The session turns it on once the
// client has enabled UTF8=ACCEPT (RFC 6855) or IMAP4rev2 (RFC 9051): strings
// that are valid UTF-8 may then go quoted, mailbox names are sent as UTF-8
// instead of modified UTF-7, and message/global parts are described like
// message/rfc822 ones.
func (e *Encoder) SetUTF8(on bool) { e.utf8 = on }

// UTF8 reports whether UTF-8 mode is on.
func (e *Encoder) UTF8() bool { return e.utf8 }

// Err returns the error that broke the stream in a literal, if any. Write
// errors of the underlying writer show up in Flush.
func (e *Encoder) Err() error { return e.err }

// Flush writes out what is buffered. It returns the first error of the
// stream, and then writes nothing.
func (e *Encoder) Flush() error {
	if e.err != nil {
		return e.err
	}
	return e.w.Flush()
}

// Atom writes s as it is. It is for tags, keywords, command names and other
// tokens that the server spells itself or that the decoder has validated;
// use AString for data.
func (e *Encoder) Atom(s string) *Encoder {
	e.w.WriteString(s)
	return e
}

// SP writes a space.
func (e *Encoder) SP() *Encoder {
	e.w.WriteByte(' ')
	return e
}

// CRLF ends a response line.
func (e *Encoder) CRLF() *Encoder {
	e.w.WriteString("\r\n")
	return e
}

// NIL writes NIL.
func (e *Encoder) NIL() *Encoder {
	e.w.WriteString("NIL")
	return e
}

// BeginList writes "(".
func (e *Encoder) BeginList() *Encoder {
	e.w.WriteByte('(')
	return e
}

// EndList writes ")".
func (e *Encoder) EndList() *Encoder {
	e.w.WriteByte(')')
	return e
}

// BeginCode opens a response code: "[" and its name, e.g. "[UIDVALIDITY".
// Arguments follow with SP and the token methods; EndCode closes it.
func (e *Encoder) BeginCode(name string) *Encoder {
	e.w.WriteByte('[')
	e.w.WriteString(name)
	return e
}

// EndCode writes the "]" that closes a response code.
func (e *Encoder) EndCode() *Encoder {
	e.w.WriteByte(']')
	return e
}

// Number writes a number (RFC 3501 number, nz-number, uniqueid).
func (e *Encoder) Number(n uint32) *Encoder {
	return e.Number64(uint64(n))
}

// Number64 writes a 63-bit number (RFC 9051 number64, mod-sequence-value).
func (e *Encoder) Number64(n uint64) *Encoder {
	e.w.Write(strconv.AppendUint(e.num[:0], n, 10))
	return e
}

// String writes s as a string: quoted, or a literal when it cannot be
// quoted.
func (e *Encoder) String(s string) *Encoder {
	e.writeString(s, e.formOf(s, false))
	return e
}

// NString writes s as an nstring: NIL when s is empty, else a string.
func (e *Encoder) NString(s string) *Encoder {
	if s == "" {
		return e.NIL()
	}
	return e.String(s)
}

// AString writes s as an astring: an atom when every octet is an
// ASTRING-CHAR, else a string. The empty string and any spelling of NIL are
// quoted, so that no client reads them as something else.
func (e *Encoder) AString(s string) *Encoder {
	e.writeString(s, e.formOf(s, true))
	return e
}

// formOf chooses the wire form of s; atomOK says the production is an
// astring.
func (e *Encoder) formOf(s string, atomOK bool) encForm {
	all := encAtom | encAstring | encQuoted | encQuoted8
	for i := 0; i < len(s); i++ {
		all &= encClass[s[i]]
	}
	switch {
	case atomOK && all&encAstring != 0 && s != "" && !strings.EqualFold(s, "NIL"):
		return encFormAtom
	case len(s) > encMaxQuoted:
		return encFormLiteral
	case all&encQuoted != 0:
		return encFormQuoted
	case all&encQuoted8 != 0 && e.utf8 && utf8.ValidString(s):
		return encFormQuoted
	}
	return encFormLiteral
}

func (e *Encoder) writeString(s string, f encForm) {
	switch f {
	case encFormAtom:
		e.w.WriteString(s)
	case encFormQuoted:
		e.writeQuoted(s)
	default:
		e.literalHeader("{", int64(len(s)))
		e.w.WriteString(s)
	}
}

// writeQuoted writes s between double quotes, escaping the quoted-specials.
// The caller has checked that s may be quoted.
func (e *Encoder) writeQuoted(s string) {
	e.w.WriteByte('"')
	e.writeEscaped(s)
	e.w.WriteByte('"')
}

// writeAStringBytes is AString for text already in a byte slice (an
// encoded mailbox name), kept apart so that no string is made of it.
func (e *Encoder) writeAStringBytes(b []byte) {
	all := encAstring | encQuoted
	for _, c := range b {
		all &= encClass[c]
	}
	switch {
	case all&encAstring != 0 && len(b) > 0 && !(len(b) == 3 && strings.EqualFold(string(b), "NIL")):
		e.w.Write(b)
	case all&encQuoted != 0 && len(b) <= encMaxQuoted:
		e.w.WriteByte('"')
		start := 0
		for i, c := range b {
			if c == '"' || c == '\\' {
				e.w.Write(b[start:i])
				e.w.WriteByte('\\')
				start = i
			}
		}
		e.w.Write(b[start:])
		e.w.WriteByte('"')
	default:
		e.literalHeader("{", int64(len(b)))
		e.w.Write(b)
	}
}

// Text writes human-readable text (resp-text's text). CR, LF and NUL, which
// would end or break the line, become spaces; octets that the client may not
// be able to read (any 8-bit octet outside UTF-8 mode, invalid UTF-8 in it)
// become "?", one per character.
func (e *Encoder) Text(s string) *Encoder {
	all := encQuoted
	for i := 0; i < len(s); i++ {
		all &= encClass[s[i]]
	}
	if all != 0 {
		e.w.WriteString(s)
		return e
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == 0 || c == '\r' || c == '\n':
			e.w.WriteByte(' ')
		case c < utf8.RuneSelf:
			e.w.WriteByte(c)
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if e.utf8 && (r != utf8.RuneError || size > 1) {
				e.w.WriteString(s[i : i+size])
			} else {
				e.w.WriteByte('?') // one per character, not per octet
			}
			i += size
			continue
		}
		i++
	}
	return e
}

// literalHeader writes "{n}" CRLF, or "~{n}" CRLF when open is "~{".
func (e *Encoder) literalHeader(open string, n int64) {
	e.w.WriteString(open)
	e.Number64(uint64(n))
	e.w.WriteString("}\r\n")
}

// LiteralString writes s as a literal whatever its content.
func (e *Encoder) LiteralString(s string) *Encoder {
	e.literalHeader("{", int64(len(s)))
	e.w.WriteString(s)
	return e
}

// LiteralBytes writes b as a literal.
func (e *Encoder) LiteralBytes(b []byte) *Encoder {
	e.literalHeader("{", int64(len(b)))
	e.w.Write(b)
	return e
}

// Literal writes a literal of size octets read from r, streamed through the
// bufio.Writer and never held whole, so a 50 MB body costs one buffer. Once
// the buffer is empty, bufio hands the rest to the connection's ReadFrom,
// which for a plain TCP connection and an *os.File source is sendfile. If r
// ends early or fails, the client has been promised octets that will never
// come: the error is kept, returned by Err and Flush, and the connection
// must be closed.
func (e *Encoder) Literal(r io.Reader, size int64) *Encoder {
	return e.literal("{", r, size)
}

// Literal8 is Literal for the literal8 of BINARY (RFC 3516), "~{n}", whose
// octets may include NUL.
func (e *Encoder) Literal8(r io.Reader, size int64) *Encoder {
	return e.literal("~{", r, size)
}

func (e *Encoder) literal(open string, r io.Reader, size int64) *Encoder {
	if size < 0 {
		e.fail(fmt.Errorf("wire: literal of negative size %d", size))
		return e
	}
	e.literalHeader(open, size)
	n, err := io.CopyN(e.w, r, size)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		e.fail(fmt.Errorf("wire: literal of %d octets broken after %d: %w", size, n, err))
	}
	return e
}

func (e *Encoder) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// Flags writes a parenthesised flag list. A flag that is not a keyword
// atom, a "\"-prefixed atom or "\*" is left out: it could not be sent
// without breaking the response, and the store should never have taken it.
func (e *Encoder) Flags(flags []imap.Flag) *Encoder {
	e.w.WriteByte('(')
	first := true
	for _, f := range flags {
		if !encValidFlag(string(f)) {
			continue
		}
		if !first {
			e.w.WriteByte(' ')
		}
		first = false
		e.w.WriteString(string(f))
	}
	e.w.WriteByte(')')
	return e
}

func encValidFlag(f string) bool {
	if f == `\*` {
		return true
	}
	if strings.HasPrefix(f, `\`) {
		f = f[1:]
	}
	if f == "" {
		return false
	}
	for i := 0; i < len(f); i++ {
		if encClass[f[i]]&encAtom == 0 {
			return false
		}
	}
	return true
}

// Rights writes an ACL right set (RFC 4314 rights) as an astring; the empty
// set is "".
func (e *Encoder) Rights(r imap.RightSet) *Encoder {
	atom := len(r) > 0
	for _, c := range r {
		if encClass[c]&encAstring == 0 {
			atom = false
		}
	}
	if !atom {
		return e.String(string(r))
	}
	for _, c := range r {
		e.w.WriteByte(byte(c))
	}
	return e
}

// NumSet writes a sequence set or UID set ("1:4,7,9:*"). Zero stands for
// "*", as in go-imap. The set must not be empty: the grammar has no empty
// set, and the caller leaves the token out instead.
func (e *Encoder) NumSet(s imap.NumSet) *Encoder {
	if imap.IsSearchRes(s) {
		e.w.WriteByte('$')
		return e
	}
	switch s := s.(type) {
	case imap.SeqSet:
		for i, r := range s {
			e.numRange(i, r.Start, r.Stop)
		}
	case imap.UIDSet:
		for i, r := range s {
			e.numRange(i, uint32(r.Start), uint32(r.Stop))
		}
	}
	return e
}

func (e *Encoder) numRange(i int, start, stop uint32) {
	if i > 0 {
		e.w.WriteByte(',')
	}
	e.seqNumber(start)
	if stop != start {
		e.w.WriteByte(':')
		e.seqNumber(stop)
	}
}

func (e *Encoder) seqNumber(n uint32) {
	if n == 0 {
		e.w.WriteByte('*')
		return
	}
	e.Number(n)
}

// dateTimeLayout is RFC 3501's date-time with its quotes, the day always
// in two digits (date-day-fixed allows both " 1" and "01").
const dateTimeLayout = `"02-Jan-2006 15:04:05 -0700"`

// DateTime writes t as a quoted date-time, "01-Jan-2024 10:00:00 +0000",
// in t's own zone.
func (e *Encoder) DateTime(t time.Time) *Encoder {
	e.tmp = t.AppendFormat(e.tmp[:0], dateTimeLayout)
	e.w.Write(e.tmp)
	return e
}

// Mailbox writes a mailbox name (an astring). The name is UTF-8 as the
// store keeps it; outside UTF-8 mode it goes in modified UTF-7. The caller
// passes INBOX in the spelling it wants sent.
func (e *Encoder) Mailbox(name string) *Encoder {
	if e.utf8 || utf7Plain(name) {
		return e.AString(name)
	}
	e.tmp = appendUTF7(e.tmp[:0], name)
	e.writeAStringBytes(e.tmp)
	return e
}
