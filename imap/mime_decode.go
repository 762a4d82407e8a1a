package imap

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
)

// Decoding content for BINARY (RFC 3516) and SEARCH: transfer encodings,
// charsets and RFC 2047 encoded words. Decoders are lenient: mail in the
// wild breaks every rule, and a client asking for a part wants what can be
// read of it rather than an error.

// cteKind classifies a Content-Transfer-Encoding.
type cteKind int

const (
	cteIdentity cteKind = iota // 7bit, 8bit, binary or none
	cteBase64
	cteQuotedPrintable
	cteUnknown
)

func cteOf(enc string) cteKind {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "", "7bit", "8bit", "binary":
		return cteIdentity
	case "base64":
		return cteBase64
	case "quoted-printable":
		return cteQuotedPrintable
	}
	return cteUnknown
}

// decodeCTE appends the decoded form of src to dst.
func decodeCTE(dst, src []byte, k cteKind) []byte {
	switch k {
	case cteBase64:
		return decodeBase64(dst, src)
	case cteQuotedPrintable:
		return decodeQP(dst, src)
	}
	return append(dst, src...)
}

var b64Value = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = int8(i)
	}
	return t
}()

// decodeBase64 decodes base64, skipping what is not in its alphabet (RFC
// 2045 section 6.8) and taking "=" as the end of one encoded run, so that
// runs glued together still decode.
func decodeBase64(dst, src []byte) []byte {
	var acc uint32
	n := 0
	for _, c := range src {
		if c == '=' {
			switch n {
			case 2:
				dst = append(dst, byte(acc>>4))
			case 3:
				dst = append(dst, byte(acc>>10), byte(acc>>2))
			}
			acc, n = 0, 0
			continue
		}
		v := b64Value[c]
		if v < 0 {
			continue
		}
		acc = acc<<6 | uint32(v)
		n++
		if n == 4 {
			dst = append(dst, byte(acc>>16), byte(acc>>8), byte(acc))
			acc, n = 0, 0
		}
	}
	switch n { // a run cut short without its padding
	case 2:
		dst = append(dst, byte(acc>>4))
	case 3:
		dst = append(dst, byte(acc>>10), byte(acc>>2))
	}
	return dst
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// decodeQP decodes quoted-printable (RFC 2045 section 6.7): "=XX" is a
// byte, "=" at the end of a line joins it to the next, blanks at the end
// of a line are dropped, and an "=" that starts neither stays as it is.
func decodeQP(dst, src []byte) []byte {
	for len(src) > 0 {
		line, eol := src, false
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			line, src, eol = bytes.TrimSuffix(src[:i], []byte("\r")), src[i+1:], true
		} else {
			src = nil
		}
		line = bytes.TrimRight(line, " \t")
		if n := len(line); n > 0 && line[n-1] == '=' {
			line, eol = line[:n-1], false
		}
		for j := 0; j < len(line); j++ {
			c := line[j]
			if c == '=' && j+2 < len(line) {
				hi, ok1 := unhex(line[j+1])
				lo, ok2 := unhex(line[j+2])
				if ok1 && ok2 {
					dst = append(dst, hi<<4|lo)
					j += 2
					continue
				}
			}
			dst = append(dst, c)
		}
		if eol {
			dst = append(dst, '\r', '\n')
		}
	}
	return dst
}

// charsetDecoder returns the decoder of a charset, nil for UTF-8 and its
// subsets and for charsets it does not know (whose bytes are then searched
// as they are).
func charsetDecoder(name string) *encoding.Decoder {
	name = strings.ToLower(strings.TrimSpace(name))
	switch name {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return nil
	}
	enc, err := ianaindex.MIME.Encoding(name)
	if enc == nil || err != nil {
		enc, err = htmlindex.Get(name)
	}
	if enc == nil || err != nil {
		return nil
	}
	return enc.NewDecoder()
}

// toUTF8 converts text in a charset to UTF-8, leaving it as it is when
// the charset is unknown or the conversion fails.
func toUTF8(b []byte, charset string) []byte {
	d := charsetDecoder(charset)
	if d == nil {
		return b
	}
	out, err := d.Bytes(b)
	if err != nil {
		return b
	}
	return out
}

// wordDecoder decodes encoded words in any charset x/text knows; it is
// safe for concurrent use.
var wordDecoder = &mime.WordDecoder{CharsetReader: func(charset string, r io.Reader) (io.Reader, error) {
	d := charsetDecoder(charset)
	if d == nil {
		switch strings.ToLower(charset) {
		case "utf-8", "utf8", "us-ascii", "ascii":
			return r, nil
		}
		return nil, errUnknownCharset
	}
	return d.Reader(r), nil
}}

var errUnknownCharset = errors.New("unknown charset")

// decodeWords decodes the RFC 2047 encoded words of a header value; on
// failure the value is returned as it is.
func decodeWords(s string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	d, err := wordDecoder.DecodeHeader(s)
	if err != nil || !utf8.ValidString(d) {
		return s
	}
	return d
}
