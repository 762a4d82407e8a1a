package wire

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// grammarChecker is a strict reader of the response productions that the
// fetch writers make (RFC 3501 section 9, RFC 9051 where utf8 is set). The
// tests run every golden and every hand-made structure through it, so that
// a wire form that no client could parse fails even before a human reads
// the golden file. It checks syntax only, and panics with a message on the
// first error; check turns that into an error.
type grammarChecker struct {
	s    string
	i    int
	utf8 bool // RFC 9051 / RFC 6855: UTF-8 in quoted strings, message/global
}

type grammarError string

func (g *grammarChecker) fail(format string, args ...any) {
	near := g.s[g.i:]
	if len(near) > 40 {
		near = near[:40]
	}
	panic(grammarError(fmt.Sprintf("at %d (%q): ", g.i, near) + fmt.Sprintf(format, args...)))
}

// check runs f and reports the first grammar error, or input left over.
func (g *grammarChecker) check(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			ge, ok := r.(grammarError)
			if !ok {
				panic(r)
			}
			err = fmt.Errorf("%s", string(ge))
		}
	}()
	f()
	if g.i != len(g.s) {
		g.fail("left over")
	}
	return nil
}

func (g *grammarChecker) peek() byte {
	if g.i >= len(g.s) {
		return 0
	}
	return g.s[g.i]
}

func (g *grammarChecker) lit(want string) {
	if !strings.HasPrefix(g.s[g.i:], want) {
		g.fail("want %q", want)
	}
	g.i += len(want)
}

func (g *grammarChecker) sp() { g.lit(" ") }

func (g *grammarChecker) isNIL() bool {
	if strings.HasPrefix(g.s[g.i:], "NIL") {
		g.i += 3
		return true
	}
	return false
}

func (g *grammarChecker) number() uint64 {
	start := g.i
	var n uint64
	for g.i < len(g.s) && g.s[g.i] >= '0' && g.s[g.i] <= '9' {
		n = n*10 + uint64(g.s[g.i]-'0')
		g.i++
	}
	if g.i == start {
		g.fail("want number")
	}
	if g.i-start > 1 && g.s[start] == '0' {
		g.fail("number with a leading zero")
	}
	return n
}

// str reads a string (quoted / literal) and returns its value.
func (g *grammarChecker) str() string {
	switch g.peek() {
	case '"':
		g.i++
		var b strings.Builder
		for {
			if g.i >= len(g.s) {
				g.fail("quoted string not closed")
			}
			c := g.s[g.i]
			switch {
			case c == '"':
				g.i++
				return b.String()
			case c == '\\':
				g.i++
				if n := g.peek(); n != '"' && n != '\\' {
					g.fail("backslash before %q", n)
				}
				b.WriteByte(g.s[g.i])
				g.i++
			case c == 0 || c == '\r' || c == '\n':
				g.fail("%q in a quoted string", c)
			case c >= 0x80:
				if !g.utf8 {
					g.fail("8-bit octet in a quoted string")
				}
				r, size := utf8.DecodeRuneInString(g.s[g.i:])
				if r == utf8.RuneError && size <= 1 {
					g.fail("invalid UTF-8 in a quoted string")
				}
				b.WriteString(g.s[g.i : g.i+size])
				g.i += size
			default:
				b.WriteByte(c)
				g.i++
			}
		}
	case '{':
		g.i++
		n := g.number()
		g.lit("}\r\n")
		if uint64(len(g.s)-g.i) < n {
			g.fail("literal of %d octets runs past the end", n)
		}
		v := g.s[g.i : g.i+int(n)]
		if strings.IndexByte(v, 0) >= 0 {
			g.fail("NUL in a literal")
		}
		g.i += int(n)
		return v
	}
	g.fail("want string")
	return ""
}

func (g *grammarChecker) nstring() {
	if !g.isNIL() {
		g.str()
	}
}

// fetch reads one "* n FETCH (...)" line with ENVELOPE, BODY and
// BODYSTRUCTURE items.
func (g *grammarChecker) fetch() {
	g.lit("* ")
	if g.number() == 0 {
		g.fail("sequence number 0")
	}
	g.lit(" FETCH (")
	for first := true; g.peek() != ')'; first = false {
		if !first {
			g.sp()
		}
		switch {
		case strings.HasPrefix(g.s[g.i:], "ENVELOPE "):
			g.i += len("ENVELOPE ")
			g.envelope()
		case strings.HasPrefix(g.s[g.i:], "BODYSTRUCTURE "):
			g.i += len("BODYSTRUCTURE ")
			g.body(true)
		case strings.HasPrefix(g.s[g.i:], "BODY "):
			g.i += len("BODY ")
			g.body(false)
		default:
			g.fail("unknown fetch item")
		}
	}
	g.lit(")\r\n")
}

// envelope: "(" date SP subject SP from SP sender SP reply-to SP to SP cc
// SP bcc SP in-reply-to SP message-id ")".
func (g *grammarChecker) envelope() {
	g.lit("(")
	g.nstring()
	g.sp()
	g.nstring()
	for range 6 {
		g.sp()
		g.addresses()
	}
	g.sp()
	g.nstring()
	g.sp()
	g.nstring()
	g.lit(")")
}

// addresses: "(" 1*address ")" / nil, with groups opened and closed in
// pairs.
func (g *grammarChecker) addresses() {
	if g.isNIL() {
		return
	}
	g.lit("(")
	depth := 0
	for n := 0; ; n++ {
		if g.peek() == ')' {
			if n == 0 {
				g.fail("empty address list")
			}
			break
		}
		g.lit("(")
		g.nstring() // addr-name
		g.sp()
		g.nstring() // addr-adl
		g.sp()
		mailboxNIL := g.isNIL()
		if !mailboxNIL {
			g.str()
		}
		g.sp()
		if g.isNIL() { // group syntax
			if mailboxNIL {
				depth--
			} else {
				depth++
			}
			if depth < 0 || depth > 1 {
				g.fail("group markers out of order")
			}
		} else {
			g.str()
		}
		g.lit(")")
	}
	g.lit(")")
	if depth != 0 {
		g.fail("group not closed")
	}
}

// body: "(" (body-type-1part / body-type-mpart) ")". ext says extension
// data may follow (BODYSTRUCTURE); BODY must have none.
func (g *grammarChecker) body(ext bool) {
	g.lit("(")
	if g.peek() == '(' {
		for g.peek() == '(' {
			g.body(ext)
		}
		g.sp()
		g.str() // media-subtype
		if g.peek() == ' ' {
			if !ext {
				g.fail("extension data in BODY")
			}
			g.sp()
			g.params()
			g.extTail()
		}
		g.lit(")")
		return
	}
	typ := strings.ToUpper(g.str())
	g.sp()
	sub := strings.ToUpper(g.str())
	g.sp()
	// body-fields
	g.params()
	g.sp()
	g.nstring() // id
	g.sp()
	g.nstring() // description
	g.sp()
	g.str() // encoding
	g.sp()
	g.number() // octets
	switch {
	case typ == "MESSAGE" && (sub == "RFC822" || g.utf8 && sub == "GLOBAL"):
		g.sp()
		g.envelope()
		g.sp()
		g.body(ext)
		g.sp()
		g.number()
	case typ == "TEXT":
		g.sp()
		g.number()
	}
	if g.peek() == ' ' {
		if !ext {
			g.fail("extension data in BODY")
		}
		g.sp()
		g.nstring() // md5
		g.extTail()
	}
	g.lit(")")
}

// extTail reads [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc
// *(SP body-extension)]]].
func (g *grammarChecker) extTail() {
	if g.peek() != ' ' {
		return
	}
	g.sp()
	if !g.isNIL() {
		g.lit("(")
		g.str()
		g.sp()
		g.params()
		g.lit(")")
	}
	if g.peek() != ' ' {
		return
	}
	g.sp()
	if g.peek() == '(' {
		g.i++
		g.str()
		for g.peek() == ' ' {
			g.sp()
			g.str()
		}
		g.lit(")")
	} else {
		g.nstring()
	}
	if g.peek() != ' ' {
		return
	}
	g.sp()
	g.nstring()
	for g.peek() == ' ' {
		g.sp()
		g.extension()
	}
}

func (g *grammarChecker) extension() {
	switch c := g.peek(); {
	case c == '(':
		g.i++
		g.extension()
		for g.peek() == ' ' {
			g.sp()
			g.extension()
		}
		g.lit(")")
	case c >= '0' && c <= '9':
		g.number()
	default:
		g.nstring()
	}
}

// params: "(" string SP string *(SP string SP string) ")" / nil.
func (g *grammarChecker) params() {
	if g.isNIL() {
		return
	}
	g.lit("(")
	g.str()
	g.sp()
	g.str()
	for g.peek() == ' ' {
		g.sp()
		g.str()
		g.sp()
		g.str()
	}
	g.lit(")")
}
