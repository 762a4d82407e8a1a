package wire

import (
	"bytes"
	"io"
	"math"
)

// ReadQuoted reads a quoted string. Only \\ and \" are escapes; 8-bit bytes
// are kept as sent (UTF-8 under IMAP4rev2 and UTF8=ACCEPT).
func (d *Decoder) ReadQuoted() (string, error) {
	if err := d.ReadChar('"'); err != nil {
		return "", err
	}
	d.buf = d.buf[:0]
	for {
		c, err := d.peek()
		if err != nil {
			return "", err
		}
		switch c {
		case '\r', '\n':
			return "", syntaxErr("Unterminated quoted string")
		case 0:
			return "", syntaxErr("NUL in quoted string")
		case '"':
			if err := d.advance(); err != nil {
				return "", err
			}
			return string(d.buf), nil
		case '\\':
			if err := d.advance(); err != nil {
				return "", err
			}
			if c, err = d.peek(); err != nil {
				return "", err
			}
			if c != '\\' && c != '"' {
				return "", syntaxErr("Invalid escape in quoted string")
			}
		}
		if err := d.advance(); err != nil {
			return "", err
		}
		d.buf = append(d.buf, c)
	}
}

// readLiteralHeader reads "{" number64 ["+"] "}" CRLF, the "~" of a
// literal8 having been consumed by the caller. On success the decoder is in
// statePending: nothing of the literal has been accepted yet.
func (d *Decoder) readLiteralHeader(binary bool) (LiteralInfo, error) {
	info := LiteralInfo{Binary: binary}
	if err := d.ReadChar('{'); err != nil {
		return info, err
	}
	n, err := d.readDigits(math.MaxInt64, "literal size")
	if err != nil {
		return info, err
	}
	info.Size = int64(n)
	c, err := d.next()
	if err != nil {
		return info, err
	}
	if c == '+' {
		info.NonSync = true
		if c, err = d.next(); err != nil {
			return info, err
		}
	}
	if c != '}' {
		return info, syntaxErr("Invalid literal header")
	}
	if err := d.readLineEnd(); err != nil {
		return info, err
	}
	d.lit = info
	d.state = statePending
	return info, nil
}

// accept asks the LiteralFunc for the pending literal's bytes.
func (d *Decoder) accept() error {
	if d.onLiteral != nil {
		if err := d.onLiteral(d.lit); err != nil {
			return err
		}
	}
	d.state = stateLiteral
	d.left = d.lit.Size
	d.endLiteral()
	return nil
}

// endLiteral goes back to line text once every literal byte is read.
func (d *Decoder) endLiteral() {
	if d.state == stateLiteral && d.left == 0 {
		d.state = stateLine
	}
}

// readLiteralBytes reads a whole literal (not literal8) as a string held in
// memory, under the command's MaxStringBytes budget.
func (d *Decoder) readLiteralBytes() (string, error) {
	info, err := d.readLiteralHeader(false)
	if err != nil {
		return "", err
	}
	if budget := d.lim.MaxStringBytes - d.strBytes; info.Size > budget {
		return "", &LiteralTooLargeError{Size: info.Size, Limit: budget}
	}
	if err := d.accept(); err != nil {
		return "", err
	}
	b := make([]byte, info.Size)
	n, err := io.ReadFull(d.r, b)
	d.left -= int64(n)
	d.strBytes += int64(n)
	if err != nil {
		return "", ioErr(err)
	}
	d.endLiteral()
	if bytes.IndexByte(b, 0) >= 0 {
		return "", syntaxErr("NUL in literal")
	}
	return string(b), nil
}

// ReadString reads a string: quoted or literal.
func (d *Decoder) ReadString() (string, error) {
	c, err := d.peek()
	if err != nil {
		return "", err
	}
	switch c {
	case '"':
		return d.ReadQuoted()
	case '{':
		return d.readLiteralBytes()
	}
	return "", d.expected("string")
}

// ReadAString reads an astring: 1*ASTRING-CHAR or a string.
func (d *Decoder) ReadAString() (string, error) {
	c, err := d.peek()
	if err != nil {
		return "", err
	}
	if c == '"' || c == '{' {
		return d.ReadString()
	}
	b, err := d.readWhile(isAStringChar)
	if err != nil {
		return "", err
	}
	if len(b) == 0 {
		return "", d.expected("string")
	}
	return string(b), nil
}

// ReadNString reads an nstring; ok is false for NIL.
func (d *Decoder) ReadNString() (s string, ok bool, err error) {
	isNil, err := d.readNIL()
	if err != nil || isNil {
		return "", false, err
	}
	s, err = d.ReadString()
	return s, err == nil, err
}

// LiteralReader streams the bytes of one literal. It implements go-imap's
// imap.LiteralReader. It is valid only during the callback it was passed
// to.
type LiteralReader struct {
	d    *Decoder
	info LiteralInfo
	dead bool
	err  error
}

// Size is the literal's length in bytes.
func (l *LiteralReader) Size() int64 { return l.info.Size }

// Binary reports a literal8 (~{n}), which may hold NUL bytes.
func (l *LiteralReader) Binary() bool { return l.info.Binary }

// NonSync reports a non-synchronising literal ({n+}).
func (l *LiteralReader) NonSync() bool { return l.info.NonSync }

// Read reads literal bytes. The first Read accepts the literal through the
// decoder's LiteralFunc, which sends the continuation request of a
// synchronising literal: a callback that fails before reading has refused
// the literal without the client sending it.
func (l *LiteralReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if l.dead {
		return 0, errReaderDone
	}
	d := l.d
	if d.state == statePending {
		if err := d.accept(); err != nil {
			l.err = err
			return 0, err
		}
	}
	if d.state != stateLiteral {
		return 0, io.EOF
	}
	if int64(len(p)) > d.left {
		p = p[:d.left]
	}
	n, err := d.r.Read(p)
	d.left -= int64(n)
	d.endLiteral()
	if err != nil {
		l.err = ioErr(err)
		if n > 0 {
			return n, nil
		}
		return 0, l.err
	}
	return n, nil
}

var errReaderDone = &SyntaxError{Msg: "Literal read after its callback returned"}

// ReadLiteral reads a literal, or a literal8 when binary is allowed and the
// client sent one, and passes its bytes to fn as a stream. The literal must
// fit DecoderLimits.MaxLiteralSize. Bytes that fn leaves unread are
// skipped. If fn fails, ReadLiteral returns its error and Discard skips
// what the client still sends of the literal.
func (d *Decoder) ReadLiteral(allowBinary bool, fn func(*LiteralReader) error) error {
	binary := false
	c, err := d.peek()
	if err != nil {
		return err
	}
	if c == '~' {
		if !allowBinary {
			return syntaxErr("Binary literal not allowed here")
		}
		if err := d.advance(); err != nil {
			return err
		}
		binary = true
	} else if c != '{' {
		return d.expected("literal")
	}
	info, err := d.readLiteralHeader(binary)
	if err != nil {
		return err
	}
	if info.Size > d.lim.MaxLiteralSize {
		return &LiteralTooLargeError{Size: info.Size, Limit: d.lim.MaxLiteralSize}
	}
	lr := &LiteralReader{d: d, info: info}
	err = fn(lr)
	lr.dead = true
	if err != nil {
		return err
	}
	if lr.err != nil {
		return lr.err
	}
	if d.state == statePending {
		if err := d.accept(); err != nil {
			return err
		}
	}
	return d.skipLiteral()
}

// skipLiteral throws away the rest of an accepted literal.
func (d *Decoder) skipLiteral() error {
	if d.state != stateLiteral {
		return nil
	}
	n, err := io.CopyN(io.Discard, d.r, d.left)
	d.left -= n
	d.endLiteral()
	return ioErr(err)
}
