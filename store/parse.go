package store

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-message/textproto"
)

// Structure is what the store learns by parsing a message once, at append:
// its envelope and MIME body structure. It is kept in the index so that no
// FETCH, SEARCH or listing parses the message again.
type Structure struct {
	// Envelope is decoded: encoded words in UTF-8, for matching and
	// reading. Raw is the same as written, for IMAP's ENVELOPE.
	Envelope *imap.Envelope
	Raw      *imap.Envelope
	// DateRaw is the Date header field as written, which IMAP's ENVELOPE
	// returns; Envelope.Date is its parsed form (zero when unparsable).
	DateRaw string
	Body    imap.BodyStructure
	// HeaderSize is the length of the header, including the empty line
	// that ends it.
	HeaderSize int64
}

// parserVersion changes when parsing improves, so that old cache entries
// can be recognised and parsed again.
const parserVersion = 2

// parseMessage extracts the structure of a message. Broken MIME never
// fails an append: a message whose header cannot be read becomes one
// text/plain body, and a panic inside a parser is caught the same way.
func parseMessage(ra io.ReaderAt, size int64) (st *Structure) {
	// One pooled reader serves both passes: every delivery parses, and a
	// fresh 16 KiB buffer per pass was most of what a delivery allocated.
	br := parseReaders.Get().(*bufio.Reader)
	defer func() {
		br.Reset(nil)
		parseReaders.Put(br)
	}()
	// The header is read once. Where it ends is where ReadHeader stopped
	// (it stops at the first empty line, as scanHeaderSize does); a header
	// it cannot read, or a parser that panics, falls back to a scan.
	hs := int64(-1)
	fallback := func() *Structure {
		if hs < 0 {
			br.Reset(io.NewSectionReader(ra, 0, size))
			hs = scanHeaderSize(br)
		}
		return fallbackStructure(size, hs)
	}
	defer func() {
		if recover() != nil {
			st = fallback()
		}
	}()
	sr := io.NewSectionReader(ra, 0, size)
	br.Reset(sr)
	hdr, err := textproto.ReadHeader(br)
	if err != nil {
		return fallback()
	}
	pos, _ := sr.Seek(0, io.SeekCurrent)
	hs = pos - int64(br.Buffered())
	raw, decoded := envelopes(hdr)
	body := extractStructure(hdr, br, false, 0)
	return &Structure{Envelope: decoded, Raw: raw, DateRaw: unfold(hdr.Get("Date")), Body: body, HeaderSize: hs}
}

var parseReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 16<<10) }}

// scanHeaderSize finds where the header ends: after the first empty line,
// or at the end of a message that has none.
func scanHeaderSize(br *bufio.Reader) int64 {
	var n int64
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			n += int64(len(line))
			continue
		}
		n += int64(len(line))
		if err != nil || len(line) <= 2 && (string(line) == "\r\n" || string(line) == "\n") {
			return n
		}
	}
}

func fallbackStructure(size, headerSize int64) *Structure {
	return &Structure{
		Envelope:   &imap.Envelope{},
		Raw:        &imap.Envelope{},
		HeaderSize: headerSize,
		Body: &imap.BodyStructureSinglePart{Type: "text", Subtype: "plain",
			Params: map[string]string{"charset": "us-ascii"}, Size: uint32(min(size-headerSize, 1<<32-1)),
			Text: &imap.BodyStructureText{}, Extended: &imap.BodyStructureSinglePartExt{}},
	}
}

func unfold(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "")
	s = strings.ReplaceAll(s, "\n", "")
	return strings.TrimSpace(s)
}

// The structure's record: a hand-written codec like the others, since FETCH
// ENVELOPE and BODYSTRUCTURE decode it for every message they return.

func (st *Structure) encode() []byte {
	e := encoder{b: make([]byte, 0, 512)}
	e.b = append(e.b, parserVersion)
	e.i(st.HeaderSize)
	e.s(st.DateRaw)
	encodeEnvelope(&e, st.Envelope)
	encodeEnvelope(&e, st.Raw)
	encodeBody(&e, st.Body)
	return e.b
}

func decodeStructure(b []byte) (*Structure, error) { return decodeStructureParts(b, true, true) }

// decodeStructureParts decodes a structure record, leaving out the body
// structure unless withBody and the decoded envelope unless withDecoded:
// FETCH ENVELOPE of a whole mailbox needs neither.
func decodeStructureParts(b []byte, withBody, withDecoded bool) (*Structure, error) {
	// One copy of the record, which the structure's strings then share,
	// instead of a copy per string: FETCH ENVELOPE decodes thousands.
	d := decoder{b: bytes.Clone(b), shared: true}
	if d.version(parserVersion) != parserVersion {
		// A record of an older parser: the reader parses the file again.
		return nil, errCorrupt
	}
	st := &Structure{HeaderSize: d.i(), DateRaw: d.s()}
	if withDecoded {
		st.Envelope = decodeEnvelope(&d)
	} else {
		skipEnvelope(&d)
	}
	st.Raw = decodeEnvelope(&d)
	if withBody {
		st.Body = decodeBody(&d, 0)
	}
	if d.err != nil {
		return nil, d.err
	}
	return st, nil
}

func encodeEnvelope(e *encoder, env *imap.Envelope) {
	if env == nil {
		env = &imap.Envelope{}
	}
	if env.Date.IsZero() {
		e.bool(false)
	} else {
		e.bool(true)
		e.i(env.Date.Unix())
		_, off := env.Date.Zone()
		e.i(int64(off))
	}
	e.s(env.Subject)
	for _, l := range [][]imap.Address{env.From, env.Sender, env.ReplyTo, env.To, env.Cc, env.Bcc} {
		e.u(uint64(len(l)))
		for _, a := range l {
			e.s(a.Name)
			e.s(a.Mailbox)
			e.s(a.Host)
		}
	}
	e.strs(env.InReplyTo)
	e.s(env.MessageID)
}

func decodeEnvelope(d *decoder) *imap.Envelope {
	env := &imap.Envelope{}
	if d.bool() {
		sec, off := d.i(), d.i()
		env.Date = time.Unix(sec, 0).In(time.FixedZone("", int(off)))
	}
	env.Subject = d.s()
	for _, l := range []*[]imap.Address{&env.From, &env.Sender, &env.ReplyTo, &env.To, &env.Cc, &env.Bcc} {
		n := d.u()
		if n > uint64(len(d.b)) {
			d.fail()
			return env
		}
		for i := uint64(0); i < n; i++ {
			*l = append(*l, imap.Address{Name: d.s(), Mailbox: d.s(), Host: d.s()})
		}
	}
	env.InReplyTo = d.strs()
	env.MessageID = d.s()
	return env
}

// skipEnvelope passes over an envelope without building it.
func skipEnvelope(d *decoder) {
	if d.bool() {
		d.i()
		d.i()
	}
	d.raw()
	for l := 0; l < 6; l++ {
		n := d.u()
		if n > uint64(len(d.b)) {
			d.fail()
			return
		}
		for i := uint64(0); i < 3*n; i++ {
			d.raw()
		}
	}
	n := d.u()
	if n > uint64(len(d.b)) {
		d.fail()
		return
	}
	for i := uint64(0); i < n; i++ {
		d.raw()
	}
	d.raw()
}

func encodeParams(e *encoder, p map[string]string) {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	e.u(uint64(len(keys)))
	for _, k := range keys {
		e.s(k)
		e.s(p[k])
	}
}

func decodeParams(d *decoder) map[string]string {
	n := d.u()
	if n == 0 || n > uint64(len(d.b)) {
		if n != 0 {
			d.fail()
		}
		return nil
	}
	p := make(map[string]string, n)
	for i := uint64(0); i < n; i++ {
		k := d.s()
		p[k] = d.s()
	}
	return p
}

func encodeDisposition(e *encoder, disp *imap.BodyStructureDisposition) {
	e.bool(disp != nil)
	if disp != nil {
		e.s(disp.Value)
		encodeParams(e, disp.Params)
	}
}

func decodeDisposition(d *decoder) *imap.BodyStructureDisposition {
	if !d.bool() {
		return nil
	}
	return &imap.BodyStructureDisposition{Value: d.s(), Params: decodeParams(d)}
}

const (
	tagSingle = 1
	tagMulti  = 2
)

func encodeBody(e *encoder, bs imap.BodyStructure) {
	switch b := bs.(type) {
	case *imap.BodyStructureSinglePart:
		e.u(tagSingle)
		e.s(b.Type)
		e.s(b.Subtype)
		encodeParams(e, b.Params)
		e.s(b.ID)
		e.s(b.Description)
		e.s(b.Encoding)
		e.u(uint64(b.Size))
		e.bool(b.MessageRFC822 != nil)
		if m := b.MessageRFC822; m != nil {
			encodeEnvelope(e, m.Envelope)
			encodeBody(e, m.BodyStructure)
			e.i(m.NumLines)
		}
		e.bool(b.Text != nil)
		if b.Text != nil {
			e.i(b.Text.NumLines)
		}
		e.bool(b.Extended != nil)
		if x := b.Extended; x != nil {
			encodeDisposition(e, x.Disposition)
			e.strs(x.Language)
			e.s(x.Location)
		}
	case *imap.BodyStructureMultiPart:
		e.u(tagMulti)
		e.s(b.Subtype)
		e.u(uint64(len(b.Children)))
		for _, c := range b.Children {
			encodeBody(e, c)
		}
		e.bool(b.Extended != nil)
		if x := b.Extended; x != nil {
			encodeParams(e, x.Params)
			encodeDisposition(e, x.Disposition)
			e.strs(x.Language)
			e.s(x.Location)
		}
	default:
		panic(fmt.Sprintf("store: unknown body structure %T", bs))
	}
}

// maxBodyDepth bounds nesting so that a hostile record cannot exhaust the
// stack; the parser itself never nests this deep.
const maxBodyDepth = 200

func decodeBody(d *decoder, depth int) imap.BodyStructure {
	if depth > maxBodyDepth {
		d.fail()
		return nil
	}
	switch d.u() {
	case tagSingle:
		b := &imap.BodyStructureSinglePart{Type: d.s(), Subtype: d.s(), Params: decodeParams(d),
			ID: d.s(), Description: d.s(), Encoding: d.s(), Size: uint32(d.u())}
		if d.bool() {
			m := &imap.BodyStructureMessageRFC822{Envelope: decodeEnvelope(d)}
			m.BodyStructure = decodeBody(d, depth+1)
			m.NumLines = d.i()
			b.MessageRFC822 = m
		}
		if d.bool() {
			b.Text = &imap.BodyStructureText{NumLines: d.i()}
		}
		if d.bool() {
			b.Extended = &imap.BodyStructureSinglePartExt{Disposition: decodeDisposition(d), Language: d.strs(), Location: d.s()}
		}
		return b
	case tagMulti:
		b := &imap.BodyStructureMultiPart{Subtype: d.s()}
		n := d.u()
		if n > uint64(len(d.b)) {
			d.fail()
			return b
		}
		for i := uint64(0); i < n && d.err == nil; i++ {
			b.Children = append(b.Children, decodeBody(d, depth+1))
		}
		if d.bool() {
			b.Extended = &imap.BodyStructureMultiPartExt{Params: decodeParams(d), Disposition: decodeDisposition(d),
				Language: d.strs(), Location: d.s()}
		}
		return b
	}
	d.fail()
	return nil
}
