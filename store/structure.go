package store

import (
	"bufio"
	"bytes"
	"io"
	"mime"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-message/textproto"
)

// The MIME structure of a message, as IMAP's BODYSTRUCTURE describes it.
// Parts are split with go-message's multipart reader, so that the byte
// ranges IMAP's section fetches cut agree with the sizes given here; the
// rest is ours, to follow RFC 2045 and 2046 where a plain reading would
// not: a missing or malformed Content-Type is text/plain; charset=us-ascii
// (message/rfc822 inside multipart/digest), and line counts count a last
// line without its line end.

func extractStructure(h textproto.Header, body io.Reader, inDigest bool, depth int) imap.BodyStructure {
	mediaType, params := contentType(h, inDigest)
	primary, sub, _ := strings.Cut(mediaType, "/")
	if primary == "multipart" && depth < maxBodyDepth {
		bs := &imap.BodyStructureMultiPart{Subtype: sub}
		mr := textproto.NewMultipartReader(body, params["boundary"])
		digest := strings.EqualFold(sub, "digest")
		for {
			part, err := mr.NextPart()
			if part == nil || err != nil {
				break
			}
			bs.Children = append(bs.Children, extractStructure(part.Header, part, digest, depth+1))
		}
		bs.Extended = &imap.BodyStructureMultiPartExt{Params: params, Disposition: disposition(h),
			Language: languages(h), Location: h.Get("Content-Location")}
		return bs
	}
	// Only an enclosed message is kept, to be parsed in turn; any other
	// part is just counted.
	var b []byte
	var n lineCounter
	nested := (mediaType == "message/rfc822" || mediaType == "message/global") && depth < maxBodyDepth
	if nested {
		b, _ = io.ReadAll(body)
		n.Write(b)
	} else {
		buf := copyBuffers.Get().(*[]byte)
		io.CopyBuffer(&n, body, *buf)
		copyBuffers.Put(buf)
	}
	bs := &imap.BodyStructureSinglePart{Type: primary, Subtype: sub, Params: params,
		ID: h.Get("Content-Id"), Description: h.Get("Content-Description"),
		Encoding: h.Get("Content-Transfer-Encoding"), Size: uint32(min(n.size, 1<<32-1))}
	if nested {
		br := bufio.NewReader(bytes.NewReader(b))
		ch, _ := textproto.ReadHeader(br)
		raw, _ := envelopes(ch)
		bs.MessageRFC822 = &imap.BodyStructureMessageRFC822{Envelope: raw,
			BodyStructure: extractStructure(ch, br, false, depth+1), NumLines: n.lines()}
	}
	if primary == "text" {
		bs.Text = &imap.BodyStructureText{NumLines: n.lines()}
	}
	bs.Extended = &imap.BodyStructureSinglePartExt{Disposition: disposition(h), Language: languages(h),
		Location: h.Get("Content-Location")}
	return bs
}

// contentType reads Content-Type with RFC 2045's defaults.
func contentType(h textproto.Header, inDigest bool) (string, map[string]string) {
	v := h.Get("Content-Type")
	if strings.TrimSpace(v) == "" {
		if inDigest {
			return "message/rfc822", nil
		}
		return "text/plain", map[string]string{"charset": "us-ascii"}
	}
	t, params, err := mime.ParseMediaType(v)
	if err != nil || !strings.Contains(t, "/") {
		// Keep a readable type whose parameters alone are broken.
		if t, _, _ = strings.Cut(v, ";"); validMediaType(strings.TrimSpace(t)) {
			return strings.ToLower(strings.TrimSpace(t)), nil
		}
		return "text/plain", map[string]string{"charset": "us-ascii"}
	}
	for k, p := range params {
		params[k] = decodeWords(p)
	}
	return t, params
}

// validMediaType accepts "type/subtype" of RFC 2045 tokens.
func validMediaType(t string) bool {
	a, b, ok := strings.Cut(t, "/")
	return ok && isToken(a) && isToken(b)
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?=`, c) >= 0 {
			return false
		}
	}
	return true
}

func disposition(h textproto.Header) *imap.BodyStructureDisposition {
	v := h.Get("Content-Disposition")
	if strings.TrimSpace(v) == "" {
		return nil
	}
	d, params, err := mime.ParseMediaType(v)
	if err != nil {
		d, _, _ = strings.Cut(v, ";")
		d = strings.ToLower(strings.TrimSpace(d))
		if !isToken(d) {
			return nil
		}
		params = nil
	}
	for k, p := range params {
		params[k] = decodeWords(p)
	}
	return &imap.BodyStructureDisposition{Value: d, Params: params}
}

func languages(h textproto.Header) []string {
	v := h.Get("Content-Language")
	if v == "" {
		return nil
	}
	var out []string
	for _, l := range strings.Split(v, ",") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// lineCounter counts the lines of what is written to it: its line ends,
// plus one for a last line that has none.
type lineCounter struct {
	size, ends int64
	last       byte
}

func (c *lineCounter) Write(p []byte) (int, error) {
	if len(p) > 0 {
		c.size += int64(len(p))
		c.ends += int64(bytes.Count(p, []byte{'\n'}))
		c.last = p[len(p)-1]
	}
	return len(p), nil
}

func (c *lineCounter) lines() int64 {
	if c.size > 0 && c.last != '\n' {
		return c.ends + 1
	}
	return c.ends
}
