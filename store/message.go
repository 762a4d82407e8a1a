package store

import (
	"bytes"
	"context"
	"io"
	"slices"
	"time"

	"golang.org/x/sys/unix"
)

// Message is one message as a caller sees it: \Seen is the caller's own in
// a mailbox they do not own.
type Message struct {
	UID          uint32
	Flags        []string
	InternalDate time.Time
	Size         int64
	ModSeq       uint64
	Name         string // name in the mount: "<uid>.eml" unless created there under another
}

// readMailbox opens a read transaction on a mailbox the caller may read.
func (s *Store) readMailbox(c Caller, mbox uint64, want Rights, what string, fn func(tx metaTx, mb *mailboxRec) error) error {
	return s.meta.View(func(tx metaTx) error {
		mb, err := getMailbox(tx, mbox)
		if err != nil {
			return err
		}
		if err := need(c, mb, want, what); err != nil {
			return err
		}
		return fn(tx, mb)
	})
}

// seenSet returns the UIDs a reader has seen in a mailbox they do not own.
func seenSet(tx metaTx, mbox, user uint64) map[uint32]bool {
	seen := map[uint32]bool{}
	tx.Scan(bSeen, seenPrefix(mbox, user), nil, func(k, _ []byte) bool {
		seen[uidOfKey(k)] = true
		return true
	})
	return seen
}

// toMessage is a message as its reader sees it: with private set, its
// \Seen is the reader's own, given by seen.
func (s *Store) toMessage(uid uint32, rec *msgRec, private, seen bool) Message {
	bits := rec.Flags
	if private {
		bits &^= flagSeen
		if seen {
			bits |= flagSeen
		}
	}
	return Message{UID: uid, Flags: flagStrings(bits, rec.Keywords), InternalDate: rec.internalDate(),
		Size: rec.Size, ModSeq: rec.ModSeq, Name: rec.shownName(uid)}
}

// Messages calls fn for each message with a UID of at least from, in UID
// order, until fn returns false. The caller needs r.
func (s *Store) Messages(ctx context.Context, c Caller, mbox uint64, from uint32, fn func(Message) bool) error {
	return s.readMailbox(c, mbox, RightRead, "read messages", func(tx metaTx, mb *mailboxRec) error {
		private := privateSeen(c, mb)
		var seen map[uint32]bool
		if private {
			seen = seenSet(tx, mbox, c.userID)
		}
		var derr error
		tx.Scan(bMessages, be64(mbox), msgKey(mbox, from), func(k, v []byte) bool {
			rec, err := decodeMsg(v)
			if err != nil {
				derr = internalErr(err, "decode message")
				return false
			}
			uid := uidOfKey(k)
			return fn(s.toMessage(uid, &rec, private, seen[uid]))
		})
		return derr
	})
}

// UIDs returns every UID of a mailbox in order, with its HIGHESTMODSEQ.
func (s *Store) UIDs(ctx context.Context, c Caller, mbox uint64) ([]uint32, uint64, error) {
	var uids []uint32
	var modseq uint64
	err := s.readMailbox(c, mbox, RightRead, "read messages", func(tx metaTx, mb *mailboxRec) error {
		uids = make([]uint32, 0, mb.Messages)
		modseq = mb.HighestModSeq
		tx.Scan(bMessages, be64(mbox), nil, func(k, _ []byte) bool {
			uids = append(uids, uidOfKey(k))
			return true
		})
		return nil
	})
	return uids, modseq, err
}

// Message returns one message.
func (s *Store) Message(ctx context.Context, c Caller, mbox uint64, uid uint32) (Message, error) {
	var m Message
	err := s.readMailbox(c, mbox, RightRead, "read messages", func(tx metaTx, mb *mailboxRec) error {
		v := tx.Get(bMessages, msgKey(mbox, uid))
		if v == nil {
			return errorf(KindExpunged, "message %d of %s does not exist", uid, mb.name())
		}
		rec, err := decodeMsg(v)
		if err != nil {
			return internalErr(err, "decode message")
		}
		private := privateSeen(c, mb)
		m = s.toMessage(uid, &rec, private, private && tx.Get(bSeen, seenKey(mbox, c.userID, uid)) != nil)
		return nil
	})
	return m, err
}

// Structure returns the envelope and body structure parsed at append.
func (s *Store) Structure(ctx context.Context, c Caller, mbox uint64, uid uint32) (*Structure, error) {
	var st *Structure
	var stale bool
	var part string
	err := s.readMailbox(c, mbox, RightRead, "read messages", func(tx metaTx, mb *mailboxRec) error {
		part = mb.Partition
		v := tx.Get(bMsgCache, msgKey(mbox, uid))
		if v == nil {
			if tx.Get(bMessages, msgKey(mbox, uid)) == nil {
				return errorf(KindExpunged, "message %d of %s does not exist", uid, mb.name())
			}
			stale = true
			return nil
		}
		var err error
		if st, err = decodeStructure(v); err != nil {
			stale = true
		}
		return nil
	})
	if err != nil || !stale {
		return st, err
	}
	return s.reparse(part, mbox, uid)
}

// reparse parses a stored message whose cache entry is missing or from an
// older parser, and replaces the entry, so that it is parsed once, not at
// every FETCH. The replacement is not waited for: losing it costs only
// another parse.
func (s *Store) reparse(part string, mbox uint64, uid uint32) (*Structure, error) {
	b, err := s.blobs.Open(part, mbox, uid)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	size, err := b.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, wrapErr(KindTemporary, err, "read message")
	}
	st := parseMessage(b, size)
	enc := st.encode()
	s.commit.enqueue(&writeReq{apply: func(w *wtx) error {
		key := msgKey(mbox, uid)
		if w.tx.Get(bMessages, key) == nil {
			return nil // expunged meanwhile
		}
		return w.tx.Put(bMsgCache, key, enc)
	}})
	return st, nil
}

// OpenMessage opens a message's body for reading.
func (s *Store) OpenMessage(ctx context.Context, c Caller, mbox uint64, uid uint32) (Blob, error) {
	var part string
	err := s.readMailbox(c, mbox, RightRead, "read messages", func(tx metaTx, mb *mailboxRec) error {
		if tx.Get(bMessages, msgKey(mbox, uid)) == nil {
			return errorf(KindExpunged, "message %d of %s does not exist", uid, mb.name())
		}
		part = mb.Partition
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.blobs.Open(part, mbox, uid)
}

// FlagOp says how StoreFlags combines the given flags with a message's.
type FlagOp int

const (
	FlagsAdd FlagOp = iota
	FlagsRemove
	FlagsReplace
)

// FlagChange is a message whose flags a StoreFlags changed.
type FlagChange struct {
	UID    uint32
	Flags  []string // as the caller sees them now
	ModSeq uint64
}

// StoreFlags changes the flags of messages (RFC 4314: s for \Seen, t for
// \Deleted, w for the others; flags the caller may not change are left
// alone). With unchangedSince > 0 (CONDSTORE), messages changed after that
// modseq are left alone and returned in failed. Expunged UIDs are skipped.
func (s *Store) StoreFlags(ctx context.Context, c Caller, mbox uint64, uids []uint32, op FlagOp, flags []string, unchangedSince uint64) (changed []FlagChange, failed []uint32, err error) {
	bits, kw, err := parseFlags(flags)
	if err != nil {
		return nil, nil, err
	}
	uids = slices.Clone(uids)
	slices.Sort(uids)
	uids = slices.Compact(uids)
	err = s.write(func(w *wtx) error {
		changed, failed = nil, nil
		mb, err := w.mailbox(mbox)
		if err != nil {
			return err
		}
		r := c.rights(mb)
		if r&(RightLookup|RightRead) == 0 {
			return errorf(KindNotFound, "mailbox %s does not exist", mb.name())
		}
		if r&(RightSeen|RightWrite|RightDeleteMsg) == 0 {
			return errorf(KindNoPerm, "%s may not change flags in %s", c, mb.name())
		}
		// The flags this caller controls; the others are kept as they are.
		var mask sysFlags
		if r.Has(RightSeen) {
			mask |= flagSeen
		}
		if r.Has(RightDeleteMsg) {
			mask |= flagDeleted
		}
		if r.Has(RightWrite) {
			mask |= flagAnswered | flagFlagged | flagDraft
		}
		private := privateSeen(c, mb)
		modseq := mb.HighestModSeq + 1
		var touched, own []uint32 // changed for everyone; for this reader only
		for _, uid := range uids {
			key := msgKey(mbox, uid)
			v := w.tx.Get(bMessages, key)
			if v == nil {
				continue
			}
			rec, err := decodeMsg(v)
			if err != nil {
				return internalErr(err, "decode message")
			}
			if unchangedSince > 0 && rec.ModSeq > unchangedSince {
				failed = append(failed, uid)
				continue
			}
			cur := rec.Flags
			wasSeen := cur&flagSeen != 0
			if private {
				cur &^= flagSeen
				if w.tx.Get(bSeen, seenKey(mbox, c.userID, uid)) != nil {
					cur |= flagSeen
				}
			}
			next := cur
			nextKW := rec.Keywords
			switch op {
			case FlagsAdd:
				next |= bits & mask
				if r.Has(RightWrite) {
					nextKW = mergeKeywords(rec.Keywords, kw)
				}
			case FlagsRemove:
				next &^= bits & mask
				if r.Has(RightWrite) {
					nextKW = removeKeywords(rec.Keywords, kw)
				}
			case FlagsReplace:
				next = cur&^mask | bits&mask
				if r.Has(RightWrite) {
					nextKW = slices.Clone(kw)
				}
			}
			if next == cur && slices.Equal(nextKW, rec.Keywords) {
				continue
			}
			// \Seen alone concerns one reader: this one where it is
			// private, else the owner, whose \Seen the flag is.
			shared := next&^flagSeen != cur&^flagSeen || !slices.Equal(nextKW, rec.Keywords)
			if private {
				nowSeen := next&flagSeen != 0
				if nowSeen != (cur&flagSeen != 0) {
					sk := seenKey(mbox, c.userID, uid)
					if nowSeen {
						err = w.tx.Put(bSeen, sk, nil)
					} else {
						err = w.tx.Delete(bSeen, sk)
					}
					if err != nil {
						return err
					}
				}
				next = next&^flagSeen | rec.Flags&flagSeen
			}
			isSeen := next&flagSeen != 0
			switch {
			case wasSeen && !isSeen:
				mb.Unseen++
			case !wasSeen && isSeen:
				mb.Unseen--
			}
			switch wasDel, isDel := rec.Flags&flagDeleted != 0, next&flagDeleted != 0; {
			case wasDel && !isDel:
				mb.Deleted--
			case !wasDel && isDel:
				mb.Deleted++
			}
			rec.Flags, rec.Keywords, rec.ModSeq = next, spellKeywords(mb.Keywords, nextKW), modseq
			mb.Keywords = mergeKeywords(mb.Keywords, rec.Keywords)
			if err := w.tx.Put(bMessages, key, rec.encode()); err != nil {
				return err
			}
			shown := rec.Flags
			if private {
				shown = shown&^flagSeen | next&flagSeen
				if w.tx.Get(bSeen, seenKey(mbox, c.userID, uid)) != nil {
					shown |= flagSeen
				} else {
					shown &^= flagSeen
				}
			}
			changed = append(changed, FlagChange{UID: uid, Flags: flagStrings(shown, rec.Keywords), ModSeq: modseq})
			if shared {
				touched = append(touched, uid)
			} else {
				own = append(own, uid)
			}
		}
		if len(touched)+len(own) > 0 {
			mb.HighestModSeq = modseq
			w.markMailbox(mb)
		}
		if len(touched) > 0 {
			w.emit(Event{Kind: EventFlags, Mailbox: mbox, Name: mb.name(), UIDs: touched, ModSeq: modseq})
		}
		if len(own) > 0 {
			reader := mb.Owner
			if private {
				reader = c.userID
			}
			w.emit(Event{Kind: EventFlags, Mailbox: mbox, Name: mb.name(), UIDs: own, ModSeq: modseq, User: reader})
		}
		return nil
	})
	return changed, failed, err
}

// ExpungeOptions shape an expunge.
type ExpungeOptions struct {
	// OnlyDeleted expunges only messages flagged \Deleted (IMAP EXPUNGE
	// and UID EXPUNGE, right e). Without it the messages go whatever their
	// flags (a POP3 DELE, an unlink in the mount), which needs t as well.
	OnlyDeleted bool
}

// Expunge removes messages and returns the UIDs removed, ascending.
func (s *Store) Expunge(ctx context.Context, c Caller, mbox uint64, uids []uint32, opts ExpungeOptions) ([]uint32, error) {
	uids = slices.Clone(uids)
	slices.Sort(uids)
	uids = slices.Compact(uids)
	var gone []uint32
	var part string
	err := s.write(func(w *wtx) error {
		gone = nil
		mb, err := w.mailbox(mbox)
		if err != nil {
			return err
		}
		want := RightExpunge
		if !opts.OnlyDeleted {
			want |= RightDeleteMsg
		}
		if err := need(c, mb, want, "expunge messages"); err != nil {
			return err
		}
		part = mb.Partition
		for _, uid := range uids {
			v := w.tx.Get(bMessages, msgKey(mbox, uid))
			if v == nil {
				continue
			}
			rec, err := decodeMsg(v)
			if err != nil {
				return internalErr(err, "decode message")
			}
			if opts.OnlyDeleted && rec.Flags&flagDeleted == 0 {
				continue
			}
			if err := removeMessage(w, mb, uid, &rec); err != nil {
				return err
			}
			gone = append(gone, uid)
		}
		if len(gone) > 0 {
			if err := expunged(w, mb, gone); err != nil {
				return err
			}
			w.markMailbox(mb)
			w.emit(Event{Kind: EventExpunge, Mailbox: mbox, Name: mb.name(), UIDs: gone, ModSeq: mb.HighestModSeq})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The index no longer names them; a crash before this point leaves
	// files that reconstruct would adopt again, which loses nothing.
	for _, uid := range gone {
		s.blobs.Remove(part, mbox, uid)
	}
	return gone, nil
}

// expunged ends an expunge once each of uids (ascending) has left the
// index, through removeMessage or a reconstruct's recount: their private
// \Seen goes, the mailbox's HIGHESTMODSEQ rises once, and each leaves a
// tombstone at that modseq.
func expunged(w *wtx, mb *mailboxRec, uids []uint32) error {
	if err := deleteSeenOf(w.tx, mb.ID, uids); err != nil {
		return err
	}
	mb.HighestModSeq++
	for _, uid := range uids {
		if err := putTombstone(w.tx, mb, uid); err != nil {
			return err
		}
	}
	return nil
}

// removeMessage deletes one index entry and takes it off the mailbox's
// counters and quota roots; expunged finishes the expunge in the same
// transaction.
func removeMessage(w *wtx, mb *mailboxRec, uid uint32, rec *msgRec) error {
	key := msgKey(mb.ID, uid)
	if err := w.tx.Delete(bMessages, key); err != nil {
		return err
	}
	if err := w.tx.Delete(bMsgCache, key); err != nil {
		return err
	}
	if err := w.tx.Delete(bMsgNames, msgNameKey(mb.ID, rec.shownName(uid))); err != nil {
		return err
	}
	mb.Messages--
	if rec.Flags&flagSeen == 0 {
		mb.Unseen--
	}
	if rec.Flags&flagDeleted != 0 {
		mb.Deleted--
	}
	mb.Size -= uint64(rec.Size)
	return chargeQuota(w, mb, -rec.Size, -1, false)
}

// deleteSeenOf removes every reader's private \Seen of the given UIDs.
func deleteSeenOf(tx metaTx, mbox uint64, uids []uint32) error {
	var keys [][]byte
	tx.Scan(bSeen, be64(mbox), nil, func(k, _ []byte) bool {
		if _, ok := slices.BinarySearch(uids, uidOfKey(k)); ok {
			keys = append(keys, bytes.Clone(k))
		}
		return true
	})
	for _, k := range keys {
		if err := tx.Delete(bSeen, k); err != nil {
			return err
		}
	}
	return nil
}

// CopyResult pairs source and destination UIDs (for UIDPLUS's COPYUID).
type CopyResult struct {
	MailboxID   uint64
	UIDValidity uint32
	SrcUIDs     []uint32
	DstUIDs     []uint32
}

// Copy copies messages to another mailbox (r in the source, i in the
// destination), keeping flags and internal dates. The bodies are shared by
// hard links within a partition. A copy that would pass a quota is refused
// whole.
func (s *Store) Copy(ctx context.Context, c Caller, src uint64, uids []uint32, dst MailboxName) (CopyResult, error) {
	return s.copyMessages(ctx, c, src, uids, dst, false, "")
}

// Move moves messages to another mailbox in one transaction (RFC 6851: the
// rights of COPY, plus t and e in the source).
func (s *Store) Move(ctx context.Context, c Caller, src uint64, uids []uint32, dst MailboxName) (CopyResult, error) {
	return s.copyMessages(ctx, c, src, uids, dst, true, "")
}

// copyMessages copies or moves messages; the copies get default names, or,
// for a single message, the name given.
func (s *Store) copyMessages(ctx context.Context, c Caller, src uint64, uids []uint32, dst MailboxName, move bool, name string) (CopyResult, error) {
	mbName, err := checkMailboxName(dst.Name)
	if err != nil {
		return CopyResult{}, err
	}
	dst.Name = mbName
	uids = slices.Clone(uids)
	slices.Sort(uids)
	uids = slices.Compact(uids)
	type item struct {
		uid   uint32
		rec   msgRec
		struc []byte
		seen  bool // the caller's private \Seen in the source
	}
	var items []item
	var smb, dmb *mailboxRec
	err = s.meta.View(func(tx metaTx) error {
		if smb, err = getMailbox(tx, src); err != nil {
			return err
		}
		want := RightRead
		if move {
			want |= RightDeleteMsg | RightExpunge
		}
		if err := need(c, smb, want, "copy messages out"); err != nil {
			return err
		}
		if dmb, err = getMailboxByName(tx, dst); err != nil {
			return err
		}
		if err := need(c, dmb, RightInsert, "copy messages in"); err != nil {
			return err
		}
		private := privateSeen(c, smb)
		for _, uid := range uids {
			v := tx.Get(bMessages, msgKey(src, uid))
			if v == nil {
				continue
			}
			rec, err := decodeMsg(v)
			if err != nil {
				return internalErr(err, "decode message")
			}
			it := item{uid: uid, rec: rec, struc: bytes.Clone(tx.Get(bMsgCache, msgKey(src, uid)))}
			if private {
				it.seen = tx.Get(bSeen, seenKey(src, c.userID, uid)) != nil
			} else {
				it.seen = rec.Flags&flagSeen != 0
			}
			items = append(items, it)
		}
		return nil
	})
	if err != nil {
		return CopyResult{}, err
	}
	res := CopyResult{MailboxID: dmb.ID, UIDValidity: dmb.UIDValidity}
	if len(items) == 0 {
		return res, nil
	}
	if move && src == dmb.ID {
		return CopyResult{}, errorf(KindNotPossible, "cannot move messages into the mailbox they are in")
	}
	q, first, err := s.reserve(dmb.ID, uint32(len(items)))
	if err != nil {
		return CopyResult{}, err
	}
	linked := 0
	for i, it := range items {
		if err = s.blobs.Link(smb.Partition, src, it.uid, dmb.Partition, dmb.ID, first+uint32(i)); err != nil {
			break
		}
		linked++
	}
	if err != nil {
		q.enter(s, first, uint32(len(items)), nil)
		for i := 0; i < linked; i++ {
			s.blobs.Remove(dmb.Partition, dmb.ID, first+uint32(i))
		}
		return CopyResult{}, err
	}
	var moved []uint32
	r := &writeReq{dirs: []mailboxDir{{dmb.Partition, dmb.ID}}, apply: func(w *wtx) error {
		moved = nil
		d, err := w.mailbox(dmb.ID)
		if err != nil {
			return err
		}
		var sm *mailboxRec
		if move {
			if sm, err = w.mailbox(src); err != nil {
				return err
			}
		}
		var total int64
		var present []int // items still in the source
		for i, it := range items {
			if move && w.tx.Get(bMessages, msgKey(src, it.uid)) == nil {
				continue // expunged meanwhile
			}
			total += it.rec.Size
			present = append(present, i)
		}
		if move {
			// Take the messages out of the source first, so a move within
			// one quota root needs no room.
			for _, i := range present {
				it := items[i]
				if err := removeMessage(w, sm, it.uid, &it.rec); err != nil {
					return err
				}
				moved = append(moved, it.uid)
			}
		}
		if err := chargeQuota(w, d, total, int64(len(present)), true); err != nil {
			return err
		}
		for _, i := range present {
			it := items[i]
			bits := it.rec.Flags &^ flagSeen
			if it.seen {
				bits |= flagSeen
			}
			bits, kw, privSeen := allowedFlags(c, d, bits, slices.Clone(it.rec.Keywords))
			rec := msgRec{Flags: bits, Keywords: kw, Date: it.rec.Date, Zone: it.rec.Zone, Size: it.rec.Size}
			shown, recorded, err := chooseName(w.tx, d.ID, first+uint32(i), name)
			if err != nil {
				return err
			}
			rec.Name = recorded
			if err := insertMessage(w, d, first+uint32(i), rec, shown, it.struc, c, privSeen); err != nil {
				return err
			}
		}
		if move && len(moved) > 0 {
			if err := expunged(w, sm, moved); err != nil {
				return err
			}
			w.markMailbox(sm)
			w.emit(Event{Kind: EventExpunge, Mailbox: src, Name: sm.name(), UIDs: moved, ModSeq: sm.HighestModSeq})
		}
		return nil
	}}
	q.enter(s, first, uint32(len(items)), r)
	<-r.done
	if r.err != nil {
		for i := range items {
			s.blobs.Remove(dmb.Partition, dmb.ID, first+uint32(i))
		}
		return CopyResult{}, r.err
	}
	committed := map[uint32]bool{}
	for _, u := range moved {
		committed[u] = true
	}
	for i, it := range items {
		// Items expunged from the source during a move were not copied.
		if move && !committed[it.uid] {
			s.blobs.Remove(dmb.Partition, dmb.ID, first+uint32(i))
			continue
		}
		res.SrcUIDs = append(res.SrcUIDs, it.uid)
		res.DstUIDs = append(res.DstUIDs, first+uint32(i))
	}
	for _, u := range moved {
		s.blobs.Remove(smb.Partition, src, u)
	}
	s.stats.Appends.Add(uint64(len(res.DstUIDs)))
	return res, nil
}

// BlobPath returns the file that holds a message, for a caller that hands
// it to the kernel (the mount's passthrough), or "" when the backend keeps
// no files. It checks no rights: call it only for a message the caller
// has already opened through OpenMessage or Message.
func (s *Store) BlobPath(mbox uint64, uid uint32) string {
	part := s.partitionOf(mbox)
	if part == "" {
		return ""
	}
	return s.blobs.Path(part, mbox, uid)
}

// partitionOf returns the partition that holds a mailbox's messages, or ""
// when there is no such mailbox.
func (s *Store) partitionOf(mbox uint64) string {
	var part string
	s.meta.View(func(tx metaTx) error {
		if mb, err := getMailbox(tx, mbox); err == nil {
			part = mb.Partition
		}
		return nil
	})
	return part
}

// WillNeed asks the kernel to read the first n bytes of these messages'
// files into its cache in the background, as a reader of the mount that
// goes through a mailbox in order will soon want them. It checks no
// rights and gives no caller anything; messages not there (expunged, or
// UIDs never used) are skipped. One database read serves the whole list.
func (s *Store) WillNeed(mbox uint64, uids []uint32, n int64) {
	part := s.partitionOf(mbox)
	if part == "" {
		return
	}
	for _, uid := range uids {
		path := s.blobs.Path(part, mbox, uid)
		if path == "" {
			return // the backend keeps no files
		}
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			continue
		}
		unix.Fadvise(fd, 0, n, unix.FADV_WILLNEED)
		unix.Close(fd)
	}
}
