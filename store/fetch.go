package store

import (
	"context"
	"io"
)

// Reading many messages at once, for FETCH, SEARCH and the mount's
// listings: one rights check and one read transaction per batch, instead
// of one of each per message.

// FetchOptions say what FetchMessages reads besides the index entry.
type FetchOptions struct {
	Structure bool // the parsed envelope and body structure
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
			for n < len(uids) && len(batch) < fetchBatch {
				uid := uids[n]
				n++
				v := tx.Get(bMessages, msgKey(mbox, uid))
				if v == nil {
					continue
				}
				rec, err := decodeMsg(v)
				if err != nil {
					return internalErr(err, "decode message")
				}
				var seen map[uint32]bool
				if private {
					seen = map[uint32]bool{uid: tx.Get(bSeen, seenKey(mbox, c.userID, uid)) != nil}
				}
				e := entry{m: s.toMessage(uid, &rec, seen)}
				if opts.Structure {
					if cv := tx.Get(bMsgCache, msgKey(mbox, uid)); cv != nil {
						if e.st, err = decodeStructure(cv); err != nil {
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
				// An entry from an older parser: parse the file again.
				if b, err := s.blobs.Open(part, mbox, e.m.UID); err == nil {
					size, _ := b.Seek(0, io.SeekEnd)
					e.st = parseMessage(b, size)
					b.Close()
				} else {
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
