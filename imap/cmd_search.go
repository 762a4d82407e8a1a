package imap

import (
	"slices"

	"github.com/emersion/go-imap/v2"

	"mstore/imap/wire"
	"mstore/store"
)

func init() {
	register("SEARCH", command{fn: cmdSearch, states: selectedOnly, uid: true}, "ESEARCH", "SEARCHRES")
}

// SEARCH and UID SEARCH (RFC 9051 section 6.4.4), with ESEARCH's result
// options (RFC 4731), SEARCHRES's SAVE (RFC 5182) and CONDSTORE's MODSEQ
// (RFC 7162). search_match.go judges each message.
//
// An IMAP4rev2 session always gets ESEARCH, RETURN (ALL) when it asked
// for nothing else; an IMAP4rev1 session without RETURN gets the plain
// SEARCH response.
func cmdSearch(s *session, tag string, uid bool) error {
	cmd, err := wire.ParseSearch(s.dec)
	if err != nil {
		return err
	}
	c := &cmd.Criteria
	modseq := usesModSeq(c)
	if modseq {
		s.enableCondstore()
	}
	ret := cmd.Return
	if ret == nil && s.rev2 {
		ret = &imap.SearchOptions{ReturnAll: true}
	}
	hits, err := s.search(c)
	if err != nil {
		if ret != nil && ret.ReturnSave {
			s.sel.searchRes = nil // a failed SEARCH empties $ (RFC 5182)
		}
		return s.no(tag, err)
	}
	num := func(h searchHit) uint32 {
		if uid {
			return h.uid
		}
		return h.seq
	}
	if ret == nil {
		s.enc.Atom("* SEARCH")
		var top uint64
		for _, h := range hits {
			s.enc.SP().Number(num(h))
			top = max(top, h.modseq)
		}
		if modseq && len(hits) > 0 {
			s.enc.Atom(" (MODSEQ ").Number64(top).Atom(")")
		}
		s.enc.CRLF()
		return s.ok(tag, "", "SEARCH completed")
	}
	// Only MIN and MAX, without ALL or COUNT, keep just those messages,
	// both in $ and in the MODSEQ reported.
	picked := hits
	if !ret.ReturnAll && !ret.ReturnCount && (ret.ReturnMin || ret.ReturnMax) && len(hits) > 0 {
		picked = nil
		if ret.ReturnMin {
			picked = append(picked, hits[0])
		}
		if ret.ReturnMax && (len(picked) == 0 || hits[len(hits)-1] != picked[0]) {
			picked = append(picked, hits[len(hits)-1])
		}
	}
	if ret.ReturnSave {
		res := make([]uint32, len(picked))
		for i, h := range picked {
			res[i] = h.uid
		}
		s.sel.searchRes = res
	}
	if !ret.ReturnMin && !ret.ReturnMax && !ret.ReturnAll && !ret.ReturnCount {
		return s.ok(tag, "", "SEARCH completed") // SAVE alone answers nothing
	}
	e := s.enc
	e.Atom(`* ESEARCH (TAG "`).Atom(tag).Atom(`")`)
	if uid {
		e.Atom(" UID")
	}
	if len(hits) > 0 {
		if ret.ReturnMin {
			e.Atom(" MIN ").Number(num(hits[0]))
		}
		if ret.ReturnMax {
			e.Atom(" MAX ").Number(num(hits[len(hits)-1]))
		}
		if ret.ReturnAll {
			nums := make([]uint32, len(hits))
			for i, h := range hits {
				nums[i] = num(h)
			}
			e.Atom(" ALL ").Atom(numSetString(nums))
		}
	}
	if ret.ReturnCount {
		e.Atom(" COUNT ").Number(uint32(len(hits)))
	}
	if modseq && len(picked) > 0 {
		var top uint64
		for _, h := range picked {
			top = max(top, h.modseq)
		}
		e.Atom(" MODSEQ ").Number64(top)
	}
	e.CRLF()
	return s.ok(tag, "", "SEARCH completed")
}

// needsMessage reports whether criteria look past the index (header,
// sent date, body text), so the search reads structures and opens files.
func needsMessage(c *imap.SearchCriteria) bool {
	if len(c.Header) > 0 || len(c.Body) > 0 || len(c.Text) > 0 || !c.SentSince.IsZero() || !c.SentBefore.IsZero() {
		return true
	}
	for i := range c.Not {
		if needsMessage(&c.Not[i]) {
			return true
		}
	}
	for i := range c.Or {
		if needsMessage(&c.Or[i][0]) || needsMessage(&c.Or[i][1]) {
			return true
		}
	}
	return false
}

type searchHit struct {
	seq, uid uint32
	modseq   uint64
}

// search returns the messages of the view that match, in order.
func (s *session) search(c *imap.SearchCriteria) ([]searchHit, error) {
	sel := s.sel
	x := &matcher{s: s, nMsgs: uint32(len(sel.uids)), needle: map[string][]byte{}}
	if n := len(sel.uids); n > 0 {
		x.maxUID = sel.uids[n-1]
	}
	defer x.close()
	var hits []searchHit
	withStruct := needsMessage(c)
	if withStruct {
		var err error
		if x.open, err = s.st.MessageOpener(s.ctx, s.caller, sel.id); err != nil {
			return nil, err
		}
	}
	err := s.eachMessage(s.candidates(c, x), withStruct, func(m *store.Message, st *store.Structure) error {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		seq := sel.seqOf(m.UID)
		if seq == 0 {
			return nil
		}
		x.reset(m, seq, st)
		if x.match(c) {
			hits = append(hits, searchHit{seq: seq, uid: m.UID, modseq: m.ModSeq})
		}
		return nil
	})
	return hits, err
}

// candidates narrows the view by the sets the criteria require, so that
// "UID SEARCH UID 9000:* ..." reads only those messages.
func (s *session) candidates(c *imap.SearchCriteria, x *matcher) []uint32 {
	sel := s.sel
	if len(c.SeqNum) == 0 && len(c.UID) == 0 {
		return sel.uids
	}
	var out []uint32
	for i, u := range sel.uids {
		keep := true
		for _, set := range c.SeqNum {
			keep = keep && inNumSet(set, uint32(i+1), x.nMsgs)
		}
		for _, set := range c.UID {
			if imap.IsSearchRes(set) {
				_, ok := slices.BinarySearch(sel.searchRes, u)
				keep = keep && ok
			} else {
				keep = keep && inUIDSet(set, u, x.maxUID)
			}
		}
		if keep {
			out = append(out, u)
		}
	}
	return out
}

// usesModSeq reports whether a MODSEQ key appears anywhere.
func usesModSeq(c *imap.SearchCriteria) bool {
	if c.ModSeq != nil {
		return true
	}
	for i := range c.Not {
		if usesModSeq(&c.Not[i]) {
			return true
		}
	}
	for i := range c.Or {
		if usesModSeq(&c.Or[i][0]) || usesModSeq(&c.Or[i][1]) {
			return true
		}
	}
	return false
}
