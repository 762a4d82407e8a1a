package imap

import (
	"bytes"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"

	"mstore/store"
)

// Matching search keys against one message (RFC 9051 section 6.4.4).
//
// A message is judged in rounds, each allowed to read more: the index
// (flags, dates, size, UID, modseq), then the parsed structure (envelope,
// sent date), then the header in the file, then the body. Each round
// answers yes, no or "cannot tell yet"; the next round runs only for a
// message still undecided, so a SEARCH BODY of a rare word joined with
// UNSEEN opens only the unseen messages' files.
//
// Strings match as case-insensitive substrings after Unicode simple case
// folding. Header fields match in their raw form or with their RFC 2047
// encoded words decoded; bodies match in the text parts, decoded from
// their transfer encoding and charset. A byte search of the raw body comes
// first: when every text part is stored as it reads (no transfer encoding,
// UTF-8 or ASCII), a miss there is a miss.
//
// Decisions:
//   - RECENT and NEW match nothing, OLD everything: the server keeps no
//     \Recent (it answers 0 RECENT).
//   - SENTBEFORE, SENTON and SENTSINCE use the internal date of a message
//     whose Date header is missing or unparsable, as RFC 5256 does for
//     sorting.
//   - Dates compare as calendar days in the zone each date was given in.
//   - MODSEQ compares the message's modseq whatever entry it names: the
//     store keeps one modseq per message, not one per flag.
//   - BODY searches text/* parts and the headers of attached messages;
//     TEXT adds the message's own header.

type tri int8

const (
	triNo tri = iota
	triYes
	triMaybe
)

// Rounds of evaluation, from cheapest.
const (
	levelIndex = iota
	levelStruct
	levelHeader
	levelBody
)

// matcher holds what is known of the message being judged.
type matcher struct {
	s      *session
	open   store.Opener // bodies of the selected mailbox
	nMsgs  uint32       // "*" in sequence sets
	maxUID uint32       // "*" in UID sets
	needle map[string][]byte

	m   *store.Message
	seq uint32

	st      *store.Structure
	stDone  bool
	blob    store.Blob
	mf      mimeFile
	raw     []byte // the message file, or its header alone (rawAll false)
	rawAll  bool
	hs      int64 // header size
	hdr     []headerField
	hdrRaw  []byte // folded raw header
	hdrOK   bool
	body    []byte // folded raw body
	bodyOK  bool
	rdr     bytes.Reader
	text    []byte // folded decoded text of the body
	textOK  bool
	textH   []byte // the same with the MIME headers of parts, for TEXT
	textHOK bool
	failed  bool // the message went away while being read
	fold    []byte
}

type headerField struct {
	name    string
	raw     []byte // unfolded value, folded for matching
	decoded []byte // with encoded words decoded, folded; nil when the same
}

// reset prepares the matcher for another message, keeping its buffers
// unless a big message made them big.
func (x *matcher) reset(m *store.Message, seq uint32, st *store.Structure) {
	if x.blob != nil {
		x.blob.Close()
	}
	raw, body := x.raw[:0], x.body[:0]
	if cap(raw) > keepBuffer {
		raw, body = nil, nil
	}
	*x = matcher{s: x.s, nMsgs: x.nMsgs, maxUID: x.maxUID, needle: x.needle, m: m, seq: seq, open: x.open,
		st: st, stDone: st != nil, mf: mimeFile{buf: x.mf.buf}, fold: x.fold[:0], raw: raw, body: body}
}

// keepBuffer is the largest read buffer kept from one message to the next.
const keepBuffer = 1 << 20

func (x *matcher) close() {
	if x.blob != nil {
		x.blob.Close()
		x.blob = nil
	}
}

// match judges the current message.
func (x *matcher) match(c *imap.SearchCriteria) bool {
	for lvl := levelIndex; lvl <= levelBody; lvl++ {
		switch x.eval(c, lvl) {
		case triYes:
			return !x.failed
		case triNo:
			return false
		}
		if x.failed {
			return false
		}
	}
	return false
}

func (x *matcher) eval(c *imap.SearchCriteria, lvl int) tri {
	m := x.m
	for _, set := range c.SeqNum {
		if !inNumSet(set, x.seq, x.nMsgs) {
			return triNo
		}
	}
	for _, set := range c.UID {
		if imap.IsSearchRes(set) {
			if _, ok := slices.BinarySearch(x.s.sel.searchRes, m.UID); !ok {
				return triNo
			}
			continue
		}
		if !inUIDSet(set, m.UID, x.maxUID) {
			return triNo
		}
	}
	for _, f := range c.Flag {
		if !hasFlag(m.Flags, string(f)) {
			return triNo
		}
	}
	for _, f := range c.NotFlag {
		if hasFlag(m.Flags, string(f)) {
			return triNo
		}
	}
	if c.Larger > 0 && m.Size <= c.Larger || c.Smaller > 0 && m.Size >= c.Smaller {
		return triNo
	}
	if !inDays(m.InternalDate, c.Since, c.Before) {
		return triNo
	}
	if c.ModSeq != nil && m.ModSeq < c.ModSeq.ModSeq {
		return triNo
	}
	res := triYes
	and := func(t tri) bool {
		if t == triNo {
			res = triNo
			return false
		}
		if t == triMaybe {
			res = triMaybe
		}
		return true
	}
	if !c.SentSince.IsZero() || !c.SentBefore.IsZero() {
		t := triMaybe
		if lvl >= levelStruct {
			t = triNo
			if st := x.structure(); st != nil {
				sent := m.InternalDate
				if st.Envelope != nil && !st.Envelope.Date.IsZero() {
					sent = st.Envelope.Date
				}
				if inDays(sent, c.SentSince, c.SentBefore) {
					t = triYes
				}
			}
		}
		if !and(t) {
			return triNo
		}
	}
	for _, n := range c.Not {
		switch x.eval(&n, lvl) {
		case triYes:
			return triNo
		case triMaybe:
			res = triMaybe
		}
	}
	for _, o := range c.Or {
		a := x.eval(&o[0], lvl)
		if a == triYes {
			continue
		}
		b := x.eval(&o[1], lvl)
		if !and(max3(a, b)) {
			return triNo
		}
	}
	for _, h := range c.Header {
		if !and(x.headerKey(h.Key, h.Value, lvl)) {
			return triNo
		}
	}
	for _, t := range c.Text {
		if !and(x.textKey(t, lvl, true)) {
			return triNo
		}
	}
	for _, b := range c.Body {
		if !and(x.textKey(b, lvl, false)) {
			return triNo
		}
	}
	return res
}

// max3 is OR over three values: yes beats maybe beats no.
func max3(a, b tri) tri {
	if a == triYes || b == triYes {
		return triYes
	}
	if a == triMaybe || b == triMaybe {
		return triMaybe
	}
	return triNo
}

func hasFlag(flags []string, f string) bool {
	for _, x := range flags {
		if strings.EqualFold(x, f) {
			return true
		}
	}
	return false
}

// inDays tests a date against SINCE (on or after) and BEFORE (earlier
// than), by calendar day in the date's own zone.
func inDays(t, since, before time.Time) bool {
	if since.IsZero() && before.IsZero() {
		return true
	}
	y, mo, d := t.Date()
	day := time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
	return (since.IsZero() || !day.Before(since)) && (before.IsZero() || day.Before(before))
}

func inNumSet(set imap.SeqSet, n, star uint32) bool {
	for _, r := range set {
		if lo, hi := span(r.Start, r.Stop, star); lo <= n && n <= hi {
			return true
		}
	}
	return false
}

func inUIDSet(set imap.UIDSet, u, star uint32) bool {
	for _, r := range set {
		if lo, hi := span(uint32(r.Start), uint32(r.Stop), star); lo <= u && u <= hi {
			return true
		}
	}
	return false
}

// structure loads the parsed structure once.
func (x *matcher) structure() *store.Structure {
	if !x.stDone {
		x.stDone = true
		st, err := x.s.st.Structure(x.s.ctx, x.s.caller, x.s.sel.id, x.m.UID)
		if err != nil {
			x.failed = true
			return nil
		}
		x.st = st
	}
	return x.st
}

// file opens the message once.
func (x *matcher) file() bool {
	if x.blob != nil {
		return true
	}
	if x.failed {
		return false
	}
	if x.open == nil {
		op, err := x.s.st.MessageOpener(x.s.ctx, x.s.caller, x.s.sel.id)
		if err != nil {
			x.failed = true
			return false
		}
		x.open = op
	}
	b, err := x.open(x.m.UID)
	if err != nil {
		x.failed = true
		return false
	}
	x.blob = b
	x.mf.r, x.mf.size, x.mf.st = b, x.m.Size, x.st
	return true
}
