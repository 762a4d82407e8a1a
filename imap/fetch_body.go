package imap

import (
	"bytes"
	"strings"

	"github.com/emersion/go-imap/v2"
)

// Body sections of FETCH (RFC 3501 section 6.4.5, RFC 3516's BINARY).
//
// A section that is a range of the message file (the whole message, its
// header or text, a part, a part's MIME header) is sent from the file;
// only sections that must be made (HEADER.FIELDS, decoded BINARY) are
// built in memory.
//
// Decisions:
//   - A part number that names no part gives an empty string, as Dovecot
//     does.
//   - HEADER and TEXT after part numbers apply to the message inside a
//     message/rfc822 part; on any other part they give its MIME header and
//     its body, as go-imap's ExtractBodySection does.
//   - HEADER.FIELDS and HEADER.FIELDS.NOT keep the fields in the order of
//     the message, byte for byte, followed by the empty line.

// sectionData is what one section sends: a range of the message file, or
// bytes made for it.
type sectionData struct {
	off, n int64
	b      []byte
	mem    bool // b holds the data; else off and n name a range of the file
}

func rangeData(off, end int64) sectionData {
	if end < off {
		end = off
	}
	return sectionData{off: off, n: end - off}
}

func memData(b []byte) sectionData { return sectionData{b: b, n: int64(len(b)), mem: true} }

// cut applies a partial fetch: the octets from origin, at most count.
func (d sectionData) cut(p *imap.SectionPartial) sectionData {
	if p == nil {
		return d
	}
	start := min(p.Offset, d.n)
	n := min(p.Size, d.n-start)
	if d.mem {
		return memData(d.b[start : start+n])
	}
	return sectionData{off: d.off + start, n: n}
}

// bodySection resolves BODY[section]. The part tree (mf.st) must be loaded
// when the section has part numbers.
func (mf *mimeFile) bodySection(sec *imap.FetchItemBodySection) sectionData {
	var d sectionData
	if len(sec.Part) == 0 {
		switch sec.Specifier {
		case imap.PartSpecifierNone:
			d = rangeData(0, mf.size) // the whole message: no need to find its header
		case imap.PartSpecifierText:
			d = rangeData(mf.headerSize(), mf.size)
		default:
			d = mf.headerData(0, mf.headerSize(), sec)
		}
		return d.cut(sec.Partial)
	}
	p, ok := mf.find(sec.Part)
	if !ok {
		return memData(nil)
	}
	switch sec.Specifier {
	case imap.PartSpecifierNone:
		d = rangeData(p.body, p.end)
	case imap.PartSpecifierMIME:
		d = rangeData(p.start, p.body)
	case imap.PartSpecifierText:
		if m, ok := mf.enclosed(p); ok {
			p = m
		}
		d = rangeData(p.body, p.end)
	default:
		start, end := p.start, p.body
		if m, ok := mf.enclosed(p); ok {
			start, end = m.start, m.body
		}
		d = mf.headerData(start, end, sec)
	}
	return d.cut(sec.Partial)
}

// headerData is a header, whole or filtered by HEADER.FIELDS(.NOT).
func (mf *mimeFile) headerData(start, end int64, sec *imap.FetchItemBodySection) sectionData {
	if len(sec.HeaderFields) == 0 && len(sec.HeaderFieldsNot) == 0 {
		return rangeData(start, end)
	}
	raw := make([]byte, end-start)
	n, _ := mf.r.ReadAt(raw, start)
	raw = raw[:n]
	if len(sec.HeaderFields) > 0 {
		return memData(filterHeader(raw, sec.HeaderFields, true))
	}
	return memData(filterHeader(raw, sec.HeaderFieldsNot, false))
}

// filterHeader keeps the fields of a raw header whose names are (keep) or
// are not (!keep) among names, and ends the result with an empty line.
func filterHeader(raw []byte, names []string, keep bool) []byte {
	out := make([]byte, 0, 256)
	eachField(raw, func(name, field []byte) {
		in := false
		for _, n := range names {
			if strings.EqualFold(n, string(name)) {
				in = true
				break
			}
		}
		if in == keep && (len(name) > 0 || !keep) {
			out = append(out, field...)
		}
	})
	return append(out, '\r', '\n')
}

// eachField calls fn for each field of a raw header, with its name and
// its raw lines (continuation lines included), up to the empty line that
// ends the header. A line without a colon is a field without a name.
func eachField(raw []byte, fn func(name, field []byte)) {
	for len(raw) > 0 {
		if raw[0] == '\n' || raw[0] == '\r' && len(raw) > 1 && raw[1] == '\n' {
			return // the empty line
		}
		end := 0
		for {
			i := bytes.IndexByte(raw[end:], '\n')
			if i < 0 {
				end = len(raw)
				break
			}
			end += i + 1
			if end >= len(raw) || raw[end] != ' ' && raw[end] != '\t' {
				break
			}
		}
		field := raw[:end]
		var name []byte
		if c := bytes.IndexByte(field, ':'); c >= 0 {
			name = bytes.TrimRight(field[:c], " \t")
		}
		fn(name, field)
		raw = raw[end:]
	}
}

// binaryPart resolves BINARY[part] (RFC 3516): the part with its transfer
// encoding undone; BINARY[] is the header and the decoded body. ok is
// false for an encoding the server does not know.
func (mf *mimeFile) binaryPart(part []int) (d sectionData, ok bool) {
	var p partSpan
	if len(part) == 0 {
		p = mf.top()
	} else if p, ok = mf.find(part); !ok {
		return memData(nil), true
	}
	k := cteIdentity
	if sp, single := p.node.(*imap.BodyStructureSinglePart); single && sp != nil {
		k = cteOf(sp.Encoding)
	}
	if k == cteUnknown {
		return sectionData{}, false
	}
	start := p.body
	if len(part) == 0 {
		start = 0
	}
	if k == cteIdentity {
		return rangeData(start, p.end), true
	}
	raw := make([]byte, p.end-start)
	n, _ := mf.r.ReadAt(raw, start)
	raw = raw[:n]
	hdr := int(p.body - start)
	out := make([]byte, 0, hdr+len(raw)*3/4+16)
	out = append(out, raw[:hdr]...)
	return memData(decodeCTE(out, raw[hdr:], k)), true
}
