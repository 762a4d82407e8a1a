package imap

import (
	"bytes"
	"io"
	"strings"

	"github.com/emersion/go-imap/v2"

	"mstore/store"
)

// Finding MIME parts in a message file, as byte ranges, so that a section
// of a 30 MB message is sent from the file without reading the rest.
//
// The part tree comes from the store's Structure, parsed once at append by
// go-message; this file only finds where each part lies. Part boundaries
// are found with the same rules go-message's multipart reader applies, so
// that every range here has the size BODYSTRUCTURE announced (the corpus
// test checks it): a delimiter is "--boundary" at the start of a line
// followed by optional blanks and the line end; a part's body ends before
// the CRLF that precedes "--boundary" when a blank, a line end, "-" or the
// end of the enclosing body follows; and a body that starts with the
// delimiter itself is empty.

// partSpan is one part of a message file: its MIME header from start to
// body, its body from body to end.
type partSpan struct {
	start, body, end int64
	node             imap.BodyStructure
}

// mimeFile reads the parts of one message.
type mimeFile struct {
	r    io.ReaderAt
	size int64
	st   *store.Structure // nil until a caller needs the part tree
	buf  []byte           // scratch for reads
}

// chunkSize is how much one read takes when scanning the file.
const chunkSize = 32 << 10

// maxBoundaryLine is the longest line go-message's multipart reader takes
// between parts: its buffer. A longer line ends the list of parts.
const maxBoundaryLine = 4096

func (f *mimeFile) chunk(off, end int64) []byte {
	n := min(end-off, chunkSize)
	if n <= 0 {
		return nil
	}
	if cap(f.buf) < int(n) {
		f.buf = make([]byte, chunkSize)
	}
	b := f.buf[:n]
	m, _ := f.r.ReadAt(b, off)
	return b[:m]
}

func (f *mimeFile) byteAt(off int64) (byte, bool) {
	var b [1]byte
	if n, _ := f.r.ReadAt(b[:], off); n == 1 {
		return b[0], true
	}
	return 0, false
}

// index returns the offset of the first pat in [from, end), or -1.
func (f *mimeFile) index(from, end int64, pat []byte) int64 {
	for from < end {
		b := f.chunk(from, end)
		if len(b) == 0 {
			return -1
		}
		if i := bytes.Index(b, pat); i >= 0 {
			return from + int64(i)
		}
		if from+int64(len(b)) >= end {
			return -1
		}
		// Keep the tail that could start a match cut by the chunk's end.
		from += int64(max(len(b)-len(pat)+1, 1))
	}
	return -1
}

// headerEnd returns where a header that starts at from ends: after its
// empty line, or at end when it has none. The store measures
// Structure.HeaderSize the same way.
func (f *mimeFile) headerEnd(from, end int64) int64 {
	if b := f.chunk(from, min(from+2, end)); bytes.HasPrefix(b, []byte("\r\n")) {
		return from + 2
	} else if len(b) > 0 && b[0] == '\n' {
		return from + 1
	}
	crlf := f.index(from, end, []byte("\n\r\n"))
	lfEnd := end
	if crlf >= 0 {
		lfEnd = crlf + 1 // a bare-LF empty line counts only before it
	}
	lf := f.index(from, lfEnd, []byte("\n\n"))
	switch {
	case crlf >= 0 && (lf < 0 || crlf < lf):
		return crlf + 3
	case lf >= 0:
		return lf + 2
	}
	return end
}

// line returns the line at off (up to and with its LF, at most limit
// bytes) and whether it ended with LF.
func (f *mimeFile) line(off, end int64, limit int) ([]byte, bool) {
	b := f.chunk(off, min(end, off+int64(limit)))
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i+1], true
	}
	return b, false
}

// top is the whole message.
func (f *mimeFile) top() partSpan {
	hs := f.headerSize()
	var node imap.BodyStructure
	if f.st != nil {
		node = f.st.Body
	}
	return partSpan{start: 0, body: hs, end: f.size, node: node}
}

// headerSize is the length of the message's header with its empty line.
func (f *mimeFile) headerSize() int64 {
	if f.st != nil {
		return min(f.st.HeaderSize, f.size)
	}
	return f.headerEnd(0, f.size)
}

func isMultipart(n imap.BodyStructure) (*imap.BodyStructureMultiPart, bool) {
	mp, ok := n.(*imap.BodyStructureMultiPart)
	return mp, ok && mp != nil
}

// messageOf returns the nested structure of a message/rfc822 part.
func messageOf(n imap.BodyStructure) (*imap.BodyStructureMessageRFC822, bool) {
	sp, ok := n.(*imap.BodyStructureSinglePart)
	if !ok || sp == nil || sp.MessageRFC822 == nil || !strings.EqualFold(sp.Type, "message") {
		return nil, false
	}
	return sp.MessageRFC822, true
}

// enclosed returns the message inside a message/rfc822 part.
func (f *mimeFile) enclosed(p partSpan) (partSpan, bool) {
	m, ok := messageOf(p.node)
	if !ok {
		return partSpan{}, false
	}
	return partSpan{start: p.body, body: f.headerEnd(p.body, p.end), end: p.end, node: m.BodyStructure}, true
}

// find resolves a section's part numbers (RFC 3501 section 6.4.5): each
// number picks a part of a multipart, entering a message/rfc822 part
// first; the only part of a part that is not multipart is itself, number
// 1, as the body of a single-part message is part 1.
func (f *mimeFile) find(path []int) (partSpan, bool) {
	cur := f.top()
	if _, multi := isMultipart(cur.node); !multi && len(path) > 0 && path[0] == 1 {
		path = path[1:]
	}
	for _, n := range path {
		if inner, ok := f.enclosed(cur); ok {
			cur = inner
		}
		mp, multi := isMultipart(cur.node)
		if !multi {
			if n != 1 {
				return partSpan{}, false
			}
			continue
		}
		next, ok := f.child(cur, mp, n)
		if !ok {
			return partSpan{}, false
		}
		cur = next
	}
	return cur, true
}

// child returns part n (from 1) of a multipart body.
func (f *mimeFile) child(p partSpan, mp *imap.BodyStructureMultiPart, n int) (partSpan, bool) {
	var found partSpan
	ok := false
	if n >= 1 && n <= len(mp.Children) {
		f.parts(p, mp, func(i int, span partSpan) bool {
			if i == n {
				found, ok = span, true
			}
			return i < n
		})
	}
	return found, ok
}

// parts calls fn for the parts of a multipart body in order, numbered from
// 1, until fn returns false. It stops at the number of parts the structure
// has, which is what go-message found at append.
func (f *mimeFile) parts(p partSpan, mp *imap.BodyStructureMultiPart, fn func(int, partSpan) bool) {
	if len(mp.Children) == 0 || mp.Extended == nil {
		return
	}
	boundary := mp.Extended.Params["boundary"]
	if boundary == "" {
		return
	}
	dash := []byte("--" + boundary)
	dashDash := []byte("--" + boundary + "--")
	nl := []byte("\r\n")
	off := p.body
	// The preamble: lines up to the first delimiter line.
	for {
		line, full := f.line(off, p.end, maxBoundaryLine)
		if !full {
			return // the end, or a line too long for go-message
		}
		if rest, ok := bytes.CutPrefix(line, dash); ok {
			rest = bytes.TrimLeft(rest, " \t")
			if string(rest) == "\n" {
				nl = nl[1:] // LF line ends, which go-message accepts too
			}
			if bytes.Equal(rest, nl) {
				off += int64(len(line))
				break
			}
		}
		if r, ok := bytes.CutPrefix(line, dashDash); ok && isLineEnd(bytes.TrimLeft(r, " \t"), nl) {
			return // the close delimiter: no parts at all
		}
		off += int64(len(line))
	}
	nlDash := append(append([]byte(nil), nl...), dash...)
	for i := 1; i <= len(mp.Children); i++ {
		span := partSpan{start: off, body: f.headerEnd(off, p.end), node: mp.Children[i-1]}
		span.end = f.bodyEnd(span.body, p.end, dash, nlDash)
		if !fn(i, span) {
			return
		}
		// The next delimiter line, after the line end that belongs to it.
		off = span.end
		line, full := f.line(off, p.end, maxBoundaryLine)
		if full && bytes.Equal(line, nl) {
			off += int64(len(line))
			line, full = f.line(off, p.end, maxBoundaryLine)
		}
		rest, ok := bytes.CutPrefix(line, dash)
		if !full || !ok || !bytes.Equal(bytes.TrimLeft(rest, " \t"), nl) {
			return
		}
		off += int64(len(line))
	}
}

func isLineEnd(b, nl []byte) bool { return len(b) == 0 || bytes.Equal(b, nl) }

// bodyEnd finds where a part's body that starts at from ends.
func (f *mimeFile) bodyEnd(from, end int64, dash, nlDash []byte) int64 {
	if f.delimiterAt(from, end, dash) {
		return from
	}
	for off := from; off < end; {
		i := f.index(off, end, nlDash)
		if i < 0 {
			break
		}
		if f.delimiterAt(i, end, nlDash) {
			return i
		}
		off = i + int64(len(nlDash))
	}
	// No delimiter: the body runs to the end, less a tail that could have
	// begun one, which go-message's reader holds back and then drops.
	if end-from < int64(len(dash)) && bytes.Equal(f.chunk(from, end), dash[:end-from]) {
		return from
	}
	tailFrom := max(from, end-int64(len(nlDash)))
	tail := f.chunk(tailFrom, end)
	if i := bytes.LastIndexByte(tail, nlDash[0]); i >= 0 && bytes.HasPrefix(nlDash, tail[i:]) {
		return tailFrom + int64(i)
	}
	return end
}

// delimiterAt reports whether a delimiter (pat) starts at off: it must be
// followed by a blank, a line end, "-" or the end of the enclosing body.
func (f *mimeFile) delimiterAt(off, end int64, pat []byte) bool {
	b := f.chunk(off, min(end, off+int64(len(pat))))
	if !bytes.Equal(b, pat) {
		return false
	}
	after := off + int64(len(pat))
	if after >= end {
		return true
	}
	c, ok := f.byteAt(after)
	return !ok || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '-'
}
