package wire

import (
	"math"

	"github.com/emersion/go-imap/v2"
)

func isSetChar(c byte) bool { return isDigit(c) || c == ':' || c == ',' || c == '*' }

// ReadNumSet reads a sequence-set: an imap.UIDSet when uid is true, else an
// imap.SeqSet. "$" (SEARCHRES, RFC 5182) gives imap.SearchRes(), which is a
// UIDSet even where sequence numbers are meant: the saved result names
// messages, not numbers, and the server resolves it.
func (d *Decoder) ReadNumSet(uid bool) (imap.NumSet, error) {
	c, err := d.peek()
	if err != nil {
		return nil, err
	}
	if c == '$' {
		if err := d.advance(); err != nil {
			return nil, err
		}
		if c, err = d.peek(); err != nil {
			return nil, err
		}
		if isSetChar(c) || c == '$' {
			return nil, syntaxErr("Invalid sequence set")
		}
		return imap.SearchRes(), nil
	}
	if uid {
		return d.ReadUIDSet()
	}
	return d.ReadSeqSet()
}

// readSetSP reads SP sequence-set SP, how COPY, MOVE, FETCH and STORE
// begin.
func (d *Decoder) readSetSP(uid bool) (imap.NumSet, error) {
	if err := d.ReadSP(); err != nil {
		return nil, err
	}
	set, err := d.ReadNumSet(uid)
	if err != nil {
		return nil, err
	}
	return set, d.ReadSP()
}

// ReadSeqSet reads a sequence-set of message numbers, without "$". Ranges
// may be given in either order; "*" is kept as go-imap's 0.
func (d *Decoder) ReadSeqSet() (imap.SeqSet, error) {
	var set imap.SeqSet
	err := d.readSet(func(a, b uint32) { set.AddRange(a, b) })
	return set, err
}

// ReadUIDSet reads a sequence-set of UIDs, without "$".
func (d *Decoder) ReadUIDSet() (imap.UIDSet, error) {
	var set imap.UIDSet
	err := d.readSet(func(a, b uint32) { set.AddRange(imap.UID(a), imap.UID(b)) })
	return set, err
}

// readSet reads seq-number / seq-range items separated by commas and
// passes each range to add.
func (d *Decoder) readSet(add func(start, stop uint32)) error {
	raw, err := d.readWhile(isSetChar)
	if err != nil {
		return err
	}
	if len(raw) == 0 {
		return d.expected("sequence set")
	}
	for len(raw) > 0 {
		start, rest, ok := cutSeqNumber(raw)
		if !ok {
			return syntaxErr("Invalid sequence set")
		}
		stop := start
		if len(rest) > 0 && rest[0] == ':' {
			if stop, rest, ok = cutSeqNumber(rest[1:]); !ok {
				return syntaxErr("Invalid sequence set")
			}
		}
		add(start, stop)
		if len(rest) > 0 {
			if rest[0] != ',' || len(rest) == 1 {
				return syntaxErr("Invalid sequence set")
			}
			rest = rest[1:]
		}
		raw = rest
	}
	return nil
}

// cutSeqNumber takes a seq-number (nz-number or "*", the latter as 0) off
// the front of b.
func cutSeqNumber(b []byte) (uint32, []byte, bool) {
	if len(b) == 0 {
		return 0, b, false
	}
	if b[0] == '*' {
		return 0, b[1:], true
	}
	if b[0] == '0' {
		return 0, b, false
	}
	var n uint64
	i := 0
	for ; i < len(b) && isDigit(b[i]); i++ {
		n = n*10 + uint64(b[i]-'0')
		if n > math.MaxUint32 {
			return 0, b, false
		}
	}
	if i == 0 {
		return 0, b, false
	}
	return uint32(n), b[i:], true
}
