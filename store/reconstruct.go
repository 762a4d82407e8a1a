package store

import (
	"bytes"
	"context"
	"encoding/binary"
)

// Reconstruct rebuilds a mailbox's index from its message files: a file
// without an entry is adopted (its UID from its name, its internal date
// from its modification time, its flags empty), an entry without a file is
// dropped, entries with files keep their flags, and the mailbox's counters
// and every quota root of its domain are recounted.
//
// Tombstones (vanished.go) follow what the index now says. A dropped entry
// is an expunge that clients must hear of, so it leaves a tombstone at the
// modseq the reconstruct ends on. An adopted file whose UID has a
// tombstone is a message whose expunge was undone by a crash between the
// commit and the file's removal: it is back, so its tombstone goes. Every
// other tombstone stays, whether or not the index was lost, since the
// files cannot say when a message left.

// ReconstructReport says what a reconstruct changed.
type ReconstructReport struct {
	Mailbox string `json:"mailbox"`
	Kept    int    `json:"kept"`
	Adopted int    `json:"adopted"`
	Dropped int    `json:"dropped"`
	UIDNext uint32 `json:"uidnext"`
}

// Reconstruct rebuilds one mailbox. System and administrators only.
func (s *Store) Reconstruct(ctx context.Context, c Caller, n MailboxName) (ReconstructReport, error) {
	name, err := checkMailboxName(n.Name)
	if err != nil {
		return ReconstructReport{}, err
	}
	n.Name = name
	if err := c.requireAdmin(n.Domain); err != nil {
		return ReconstructReport{}, err
	}
	var id uint64
	err = s.meta.View(func(tx metaTx) error {
		var ok bool
		if id, ok = mailboxIDByName(tx, n); !ok {
			return errorf(KindNotFound, "mailbox %s does not exist", n)
		}
		return nil
	})
	if err != nil {
		return ReconstructReport{}, err
	}
	return s.reconstructID(ctx, id)
}

// ReconstructAll rebuilds every mailbox of the store.
func (s *Store) ReconstructAll(ctx context.Context, c Caller) ([]ReconstructReport, error) {
	if err := c.requireGlobalAdmin(); err != nil {
		return nil, err
	}
	var ids []uint64
	s.meta.View(func(tx metaTx) error {
		tx.Scan(bMailboxes, nil, nil, func(k, _ []byte) bool {
			ids = append(ids, binary.BigEndian.Uint64(k))
			return true
		})
		return nil
	})
	var out []ReconstructReport
	for _, id := range ids {
		if err := ctxErr(ctx); err != nil {
			return out, err
		}
		rep, err := s.reconstructID(ctx, id)
		if KindOf(err) == KindNotFound {
			continue // deleted meanwhile
		}
		if err != nil {
			return out, err
		}
		out = append(out, rep)
	}
	return out, nil
}

func (s *Store) reconstructID(ctx context.Context, id uint64) (ReconstructReport, error) {
	var rep ReconstructReport
	err := s.quiesce(id, func() (uint32, error) {
		var mb *mailboxRec
		err := s.meta.View(func(tx metaTx) error {
			var err error
			mb, err = getMailbox(tx, id)
			return err
		})
		if err != nil {
			return 0, err
		}
		files, err := s.blobs.List(mb.Partition, id)
		if err != nil {
			return 0, wrapErr(KindTemporary, err, "list files of %s", mb.name())
		}
		// Parse the files that have no index entry before the write, which
		// then only adds records.
		existing := map[uint32]bool{}
		s.meta.View(func(tx metaTx) error {
			tx.Scan(bMessages, be64(id), nil, func(k, _ []byte) bool {
				existing[uidOfKey(k)] = true
				return true
			})
			return nil
		})
		adopt := map[uint32][]byte{}
		for _, f := range files {
			if existing[f.UID] {
				continue
			}
			b, err := s.blobs.Open(mb.Partition, id, f.UID)
			if err != nil {
				continue
			}
			adopt[f.UID] = parseMessage(b, f.Size).encode()
			b.Close()
		}
		err = s.write(func(w *wtx) error {
			rep = ReconstructReport{}
			mb, err := w.mailbox(id)
			if err != nil {
				return err
			}
			rep.Mailbox = mb.name().Path()
			onDisk := map[uint32]blobInfo{}
			for _, f := range files {
				onDisk[f.UID] = f
			}
			var drop [][]byte
			type fixed struct{ k, v []byte }
			var fix []fixed
			mb.Messages, mb.Unseen, mb.Deleted, mb.Size = 0, 0, 0, 0
			maxUID := uint32(0)
			var derr error
			w.tx.Scan(bMessages, be64(id), nil, func(k, v []byte) bool {
				uid := uidOfKey(k)
				f, ok := onDisk[uid]
				if !ok {
					drop = append(drop, bytes.Clone(k))
					return true
				}
				rec, err := decodeMsg(v)
				if err != nil {
					derr = internalErr(err, "decode message")
					return false
				}
				rep.Kept++
				if rec.Size != f.Size {
					rec.Size = f.Size
					fix = append(fix, fixed{bytes.Clone(k), rec.encode()})
				}
				countMessage(mb, &rec)
				maxUID = max(maxUID, uid)
				return true
			})
			if derr != nil {
				return derr
			}
			for _, f := range fix {
				if err := w.tx.Put(bMessages, f.k, f.v); err != nil {
					return err
				}
			}
			var dropped []uint32
			for _, k := range drop {
				if err := w.tx.Delete(bMessages, k); err != nil {
					return err
				}
				if err := w.tx.Delete(bMsgCache, k); err != nil {
					return err
				}
				dropped = append(dropped, uidOfKey(k))
				rep.Dropped++
			}
			var tomb map[uint32][]byte
			if len(adopt) > 0 { // a scan of every expunge the mailbox has seen
				tomb = tombstones(w.tx, id)
			}
			for _, f := range files {
				struc, ok := adopt[f.UID]
				if !ok || w.tx.Get(bMessages, msgKey(id, f.UID)) != nil {
					continue
				}
				if k, ok := tomb[f.UID]; ok {
					if err := w.tx.Delete(bVanished, k); err != nil {
						return err
					}
				}
				mb.HighestModSeq++
				rec := msgRec{Date: f.MTime.UnixNano(), Size: f.Size, ModSeq: mb.HighestModSeq}
				_, rec.Zone = zoneOf(f.MTime)
				if err := w.tx.Put(bMessages, msgKey(id, f.UID), rec.encode()); err != nil {
					return err
				}
				if err := w.tx.Put(bMsgCache, msgKey(id, f.UID), struc); err != nil {
					return err
				}
				countMessage(mb, &rec)
				maxUID = max(maxUID, f.UID)
				rep.Adopted++
			}
			if err := rebuildNames(w.tx, id); err != nil {
				return err
			}
			if maxUID >= mb.UIDNext {
				mb.UIDNext = maxUID + 1
			}
			// The reconstruct's own modseq, which the dropped entries'
			// expunge (if any) takes: it comes after every adoption's.
			if err := expunged(w, mb, dropped); err != nil {
				return err
			}
			rep.UIDNext = mb.UIDNext
			w.markMailbox(mb)
			if rep.Adopted > 0 || rep.Dropped > 0 {
				w.emit(Event{Kind: EventMailboxReset, Mailbox: id, Name: mb.name(), ModSeq: mb.HighestModSeq})
			}
			return recountQuotas(w, mb.Domain)
		})
		return rep.UIDNext, err
	})
	return rep, err
}

func countMessage(mb *mailboxRec, rec *msgRec) {
	mb.Messages++
	if rec.Flags&flagSeen == 0 {
		mb.Unseen++
	}
	if rec.Flags&flagDeleted != 0 {
		mb.Deleted++
	}
	mb.Size += uint64(rec.Size)
}

// rebuildNames recreates a mailbox's message-name index from its records:
// each message keeps its recorded name unless another already holds it.
func rebuildNames(tx metaTx, mbox uint64) error {
	if err := deletePrefix(tx, bMsgNames, be64(mbox)); err != nil {
		return err
	}
	type entry struct {
		uid uint32
		rec msgRec
	}
	var all []entry
	var derr error
	tx.Scan(bMessages, be64(mbox), nil, func(k, v []byte) bool {
		rec, err := decodeMsg(v)
		if err != nil {
			derr = internalErr(err, "decode message")
			return false
		}
		all = append(all, entry{uidOfKey(k), rec})
		return true
	})
	if derr != nil {
		return derr
	}
	// Named messages first, so a default name never takes a chosen one.
	for pass := 0; pass < 2; pass++ {
		for _, e := range all {
			if (pass == 0) != (e.rec.Name != "") {
				continue
			}
			shown, recorded, err := chooseName(tx, mbox, e.uid, e.rec.Name)
			if err != nil {
				shown, recorded, err = chooseName(tx, mbox, e.uid, "")
			}
			if err != nil {
				return err
			}
			if err := putName(tx, mbox, shown, e.uid); err != nil {
				return err
			}
			if recorded != e.rec.Name {
				e.rec.Name = recorded
				if err := tx.Put(bMessages, msgKey(mbox, e.uid), e.rec.encode()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
