package imap

import (
	"slices"

	"github.com/emersion/go-imap/v2"

	"mstore/store"
)

// selected is a session's view of its selected mailbox: the UIDs that give
// the session's message sequence numbers, and the changes others made that
// the client has not been told yet.
type selected struct {
	id          uint64
	name        store.MailboxName
	imapName    string
	readOnly    bool
	uidValidity uint32
	uids        []uint32 // sequence number - 1 → UID, ascending
	watcher     *store.Watcher

	newUIDs  []uint32            // appended by others, not yet announced by EXISTS
	expunged []uint32            // expunged, not yet announced by EXPUNGE or VANISHED
	changed  map[uint32]struct{} // flags changed by others, not yet sent
	own      map[uint64]bool     // modseqs of this session's own flag changes
	user     uint64              // the session's user, for events about one reader
	gone     bool                // the mailbox was deleted
	reset    bool                // rebuilt by reconstruct: compare with the store again

	// expungedModSeq is the lowest modseq of the expunges in expunged, 0
	// when none waits: a QRESYNC client must not take a higher modseq for
	// its own while they do (see sendUpdates).
	expungedModSeq uint64
	resetModSeq    uint64 // the modseq a reconstruct ended on, for resync
	drainedModSeq  uint64 // the highest modseq of the events taken so far

	searchRes []uint32 // the saved result of SEARCH RETURN (SAVE), as UIDs
}

// lastUID is the highest UID the view knows, told or not.
func (sel *selected) lastUID() uint32 {
	if n := len(sel.newUIDs); n > 0 {
		return sel.newUIDs[n-1]
	}
	if n := len(sel.uids); n > 0 {
		return sel.uids[n-1]
	}
	return 0
}

// seqOf returns the sequence number of a UID in the view, or 0.
func (sel *selected) seqOf(uid uint32) uint32 {
	i, ok := slices.BinarySearch(sel.uids, uid)
	if !ok {
		return 0
	}
	return uint32(i + 1)
}

// drain takes the watcher's events into the pending changes.
func (sel *selected) drain() {
	for _, e := range sel.watcher.Next() {
		sel.drainedModSeq = max(sel.drainedModSeq, e.ModSeq)
		switch e.Kind {
		case store.EventAppend:
			for _, u := range e.UIDs {
				if u > sel.lastUID() {
					sel.newUIDs = append(sel.newUIDs, u)
				}
			}
		case store.EventExpunge:
			for _, u := range e.UIDs {
				if i, ok := slices.BinarySearch(sel.newUIDs, u); ok {
					sel.newUIDs = slices.Delete(sel.newUIDs, i, i+1)
				} else if sel.seqOf(u) != 0 {
					sel.expunged = append(sel.expunged, u)
					sel.pendingExpunge(e.ModSeq)
				}
			}
		case store.EventFlags:
			if e.User != 0 && e.User != sel.user {
				continue // another reader's own \Seen
			}
			if sel.own[e.ModSeq] {
				delete(sel.own, e.ModSeq)
				continue
			}
			for _, u := range e.UIDs {
				sel.changed[u] = struct{}{}
			}
		case store.EventMailboxDelete:
			sel.gone = true
		case store.EventMailboxRename:
			sel.name = e.Name
		case store.EventMailboxReset:
			sel.reset = true
			sel.resetModSeq = e.ModSeq
		}
	}
}

// pendingExpunge notes the modseq of an expunge the client has not heard of.
func (sel *selected) pendingExpunge(modseq uint64) {
	if modseq != 0 && (sel.expungedModSeq == 0 || modseq < sel.expungedModSeq) {
		sel.expungedModSeq = modseq
	}
}

// sendUpdates tells the client what changed in the selected mailbox:
// EXPUNGE or VANISHED (only where the command allows it), EXISTS, and FETCH
// FLAGS.
func (s *session) sendUpdates(allowExpunge bool) {
	sel := s.sel
	if sel == nil {
		return
	}
	sel.drain()
	if sel.gone {
		return // sent as BYE by checkGone
	}
	if sel.reset {
		s.resync()
	}
	if allowExpunge && len(sel.expunged) > 0 {
		s.sendExpunges(sel.expunged)
		sel.expunged = sel.expunged[:0]
		sel.expungedModSeq = 0
	}
	if len(sel.newUIDs) > 0 {
		sel.uids = append(sel.uids, sel.newUIDs...)
		sel.newUIDs = sel.newUIDs[:0]
		s.enc.Atom("*").SP().Number(uint32(len(sel.uids))).SP().Atom("EXISTS").CRLF()
	}
	if len(sel.changed) > 0 {
		s.sendFlagChanges()
	}
	if s.qresync && len(sel.expunged) > 0 && sel.expungedModSeq > 1 {
		// RFC 7162 section 3.2: the FETCH responses above may carry
		// modseqs beyond an expunge the command may not tell yet. A client
		// that kept the highest of them and lost the connection would
		// never hear of the expunge; a HIGHESTMODSEQ below it keeps the
		// client's resynchronisation point from passing it.
		s.enc.Atom("* OK [HIGHESTMODSEQ ").Number64(sel.expungedModSeq - 1).Atom("] Expunges pending").CRLF()
	}
}

// sendExpunges removes UIDs from the view and tells the client: with
// QRESYNC one VANISHED response of UIDs; otherwise an EXPUNGE of each
// sequence number, highest first, so no number shifts under the next.
// UIDs the view does not hold are not told: the client never knew them.
func (s *session) sendExpunges(uids []uint32) {
	sel := s.sel
	known := make([]uint32, 0, len(uids))
	for _, u := range uids {
		if sel.seqOf(u) != 0 {
			known = append(known, u)
		}
		delete(sel.changed, u)
	}
	slices.Sort(known)
	known = slices.Compact(known)
	if s.qresync {
		if len(known) > 0 {
			s.enc.Atom("* VANISHED ").Atom(numSetString(known)).CRLF()
		}
	} else {
		// The view is in UID order, so the highest UID has the highest
		// sequence number.
		for _, u := range slices.Backward(known) {
			s.enc.Atom("*").SP().Number(sel.seqOf(u)).SP().Atom("EXPUNGE").CRLF()
		}
	}
	keep := sel.uids[:0]
	gone := map[uint32]bool{}
	for _, u := range uids {
		gone[u] = true
	}
	for _, u := range sel.uids {
		if !gone[u] {
			keep = append(keep, u)
		}
	}
	sel.uids = keep
	if len(sel.searchRes) > 0 {
		sel.searchRes = slices.DeleteFunc(sel.searchRes, func(u uint32) bool { return gone[u] })
	}
}

// sendFlagChanges sends the current flags of messages others changed.
func (s *session) sendFlagChanges() {
	sel := s.sel
	uids := make([]uint32, 0, len(sel.changed))
	for u := range sel.changed {
		if sel.seqOf(u) != 0 {
			uids = append(uids, u)
		}
	}
	clear(sel.changed)
	if len(uids) == 0 {
		return
	}
	slices.Sort(uids)
	i := 0
	s.st.Messages(s.ctx, s.caller, sel.id, uids[0], func(m store.Message) bool {
		for i < len(uids) && uids[i] < m.UID {
			i++
		}
		if i == len(uids) {
			return false
		}
		if uids[i] == m.UID {
			s.sendFlags(sel.seqOf(m.UID), &m)
		}
		return true
	})
}

// sendFlags tells a message's flags as "* seq FETCH (UID FLAGS [MODSEQ])",
// MODSEQ when CONDSTORE is on: how flags others changed reach the client,
// and how SELECT with QRESYNC tells what changed while it was away.
func (s *session) sendFlags(seq uint32, m *store.Message) {
	s.enc.Atom("*").SP().Number(seq).SP().Atom("FETCH").SP().BeginList()
	s.enc.Atom("UID").SP().Number(m.UID).SP().Atom("FLAGS").SP().Flags(toFlags(m.Flags))
	if s.condstore {
		s.enc.SP().Atom("MODSEQ").SP().BeginList().Number64(m.ModSeq).EndList()
	}
	s.enc.EndList().CRLF()
}

// resync compares the view with the store after a reconstruct: what left
// is expunged (when allowed, else at the next chance), what came is new.
func (s *session) resync() {
	sel := s.sel
	sel.reset = false
	now, _, err := s.st.UIDs(s.ctx, s.caller, sel.id)
	if err != nil {
		return
	}
	for _, u := range sel.uids {
		if _, ok := slices.BinarySearch(now, u); !ok && !slices.Contains(sel.expunged, u) {
			sel.expunged = append(sel.expunged, u)
			sel.pendingExpunge(sel.resetModSeq)
		}
	}
	last := sel.lastUID()
	for _, u := range now {
		if u > last {
			sel.newUIDs = append(sel.newUIDs, u)
		}
	}
}

// checkGone ends the session when its selected mailbox was deleted by
// someone else; a client cannot go on with a mailbox that is not there.
func (s *session) checkGone() bool {
	if s.sel == nil {
		return false
	}
	s.sel.drain()
	if s.sel.gone {
		s.enc.Atom("* BYE The selected mailbox was deleted").CRLF()
		return true
	}
	return false
}

// unselect drops the selected mailbox.
func (s *session) unselect() {
	if s.sel != nil {
		s.sel.watcher.Close()
		s.sel = nil
	}
	if s.state == stateSelected {
		s.state = stateAuth
	}
}

// uidsOf resolves a sequence set or UID set against the view. Sequence
// numbers beyond the view are an error; "*" in an empty mailbox matches
// nothing; UIDs not in the view are ignored (RFC 3501 section 6.4.8).
func (s *session) uidsOf(set imap.NumSet) ([]uint32, error) {
	sel := s.sel
	if imap.IsSearchRes(set) {
		out := make([]uint32, 0, len(sel.searchRes))
		for _, u := range sel.searchRes {
			if sel.seqOf(u) != 0 {
				out = append(out, u)
			}
		}
		return out, nil
	}
	var out []uint32
	switch set := set.(type) {
	case imap.SeqSet:
		n := uint32(len(sel.uids))
		for _, r := range set {
			lo, hi := span(r.Start, r.Stop, n)
			if lo == 0 {
				continue // "*" of an empty mailbox
			}
			if hi > n {
				return nil, badf("message sequence number %d is beyond the %d messages", hi, n)
			}
			out = append(out, sel.uids[lo-1:hi]...)
		}
	case imap.UIDSet:
		var last uint32
		if len(sel.uids) > 0 {
			last = sel.uids[len(sel.uids)-1]
		}
		for _, r := range set {
			lo, hi := span(uint32(r.Start), uint32(r.Stop), last)
			i, _ := slices.BinarySearch(sel.uids, lo)
			for ; i < len(sel.uids) && sel.uids[i] <= hi; i++ {
				out = append(out, sel.uids[i])
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// span resolves a range of a sequence or UID set: 0 ("*") stands for
// star, and the ends may come in either order.
func span(start, stop, star uint32) (lo, hi uint32) {
	if start == 0 {
		start = star
	}
	if stop == 0 {
		stop = star
	}
	return min(start, stop), max(start, stop)
}

func toFlags(fl []string) []imap.Flag {
	out := make([]imap.Flag, len(fl))
	for i, f := range fl {
		out[i] = imap.Flag(f)
	}
	return out
}

func fromFlags(fl []imap.Flag) []string {
	out := make([]string, len(fl))
	for i, f := range fl {
		out[i] = string(f)
	}
	return out
}
