package wire

import (
	"bufio"
	"bytes"
)

// tailSize is how many bytes of a skipped line are kept to spot a literal
// header at its end: "~{" + 19 digits + "+}" + CR fits.
const tailSize = 32

// Discard skips the rest of the current command so that the next one can
// be read: the rest of the line, and any literal announced at its end. A
// synchronising literal ends the command there, since the client sends its
// bytes only after a continuation request that will not come; the bytes of
// a non-synchronising one are read and thrown away, and the line goes on
// after them. Discard does nothing between commands. It fails only on an
// I/O error or with ErrCannotResync; the connection must then be closed.
func (d *Decoder) Discard() error {
	for {
		switch d.state {
		case stateIdle:
			return nil
		case statePending:
			if !d.lit.NonSync {
				d.state = stateIdle
				return nil
			}
			d.state, d.left = stateLiteral, d.lit.Size
			d.endLiteral()
		case stateLiteral:
			if err := d.skipLiteral(); err != nil {
				return err
			}
		case stateLine:
			if err := d.skipLine(); err != nil {
				return err
			}
		}
	}
}

// skipLine reads up to and including the next LF and looks at how the
// line ends: with a literal header the decoder goes to statePending, else
// the command is over.
func (d *Decoder) skipLine() error {
	// Start from the bytes of this line consumed before the error.
	tail, whole := d.recentLine()
	for {
		chunk, err := d.r.ReadSlice('\n')
		tail = append(tail, chunk...)
		if len(tail) > tailSize {
			whole = false
			tail = append(tail[:0], tail[len(tail)-tailSize:]...)
		}
		if err == nil {
			break
		}
		if err != bufio.ErrBufferFull {
			return ioErr(err)
		}
	}
	d.nRecent = 0
	info, ok, err := literalAtEnd(tail, whole)
	if err != nil {
		return err
	}
	if !ok {
		d.state = stateIdle
		return nil
	}
	d.lit, d.state = info, statePending
	return nil
}

// recentLine returns the consumed bytes of the current line that recent
// still holds, and whether that is the whole of what was consumed.
func (d *Decoder) recentLine() ([]byte, bool) {
	n := min(d.nRecent, tailSize)
	out := make([]byte, 0, 2*tailSize)
	for i := d.nRecent - n; i < d.nRecent; i++ {
		out = append(out, d.recent[i%tailSize])
	}
	whole := d.nRecent <= tailSize
	if j := bytes.LastIndexByte(out, '\n'); j >= 0 {
		out, whole = out[j+1:], true
	}
	return out, whole
}

// literalAtEnd parses a literal header ending line, which ends in LF and
// is the whole line or, if whole is false, its last bytes.
func literalAtEnd(line []byte, whole bool) (LiteralInfo, bool, error) {
	var info LiteralInfo
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if !bytes.HasSuffix(line, []byte("}")) {
		return info, false, nil
	}
	line = line[:len(line)-1]
	if bytes.HasSuffix(line, []byte("+")) {
		info.NonSync = true
		line = line[:len(line)-1]
	}
	i := len(line)
	for i > 0 && isDigit(line[i-1]) {
		i--
	}
	digits := line[i:]
	if i == 0 && len(digits) > 0 && !whole {
		// Only digits as far as the tail goes: a header with too long a
		// size, whose bytes cannot be counted if they follow.
		if info.NonSync {
			return info, false, ErrCannotResync
		}
		return info, false, nil
	}
	if len(digits) == 0 || i == 0 || line[i-1] != '{' {
		return info, false, nil
	}
	open := i - 1
	var n int64
	for _, c := range digits {
		if n > (1<<63-1-int64(c-'0'))/10 {
			if info.NonSync {
				return info, false, ErrCannotResync
			}
			return info, false, nil
		}
		n = n*10 + int64(c-'0')
	}
	info.Size = n
	info.Binary = open > 0 && line[open-1] == '~'
	return info, true, nil
}
