package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"math"
	"slices"
)

// Tombstones of expunged messages, for QRESYNC (RFC 7162 section 3.2).
//
// Every expunge — IMAP EXPUNGE and CLOSE, the source side of MOVE, a POP3
// DELE, an unlink in the mount, a message replaced by a rename — raises the
// mailbox's HIGHESTMODSEQ once and leaves, in the same transaction, one
// tombstone per message: the key mailbox id | modseq | UID in the vanished
// bucket. Keyed by modseq first, "what vanished since modseq m" reads only
// the tombstones newer than m, which for a client that synchronises often
// is a handful however long the mailbox has lived. Tombstones are kept for
// the life of the mailbox (docs/design-decisions.md says why) and go with
// it when it is deleted; a rename keeps them, as it keeps UIDVALIDITY.

// UIDRange is the UIDs from First to Last, both included.
type UIDRange struct {
	First, Last uint32
}

func vanishedKey(mbox, modseq uint64, uid uint32) []byte {
	k := make([]byte, 20)
	binary.BigEndian.PutUint64(k, mbox)
	binary.BigEndian.PutUint64(k[8:], modseq)
	binary.BigEndian.PutUint32(k[16:], uid)
	return k
}

// putTombstone records that uid left mb at its current HIGHESTMODSEQ,
// which the caller has just raised for the change that removed it, so
// that every message of one expunge shares that modseq, as RFC 7162 asks.
func putTombstone(tx metaTx, mb *mailboxRec, uid uint32) error {
	return tx.Put(bVanished, vanishedKey(mb.ID, mb.HighestModSeq, uid), nil)
}

// tombstones returns the keys of a mailbox's tombstones by UID. Only
// reconstruct needs to look tombstones up by UID, so it pays for a scan.
func tombstones(tx metaTx, mbox uint64) map[uint32][]byte {
	out := map[uint32][]byte{}
	tx.Scan(bVanished, be64(mbox), nil, func(k, _ []byte) bool {
		out[uidOfKey(k)] = bytes.Clone(k)
		return true
	})
	return out
}

// Vanished returns, as ascending ranges, the UIDs expunged from a mailbox
// after the modseq since, keeping only those within the given ranges
// unless within is nil. The caller needs r, as for reading the mailbox.
//
// For a modseq older than the mailbox's tombstones (a mailbox that existed
// before the store kept them), it cannot tell when each message left, so
// it answers every UID of within, below UIDNEXT, that no message holds: a
// UID never repeats, so each was expunged at some time or never used.
// RFC 7162 section 3.2.6 asks exactly this of a server that has forgotten
// older expunges, and clients ignore UIDs they never knew.
func (s *Store) Vanished(ctx context.Context, c Caller, mbox uint64, since uint64, within []UIDRange) ([]UIDRange, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	var want []UIDRange
	if within != nil {
		want = normalizeRanges(within)
		if len(want) == 0 {
			return nil, nil
		}
	}
	var out []UIDRange
	err := s.readMailbox(c, mbox, RightRead, "read messages", func(tx metaTx, mb *mailboxRec) error {
		if since < mb.VanishedFloor {
			out = absentUIDs(tx, mb, want)
			return nil
		}
		if since == math.MaxUint64 {
			return nil
		}
		var uids []uint32
		tx.Scan(bVanished, be64(mbox), vanishedKey(mbox, since+1, 0), func(k, _ []byte) bool {
			if u := uidOfKey(k); want == nil || inRanges(want, u) {
				uids = append(uids, u)
			}
			return true
		})
		slices.Sort(uids)
		out = RangesOf(slices.Compact(uids))
		return nil
	})
	return out, err
}

// absentUIDs lists the UIDs of want (nil: every UID) below UIDNEXT that no
// message of the mailbox holds.
func absentUIDs(tx metaTx, mb *mailboxRec, want []UIDRange) []UIDRange {
	if mb.UIDNext <= 1 {
		return nil
	}
	if want == nil {
		want = []UIDRange{{1, mb.UIDNext - 1}}
	}
	var out []UIDRange
	gap := func(lo, hi uint32) {
		if lo > hi {
			return
		}
		if n := len(out); n > 0 && out[n-1].Last+1 == lo {
			out[n-1].Last = hi
			return
		}
		out = append(out, UIDRange{lo, hi})
	}
	for _, r := range want {
		if r.First >= mb.UIDNext {
			break
		}
		r.Last = min(r.Last, mb.UIDNext-1)
		next := r.First // the lowest UID of r not yet accounted for
		tx.Scan(bMessages, be64(mb.ID), msgKey(mb.ID, r.First), func(k, _ []byte) bool {
			u := uidOfKey(k)
			if u > r.Last {
				return false
			}
			gap(next, u-1)
			next = u + 1
			return true
		})
		gap(next, r.Last) // r.Last is below UIDNEXT, so next never wrapped
	}
	return out
}

// normalizeRanges orders ranges, puts each one's ends in order, drops
// UID 0 and merges ranges that overlap or touch.
func normalizeRanges(in []UIDRange) []UIDRange {
	rs := make([]UIDRange, 0, len(in))
	for _, r := range in {
		if r.First > r.Last {
			r.First, r.Last = r.Last, r.First
		}
		if r.Last == 0 {
			continue
		}
		r.First = max(r.First, 1)
		rs = append(rs, r)
	}
	slices.SortFunc(rs, func(a, b UIDRange) int { return cmp.Compare(a.First, b.First) })
	out := rs[:0]
	for _, r := range rs {
		if n := len(out); n > 0 && uint64(r.First) <= uint64(out[n-1].Last)+1 {
			out[n-1].Last = max(out[n-1].Last, r.Last)
			continue
		}
		out = append(out, r)
	}
	return out
}

// inRanges reports whether u is in rs, which normalizeRanges made.
func inRanges(rs []UIDRange, u uint32) bool {
	i, _ := slices.BinarySearchFunc(rs, u, func(r UIDRange, u uint32) int {
		switch {
		case r.Last < u:
			return -1
		case r.First > u:
			return 1
		}
		return 0
	})
	return i < len(rs) && rs[i].First <= u && u <= rs[i].Last
}

// RangesOf turns UIDs into ranges, in the order given, each run of
// consecutive UIDs one range. It never returns nil: no UIDs is an empty
// set, not "every UID" as a nil set means to Vanished.
func RangesOf(uids []uint32) []UIDRange {
	out := []UIDRange{}
	for _, u := range uids {
		if n := len(out); n > 0 && out[n-1].Last+1 == u {
			out[n-1].Last = u
			continue
		}
		out = append(out, UIDRange{u, u})
	}
	return out
}
