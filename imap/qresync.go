package imap

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2"

	"mstore/imap/wire"
	"mstore/store"
)

// QRESYNC (RFC 7162 section 3.2). Once a session has enabled it:
//
//   - expunges are told as "* VANISHED <uids>" instead of one EXPUNGE per
//     message (sendExpunges), with the same rules on when they may be sent;
//   - SELECT and EXAMINE take (QRESYNC (uidvalidity modseq [known-uids]))
//     and answer what changed since modseq: the UIDs that vanished, then
//     the flags of the messages that changed (selectQResync);
//   - UID FETCH takes the VANISHED modifier beside CHANGEDSINCE
//     (vanishedEarlier, called by cmdFetch).
//
// What vanished comes from the store's tombstones (store.Vanished), which
// every expunge leaves at the modseq it gave the mailbox.

func init() {
	extraCaps = append(extraCaps, string(imap.CapQResync))
}

// okExpunged completes a command that expunged messages from the selected
// mailbox (EXPUNGE, UID EXPUNGE, MOVE). With QRESYNC its tagged OK tells
// the HIGHESTMODSEQ the client may resynchronise from (RFC 7162 section
// 3.2.7): the store publishes every change before the call that made it
// returns, so once the session has told what its watcher holds, it has
// told every change up to the highest modseq among them, this expunge
// included.
func (s *session) okExpunged(tag, text string) error {
	if !s.qresync {
		return s.ok(tag, "", text)
	}
	s.sendUpdates(true)
	if s.sel == nil || s.sel.gone || s.sel.drainedModSeq == 0 {
		return s.ok(tag, "", text)
	}
	return s.ok(tag, "HIGHESTMODSEQ "+strconv.FormatUint(s.sel.drainedModSeq, 10), text)
}

// selectQResync finishes a SELECT or EXAMINE that carried the QRESYNC
// parameter, after the usual responses and before the tagged answer.
func (s *session) selectQResync(q *wire.QResyncParams, uidValidity uint32) error {
	if q.UIDValidity != uidValidity {
		// The client's UIDs name other messages, or none: it must start
		// afresh, and nothing it knows can be answered (section 3.2.5).
		return nil
	}
	// Without known UIDs the client means every UID below UIDNEXT, which
	// is what the store answers for no set at all.
	//
	// The sequence match data (section 3.2.5.2) lets a server that has
	// forgotten old expunges narrow the UIDs it must report. The store
	// keeps a tombstone of every expunge for the mailbox's life, and for a
	// mailbox older than its tombstones answers with the UIDs no message
	// holds, which the RFC allows; so the data is not needed and is
	// ignored.
	var within []store.UIDRange
	if q.KnownUIDs != nil {
		within = uidRanges(q.KnownUIDs)
	}
	if err := s.vanishedEarlier(q.ModSeq, within); err != nil {
		return err
	}
	sel := s.sel
	uids := sel.uids
	if within != nil {
		uids = uidsWithin(uids, within)
	}
	if len(uids) >= bigBufferMin {
		defer s.bigBuffer()()
	}
	// Flag changes come as FETCH responses with UID and MODSEQ; a message
	// appended since the modseq is one of them, as in a UID FETCH of the
	// known UIDs with (FLAGS) (CHANGEDSINCE modseq). QRESYNC turned
	// CONDSTORE on, so sendFlags tells MODSEQ.
	return s.eachMessage(uids, false, func(m *store.Message, _ *store.Structure) error {
		seq := sel.seqOf(m.UID)
		if m.ModSeq <= q.ModSeq || seq == 0 {
			return nil
		}
		s.sendFlags(seq, m)
		return s.enc.Err()
	})
}

// vanishedEarlier sends "* VANISHED (EARLIER)" with the UIDs of within
// (nil: every UID) that were expunged after the modseq since. UIDs still in
// the session's view are left out: their expunge is one the session has
// yet to tell, and it will, with a VANISHED that takes them out of the
// client's count; told EARLIER as well, the client would drop them twice.
func (s *session) vanishedEarlier(since uint64, within []store.UIDRange) error {
	rs, err := s.st.Vanished(s.ctx, s.caller, s.sel.id, since, within)
	if err != nil {
		return err
	}
	if rs = withoutUIDs(rs, s.sel.uids); len(rs) > 0 {
		s.enc.Atom("* VANISHED (EARLIER) ").Atom(uidRangesString(rs)).CRLF()
	}
	return nil
}

// vanishedSet turns the UID set of a UID FETCH into the ranges whose
// vanished UIDs the VANISHED modifier reports.
func (s *session) vanishedSet(set imap.NumSet) []store.UIDRange {
	if imap.IsSearchRes(set) {
		return store.RangesOf(s.sel.searchRes)
	}
	if us, ok := set.(imap.UIDSet); ok {
		return uidRanges(us)
	}
	return []store.UIDRange{}
}

// uidRanges turns a UID set into ranges for the store. Here "*" stands
// for the end of the UID space rather than the highest UID in use: a
// client asking what vanished of "n:*" means every UID from n on, those
// above the last message left included.
func uidRanges(set imap.UIDSet) []store.UIDRange {
	out := make([]store.UIDRange, 0, len(set))
	for _, r := range set {
		lo, hi := span(uint32(r.Start), uint32(r.Stop), math.MaxUint32)
		out = append(out, store.UIDRange{First: lo, Last: hi})
	}
	return out
}

// uidsWithin returns the ascending UIDs that are in one of the ranges
// (each with its ends in order, as uidRanges makes them).
func uidsWithin(uids []uint32, rs []store.UIDRange) []uint32 {
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b store.UIDRange) int { return cmp.Compare(a.First, b.First) })
	var out []uint32
	j := 0
	for _, u := range uids {
		// A range that ends before u ends before every later UID too.
		// Of the ranges left, sorted by start, the first holds u if any
		// does: the others start no earlier.
		for j < len(rs) && rs[j].Last < u {
			j++
		}
		if j == len(rs) {
			break
		}
		if rs[j].First <= u {
			out = append(out, u)
		}
	}
	return out
}

// withoutUIDs takes ascending UIDs out of ascending, disjoint ranges.
func withoutUIDs(rs []store.UIDRange, uids []uint32) []store.UIDRange {
	var out []store.UIDRange
	for _, r := range rs {
		lo := uint64(r.First) // the lowest UID of r not yet placed
		i, _ := slices.BinarySearch(uids, r.First)
		for ; i < len(uids) && uids[i] <= r.Last; i++ {
			if uint64(uids[i]) > lo {
				out = append(out, store.UIDRange{First: uint32(lo), Last: uids[i] - 1})
			}
			lo = uint64(uids[i]) + 1
		}
		if lo <= uint64(r.Last) {
			out = append(out, store.UIDRange{First: uint32(lo), Last: r.Last})
		}
	}
	return out
}

// uidRangesString writes ranges as a sequence set: "1:3,7".
func uidRangesString(rs []store.UIDRange) string {
	var b strings.Builder
	for i, r := range rs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(uint64(r.First), 10))
		if r.Last != r.First {
			b.WriteByte(':')
			b.WriteString(strconv.FormatUint(uint64(r.Last), 10))
		}
	}
	return b.String()
}
