package wire

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Modified UTF-7 (RFC 3501 section 5.1.3) is how mailbox names travel to
// and from clients that have enabled neither UTF8=ACCEPT nor IMAP4rev2.
// Printable ASCII other than "&" stands for itself, "&" is "&-", and every
// other run of characters is "&", the UTF-16BE form of the run in base64
// with "," for "/" and no padding, then "-".
//
// The decoder accepts only the one form the encoder makes, so that every
// mailbox has exactly one wire name: two spellings of one name would let a
// client create "duplicates" that the store sees as the same mailbox.

// ErrMailboxName is wrapped by every error of DecodeMailboxName.
var ErrMailboxName = errors.New("mailbox name is not canonical modified UTF-7")

const utf7Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,"

// utf7Value maps a byte to its base64 value, or 0xff for bytes outside the
// alphabet.
var utf7Value = func() (t [256]uint8) {
	for i := range t {
		t[i] = 0xff
	}
	for i := 0; i < len(utf7Alphabet); i++ {
		t[utf7Alphabet[i]] = uint8(i)
	}
	return t
}()

// utf7Direct reports whether c stands for itself in modified UTF-7.
func utf7Direct(c byte) bool { return c >= 0x20 && c <= 0x7e }

// EncodeMailboxName returns the modified UTF-7 form of a UTF-8 mailbox name.
// A name that is printable ASCII without "&" comes back unchanged, without
// allocating. Bytes of s that are not valid UTF-8 are encoded as U+FFFD.
func EncodeMailboxName(s string) string {
	if utf7Plain(s) {
		return s
	}
	return string(appendUTF7(make([]byte, 0, len(s)+len(s)/2+4), s))
}

// utf7Plain reports whether s is its own modified UTF-7 form.
func utf7Plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !utf7Direct(c) || c == '&' {
			return false
		}
	}
	return true
}

// appendUTF7 appends the modified UTF-7 form of s to dst.
func appendUTF7(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if utf7Direct(c) {
			dst = append(dst, c)
			if c == '&' {
				dst = append(dst, '-')
			}
			i++
			continue
		}
		// One shift sequence for the whole run: two adjacent ones would be
		// a second spelling of the same name.
		dst = append(dst, '&')
		var bits uint32 // pending bits, the newest in the low end
		var nbits uint
		for i < len(s) && !utf7Direct(s[i]) {
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			var units [2]uint16
			n := 1
			if r >= 0x10000 {
				hi, lo := utf16.EncodeRune(r)
				units[0], units[1] = uint16(hi), uint16(lo)
				n = 2
			} else {
				units[0] = uint16(r)
			}
			for _, u := range units[:n] {
				bits = bits<<16 | uint32(u)
				nbits += 16
				for nbits >= 6 {
					nbits -= 6
					dst = append(dst, utf7Alphabet[bits>>nbits&0x3f])
				}
			}
		}
		if nbits > 0 {
			dst = append(dst, utf7Alphabet[bits<<(6-nbits)&0x3f])
		}
		dst = append(dst, '-')
	}
	return dst
}

// DecodeMailboxName returns the UTF-8 form of a modified UTF-7 mailbox name.
// It refuses every form the encoder would not produce: bytes outside
// printable ASCII, an "&" without its "-", a character outside the base64
// alphabet, printable ASCII inside a shift sequence, an unpaired surrogate,
// leftover bits that are not zero or make a partial character, an empty
// sequence other than "&-", and two shift sequences back to back. For every
// name it accepts, EncodeMailboxName gives back the input.
func DecodeMailboxName(s string) (string, error) {
	if utf7Plain(s) {
		return s, nil
	}
	out := make([]byte, 0, len(s))
	afterShift := false // the last thing read was a non-empty shift sequence
	for i := 0; i < len(s); {
		c := s[i]
		if !utf7Direct(c) {
			return "", fmt.Errorf("%w: byte %#02x at %d", ErrMailboxName, c, i)
		}
		if c != '&' {
			out = append(out, c)
			afterShift = false
			i++
			continue
		}
		end := strings.IndexByte(s[i+1:], '-')
		if end < 0 {
			return "", fmt.Errorf("%w: \"&\" at %d is not closed by \"-\"", ErrMailboxName, i)
		}
		b64 := s[i+1 : i+1+end]
		if b64 == "" {
			out = append(out, '&')
			afterShift = false
			i += 2
			continue
		}
		if afterShift {
			return "", fmt.Errorf("%w: shift sequence at %d follows another", ErrMailboxName, i)
		}
		var err error
		out, err = utf7DecodeRun(out, b64)
		if err != nil {
			return "", fmt.Errorf("%w: sequence at %d: %v", ErrMailboxName, i, err)
		}
		afterShift = true
		i += end + 2
	}
	return string(out), nil
}

// utf7DecodeRun appends the UTF-8 form of one shift sequence's base64 text.
func utf7DecodeRun(out []byte, b64 string) ([]byte, error) {
	var bits uint32
	var nbits uint
	var high uint16 // a high surrogate waiting for its low half, or 0
	for j := 0; j < len(b64); j++ {
		v := utf7Value[b64[j]]
		if v == 0xff {
			return out, fmt.Errorf("%q is not modified base64", b64[j])
		}
		bits = bits<<6 | uint32(v)
		nbits += 6
		if nbits < 16 {
			continue
		}
		nbits -= 16
		u := uint16(bits >> nbits)
		switch {
		case high != 0:
			if !utf16.IsSurrogate(rune(u)) || u < 0xdc00 {
				return out, errors.New("high surrogate without its low half")
			}
			out = utf8.AppendRune(out, utf16.DecodeRune(rune(high), rune(u)))
			high = 0
		case u >= 0xd800 && u < 0xdc00:
			high = u
		case u >= 0xdc00 && u < 0xe000:
			return out, errors.New("low surrogate without its high half")
		case u >= 0x20 && u <= 0x7e:
			return out, fmt.Errorf("printable ASCII %q is encoded", rune(u))
		default:
			out = utf8.AppendRune(out, rune(u))
		}
	}
	if high != 0 {
		return out, errors.New("high surrogate at the end")
	}
	if nbits >= 6 || bits&(1<<nbits-1) != 0 {
		return out, errors.New("leftover bits")
	}
	return out, nil
}
