package wire

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// Defaults for the zero fields of DecoderLimits.
const (
	// DefaultMaxLineLength leaves room for long UID sets and search programs.
	DefaultMaxLineLength = 64 << 10
	// DefaultMaxLiteralSize bounds one streamed literal (a message body).
	DefaultMaxLiteralSize = 64 << 20
	// DefaultMaxStringBytes bounds the literal bytes that one command may
	// make the decoder hold in memory.
	DefaultMaxStringBytes = 1 << 20
)

// DecoderLimits bounds what one command may make the decoder read. A zero
// field takes its default.
type DecoderLimits struct {
	// MaxLineLength is the most bytes of one command outside literal data,
	// every physical line and CRLF counted together.
	MaxLineLength int
	// MaxLiteralSize is the largest literal read as a stream (APPEND).
	MaxLiteralSize int64
	// MaxStringBytes is the most literal bytes of one command read into
	// memory as strings (astring, search keys, ...).
	MaxStringBytes int64
}

func (l DecoderLimits) withDefaults() DecoderLimits {
	if l.MaxLineLength <= 0 {
		l.MaxLineLength = DefaultMaxLineLength
	}
	if l.MaxLiteralSize <= 0 {
		l.MaxLiteralSize = DefaultMaxLiteralSize
	}
	if l.MaxStringBytes <= 0 {
		l.MaxStringBytes = DefaultMaxStringBytes
	}
	return l
}

// LiteralInfo describes a literal whose header has been read.
type LiteralInfo struct {
	Size int64
	// NonSync is true for {n+}: the bytes follow without a continuation
	// request (LITERAL+ / LITERAL-).
	NonSync bool
	// Binary is true for ~{n} (literal8, RFC 3516), which may hold NUL.
	Binary bool
}

// LiteralFunc is called after a literal header has been read and before
// any of its bytes are. For a synchronising literal it must send the
// continuation request ("+ Ready") and flush it. Returning an error refuses
// the literal; the read that needed it fails with that error, and Discard
// then skips the literal's bytes if the client sends them anyway (NonSync)
// or ends the command there (synchronising: the client sends nothing more).
type LiteralFunc func(LiteralInfo) error

// SyntaxError is a command the grammar does not allow. Its text is meant to
// follow "BAD " in the tagged response.
type SyntaxError struct {
	Msg string
}

func (e *SyntaxError) Error() string { return e.Msg }

func syntaxErr(format string, args ...any) error {
	return &SyntaxError{Msg: respText(fmt.Sprintf(format, args...))}
}

// maxErrText bounds error texts, which may quote what the client sent.
const maxErrText = 100

// respText makes s safe as the text of a response: printable ASCII only
// (no CR or LF to end the line early) and not too long.
func respText(s string) string {
	b := []byte(s)
	if len(b) > maxErrText {
		b = append(b[:maxErrText-3], "..."...)
	}
	for i, c := range b {
		if c < ' ' || c >= 0x7f {
			b[i] = '?'
		}
	}
	return string(b)
}

// LineTooLongError is a command longer than DecoderLimits.MaxLineLength.
type LineTooLongError struct {
	Limit int
}

func (e *LineTooLongError) Error() string {
	return fmt.Sprintf("Command line too long (limit %d bytes)", e.Limit)
}

// LiteralTooLargeError is a literal larger than the limit that applies to
// it: MaxLiteralSize for a stream, what is left of MaxStringBytes for a
// string.
type LiteralTooLargeError struct {
	Size  int64
	Limit int64
}

func (e *LiteralTooLargeError) Error() string {
	return fmt.Sprintf("Literal too large (%d bytes, limit %d)", e.Size, e.Limit)
}

// ErrCannotResync is returned by Discard when the end of the command cannot
// be found (a non-synchronising literal of unreadable size); the only way on
// is to close the connection.
var ErrCannotResync = errors.New("imap wire: cannot find the end of the command")

// decState says what the decoder is in the middle of, so that Discard knows
// what still belongs to the current command.
type decState int

const (
	stateIdle    decState = iota // between commands
	stateLine                    // inside the text of a command line
	statePending                 // literal header read, literal not yet accepted
	stateLiteral                 // literal accepted, d.left bytes still unread
)

// Decoder reads IMAP commands from a client. It is not safe for concurrent
// use.
type Decoder struct {
	r         *bufio.Reader
	lim       DecoderLimits
	onLiteral LiteralFunc

	state    decState
	lit      LiteralInfo // the literal in statePending and stateLiteral
	left     int64       // unread bytes of the literal in stateLiteral
	line     int         // non-literal bytes of the current command
	strBytes int64       // literal bytes of the current command read as strings
	buf      []byte      // scratch for tokens

	// recent keeps the last bytes consumed from line text, so that
	// Discard sees a literal header that an error cut in two.
	recent  [tailSize]byte
	nRecent int // bytes put in recent since the command began or a line was skipped
}

// NewDecoder returns a decoder reading from r. onLiteral may be nil, which
// accepts every literal without sending anything (only right for tests and
// for clients that use non-synchronising literals alone).
func NewDecoder(r *bufio.Reader, lim DecoderLimits, onLiteral LiteralFunc) *Decoder {
	return &Decoder{r: r, lim: lim.withDefaults(), onLiteral: onLiteral}
}

// SetLimits changes the limits from the next read on, for example once the
// client has logged in.
func (d *Decoder) SetLimits(lim DecoderLimits) { d.lim = lim.withDefaults() }

// Limits returns the limits in force, defaults filled in.
func (d *Decoder) Limits() DecoderLimits { return d.lim }

// SetLiteralFunc replaces the literal callback.
func (d *Decoder) SetLiteralFunc(f LiteralFunc) { d.onLiteral = f }

// Buffered returns how many bytes the client has sent that are read from
// the connection but not yet decoded. Right after STARTTLS or COMPRESS it
// must be 0: anything else was pipelined before the switch and must not be
// run as commands (command injection).
func (d *Decoder) Buffered() int { return d.r.Buffered() }

// InCommand reports whether the current command has not been read to its
// end: after an error, Discard is then needed before the next command.
func (d *Decoder) InCommand() bool { return d.state != stateIdle }

// ioErr turns an end of input inside a command into io.ErrUnexpectedEOF.
func ioErr(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// peek returns the next byte without consuming it.
func (d *Decoder) peek() (byte, error) {
	b, err := d.r.Peek(1)
	if err != nil {
		return 0, ioErr(err)
	}
	return b[0], nil
}

// advance consumes one byte, counting it against the line limit. The limit
// is checked before consuming so that a refused byte (maybe the LF that ends
// the line) is still there for Discard.
func (d *Decoder) advance() error {
	if d.line >= d.lim.MaxLineLength {
		return &LineTooLongError{Limit: d.lim.MaxLineLength}
	}
	c, err := d.r.ReadByte()
	if err != nil {
		return ioErr(err)
	}
	d.line++
	d.recent[d.nRecent%tailSize] = c
	d.nRecent++
	return nil
}

// next consumes and returns one byte. A LF is returned but left unread:
// callers take it as an error, and the line end must stay for Discard.
func (d *Decoder) next() (byte, error) {
	c, err := d.peek()
	if err != nil || c == '\n' {
		return c, err
	}
	return c, d.advance()
}

// Char types of RFC 9051's grammar.
func isAtomChar(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return false
	}
	switch c {
	case '(', ')', '{', '%', '*', '"', '\\', ']':
		return false
	}
	return true
}

func isAStringChar(c byte) bool { return isAtomChar(c) || c == ']' }

func isTagChar(c byte) bool { return isAStringChar(c) && c != '+' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// readWhile consumes the longest run of bytes that ok accepts. The result
// aliases d.buf until the next token is read.
func (d *Decoder) readWhile(ok func(byte) bool) ([]byte, error) {
	d.buf = d.buf[:0]
	for {
		c, err := d.peek()
		if err != nil {
			return nil, err
		}
		if !ok(c) {
			return d.buf, nil
		}
		if err := d.advance(); err != nil {
			return nil, err
		}
		d.buf = append(d.buf, c)
	}
}

// describe names the byte found where something else was expected.
func describe(c byte) string {
	switch {
	case c == '\r' || c == '\n':
		return "end of line"
	case c == ' ':
		return "space"
	case c > ' ' && c < 0x7f:
		return fmt.Sprintf("%q", string(rune(c)))
	default:
		return fmt.Sprintf("byte 0x%02x", c)
	}
}

// ReadTag starts a new command and reads its tag. If the previous command
// was left unfinished, it is discarded first. At the end of input before
// any byte of a command, ReadTag returns io.EOF.
func (d *Decoder) ReadTag() (string, error) {
	if d.state != stateIdle {
		if err := d.Discard(); err != nil {
			return "", err
		}
	}
	if _, err := d.r.Peek(1); err != nil {
		return "", err // a clean io.EOF between commands stays io.EOF
	}
	d.state = stateLine
	d.line, d.strBytes, d.nRecent = 0, 0, 0
	tag, err := d.readWhile(isTagChar)
	if err != nil {
		return "", err
	}
	if len(tag) == 0 {
		return "", syntaxErr("Missing or invalid tag")
	}
	return string(tag), nil
}

// BeginLine starts reading a line that is not a command: a SASL response
// during AUTHENTICATE or the DONE that ends IDLE.
func (d *Decoder) BeginLine() error {
	if d.state != stateIdle {
		if err := d.Discard(); err != nil {
			return err
		}
	}
	if _, err := d.r.Peek(1); err != nil {
		return err // io.EOF: the client closed between lines
	}
	d.state = stateLine
	d.line, d.strBytes, d.nRecent = 0, 0, 0
	return nil
}

// ReadAtom reads one atom, as sent.
func (d *Decoder) ReadAtom() (string, error) {
	b, err := d.readWhile(isAtomChar)
	if err != nil {
		return "", err
	}
	if len(b) == 0 {
		return "", d.expected("atom")
	}
	return string(b), nil
}

// readKeyword reads an atom and upper-cases it, for names the grammar
// treats without regard to case.
func (d *Decoder) readKeyword(what string) (string, error) {
	b, err := d.readWhile(isAtomChar)
	if err != nil {
		return "", err
	}
	if len(b) == 0 {
		return "", d.expected(what)
	}
	return strings.ToUpper(string(b)), nil
}

// expected builds the error for a missing token, naming what was found.
func (d *Decoder) expected(what string) error {
	c, err := d.peek()
	if err != nil {
		return err
	}
	return syntaxErr("Expected %s, found %s", what, describe(c))
}

// ReadChar consumes c or fails.
func (d *Decoder) ReadChar(c byte) error {
	got, err := d.peek()
	if err != nil {
		return err
	}
	if got != c {
		return syntaxErr("Expected %s, found %s", describe(c), describe(got))
	}
	return d.advance()
}

// ReadSP consumes one space.
func (d *Decoder) ReadSP() error { return d.ReadChar(' ') }

// PeekChar returns the next byte without consuming it.
func (d *Decoder) PeekChar() (byte, error) { return d.peek() }

// AtEOL reports whether the command line ends here (CR or LF comes next).
func (d *Decoder) AtEOL() (bool, error) {
	c, err := d.peek()
	if err != nil {
		return false, err
	}
	return c == '\r' || c == '\n', nil
}

// ReadCRLF reads the end of the command and finishes it. A bare LF is
// taken as a line end too, so that hand-typed sessions work.
func (d *Decoder) ReadCRLF() error {
	c, err := d.peek()
	if err != nil {
		return err
	}
	if c == '\r' {
		if err := d.advance(); err != nil {
			return err
		}
		if c, err = d.peek(); err != nil {
			return err
		}
	}
	if c != '\n' {
		if c == ' ' {
			return syntaxErr("Unexpected space at end of command")
		}
		return syntaxErr("Expected end of command, found %s", describe(c))
	}
	if err := d.advance(); err != nil {
		return err
	}
	d.state = stateIdle
	return nil
}

// readLineEnd reads the CRLF (or LF) that ends a literal header; unlike
// ReadCRLF it does not end the command.
func (d *Decoder) readLineEnd() error {
	c, err := d.next()
	if err != nil {
		return err
	}
	if c == '\r' {
		if c, err = d.peek(); err != nil {
			return err
		}
	}
	if c != '\n' {
		return syntaxErr("Literal header not followed by end of line")
	}
	return d.advance()
}

// readDigits reads 1*DIGIT as a number no larger than max.
func (d *Decoder) readDigits(max uint64, what string) (uint64, error) {
	b, err := d.readWhile(isDigit)
	if err != nil {
		return 0, err
	}
	if len(b) == 0 {
		return 0, d.expected(what)
	}
	var n uint64
	for _, c := range b {
		v := uint64(c - '0')
		if n > (max-v)/10 {
			return 0, syntaxErr("Number too large")
		}
		n = n*10 + v
	}
	return n, nil
}

// ReadNumber reads a number (RFC 9051 "number", 32 bits).
func (d *Decoder) ReadNumber() (uint32, error) {
	n, err := d.readDigits(math.MaxUint32, "number")
	return uint32(n), err
}

// ReadNZNumber reads a non-zero number without leading zeros ("nz-number").
func (d *Decoder) ReadNZNumber() (uint32, error) {
	c, err := d.peek()
	if err != nil {
		return 0, err
	}
	if c == '0' {
		return 0, syntaxErr("Expected non-zero number")
	}
	return d.ReadNumber()
}

// ReadNumber64 reads a number64: up to 2^63-1.
func (d *Decoder) ReadNumber64() (uint64, error) {
	return d.readDigits(math.MaxInt64, "number")
}

// ReadList reads "(" [elem *(SP elem)] ")", calling elem once per element
// with the decoder at the element's first byte.
func (d *Decoder) ReadList(elem func() error) error {
	if err := d.ReadChar('('); err != nil {
		return err
	}
	c, err := d.peek()
	if err != nil {
		return err
	}
	if c == ')' {
		return d.advance()
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		c, err := d.next()
		if err != nil {
			return err
		}
		switch c {
		case ')':
			return nil
		case ' ':
		default:
			return syntaxErr("Expected space or \")\" in list, found %s", describe(c))
		}
	}
}

// readNonEmptyList is ReadList for lists the grammar wants non-empty.
func (d *Decoder) readNonEmptyList(what string, elem func() error) error {
	n := 0
	err := d.ReadList(func() error {
		n++
		return elem()
	})
	if err == nil && n == 0 {
		err = syntaxErr("Empty %s list", what)
	}
	return err
}

// readNIL reports whether NIL comes next, consuming it if so. It peeks
// one byte further only once "NIL" has matched: a line always ends in LF,
// so that byte is on its way, and peeking further could wait for bytes the
// client will never send.
func (d *Decoder) readNIL() (bool, error) {
	for i := 1; i <= 4; i++ {
		b, err := d.r.Peek(i)
		if err != nil {
			if i == 4 && len(b) == 3 {
				break // NIL at the very end of input: let the next read fail
			}
			return false, ioErr(err)
		}
		if i == 4 {
			if isAStringChar(b[3]) {
				return false, nil // an atom such as NILS
			}
			break
		}
		if b[i-1]|0x20 != "nil"[i-1] {
			return false, nil
		}
	}
	for range 3 {
		if err := d.advance(); err != nil {
			return false, err
		}
	}
	return true, nil
}
