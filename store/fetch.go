package store

import (
	"context"
)

// Reading many messages at once, for FETCH, SEARCH and the mount's
// listings: one rights check and one read transaction per batch, instead
// of one of each per message.

// FetchOptions say what FetchMessages reads besides the index entry.
type FetchOptions struct {
	Structure bool // the parsed envelope and body structure
	// EnvelopeOnly, with Structure, leaves the body structure out
	// (Structure.Body is nil).
	EnvelopeOnly bool
	// RawOnly, with Structure, leaves the decoded envelope out
	// (Structure.Envelope is nil): enough for IMAP's FETCH.
	RawOnly bool
}

// fetchBatch is how many messages one read transaction gathers. The
// transaction ends before the caller sees them, so a slow client never
// holds one open.
const fetchBatch = 256

// FetchMessages calls fn for each message of uids (ascending; UIDs no
// longer in the mailbox are skipped), with its structure when asked. The
// caller needs r. fn runs outside any transaction and may stop the walk by
// returning an error, which FetchMessages returns.
func (s *Store) FetchMessages(ctx context.Context, c Caller, mbox uint64, uids []uint32, opts FetchOptions, fn func(*Message, *Structure) error) error {
	type entry struct {
		m     Message
		st    *Structure
		stale bool // no usable cache entry: parse the file
	}
	batch := make([]entry, 0, min(fetchBatch, len(uids)))
	var part string
	for len(uids) > 0 {
		if err := ctxErr(ctx); err != nil {
			return err
		}
		batch = batch[:0]
		n := 0
		err := s.readMailbox(c, mbox, RightRead, "read messages", func(tx metaTx, mb *mailboxRec) error {
			part = mb.Partition
			private := privateSeen(c, mb)
			k := min(fetchBatch, len(uids))
			want := uids[:k]
			n = k
			recs, structs := readRange(tx, mbox, want, opts.Structure)
			for i, uid := range want {
				v := recs[i]
				if v == nil {
					continue
				}
				rec, err := decodeMsg(v)
				if err != nil {
					return internalErr(err, "decode message")
				}
				seen := private && tx.Get(bSeen, seenKey(mbox, c.userID, uid)) != nil
				e := entry{m: s.toMessage(uid, &rec, private, seen)}
				if opts.Structure {
					if cv := structs[i]; cv != nil {
						if e.st, err = decodeStructureParts(cv, !opts.EnvelopeOnly, !opts.RawOnly); err != nil {
							e.st = nil
						}
					}
					e.stale = e.st == nil
				}
				batch = append(batch, e)
			}
			return nil
		})
		if err != nil {
			return err
		}
		uids = uids[n:]
		for i := range batch {
			e := &batch[i]
			if e.stale {
				var err error
				if e.st, err = s.reparse(part, mbox, e.m.UID); err != nil {
					continue // gone meanwhile
				}
			}
			if err := fn(&e.m, e.st); err != nil {
				return err
			}
		}
	}
	return nil
}

// Opener opens the bodies of one mailbox's messages after one check of
// the caller's r right; a message expunged meanwhile gives KindExpunged.
// It is for commands that read many bodies (SEARCH BODY, FETCH of many
// sections) and must not outlive the command that made it.
type Opener func(uid uint32) (Blob, error)

// MessageOpener checks r once and returns an Opener for the mailbox.
func (s *Store) MessageOpener(ctx context.Context, c Caller, mbox uint64) (Opener, error) {
	var part string
	err := s.readMailbox(c, mbox, RightRead, "read messages", func(tx metaTx, mb *mailboxRec) error {
		part = mb.Partition
		return nil
	})
	if err != nil {
		return nil, err
	}
	return func(uid uint32) (Blob, error) { return s.blobs.Open(part, mbox, uid) }, nil
}

// readRange returns the raw index entries (and structure records) of the
// wanted UIDs, nil where there is none. A dense run of UIDs — 1:* is the
// common case — is read with one cursor pass per bucket; scattered ones
// are looked up one by one.
func readRange(tx metaTx, mbox uint64, want []uint32, structures bool) (recs, structs [][]byte) {
	recs = make([][]byte, len(want))
	if structures {
		structs = make([][]byte, len(want))
	}
	if len(want) == 0 {
		return recs, structs
	}
	lo, hi := want[0], want[len(want)-1]
	if uint64(hi-lo) > 4*uint64(len(want)) {
		for i, uid := range want {
			recs[i] = tx.Get(bMessages, msgKey(mbox, uid))
			if structures {
				structs[i] = tx.Get(bMsgCache, msgKey(mbox, uid))
			}
		}
		return recs, structs
	}
	scan := func(b bucketID, into [][]byte) {
		i := 0
		tx.Scan(b, be64(mbox), msgKey(mbox, lo), func(k, v []byte) bool {
			uid := uidOfKey(k)
			for i < len(want) && want[i] < uid {
				i++
			}
			if i == len(want) {
				return false
			}
			if want[i] == uid {
				into[i] = v
				i++
			}
			return i < len(want)
		})
	}
	scan(bMessages, recs)
	if structures {
		scan(bMsgCache, structs)
	}
	return recs, structs
}
