package store

import (
	"context"
	"encoding/binary"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Message names. In the mount a message is a file: one delivered by any
// door is named "<uid>.eml"; one created through the mount keeps the name it
// was created under, and a rename inside its mailbox changes only that
// name, so cp, mv and rsync behave as on a disk. Every message's name is in
// the message-names index, unique in its mailbox.

// DefaultMessageName is the name of a message nobody named.
func DefaultMessageName(uid uint32) string { return strconv.FormatUint(uint64(uid), 10) + ".eml" }

func checkMessageName(name string) error {
	if name == "" || name == "." || name == ".." || len(name) > maxLevelBytes || !utf8.ValidString(name) ||
		strings.ContainsAny(name, "/\x00") {
		return errorf(KindInvalid, "message name %q: empty, too long, \".\", \"..\", or with '/' or NUL", name)
	}
	return nil
}

func msgNameKey(mbox uint64, name string) []byte {
	return append(be64(mbox), name...)
}

// nameTaken returns the UID holding a name in a mailbox, or 0.
func nameTaken(tx metaTx, mbox uint64, name string) uint32 {
	if v := tx.Get(bMsgNames, msgNameKey(mbox, name)); len(v) == 4 {
		return binary.BigEndian.Uint32(v)
	}
	return 0
}

// chooseName gives a new message its name: the one asked for (an error
// when taken), or "<uid>.eml", or, when a message created in the mount
// already took that, "<uid>-<n>.eml". It returns the name to record in
// msgRec ("" for the default).
func chooseName(tx metaTx, mbox uint64, uid uint32, asked string) (shown, recorded string, err error) {
	if asked != "" {
		if err := checkMessageName(asked); err != nil {
			return "", "", err
		}
		if nameTaken(tx, mbox, asked) != 0 {
			return "", "", errorf(KindExists, "a message named %q exists", asked)
		}
		if asked == DefaultMessageName(uid) {
			return asked, "", nil
		}
		return asked, asked, nil
	}
	name := DefaultMessageName(uid)
	for n := 1; nameTaken(tx, mbox, name) != 0; n++ {
		name = strconv.FormatUint(uint64(uid), 10) + "-" + strconv.Itoa(n) + ".eml"
	}
	if name == DefaultMessageName(uid) {
		return name, "", nil
	}
	return name, name, nil
}

func putName(tx metaTx, mbox uint64, name string, uid uint32) error {
	return tx.Put(bMsgNames, msgNameKey(mbox, name), binary.BigEndian.AppendUint32(nil, uid))
}

func (r *msgRec) shownName(uid uint32) string {
	if r.Name != "" {
		return r.Name
	}
	return DefaultMessageName(uid)
}

// MessageByName finds a message by its name in the mount.
func (s *Store) MessageByName(ctx context.Context, c Caller, mbox uint64, name string) (Message, error) {
	var uid uint32
	err := s.readMailbox(c, mbox, RightRead, "read messages", func(tx metaTx, mb *mailboxRec) error {
		if uid = nameTaken(tx, mbox, name); uid == 0 {
			return errorf(KindNotFound, "no message named %q in %s", name, mb.name())
		}
		return nil
	})
	if err != nil {
		return Message{}, err
	}
	return s.Message(ctx, c, mbox, uid)
}

// RenameMessage gives a message a new name, in its own mailbox or in
// another (a move). Renaming within a mailbox needs i; with replace, a
// message already holding the name is expunged in the same transaction
// (which needs t and e), as rename(2) replaces its target. It returns the
// message's mailbox and UID afterwards.
func (s *Store) RenameMessage(ctx context.Context, c Caller, mbox uint64, uid uint32, dst MailboxName, name string, replace bool) (Result, error) {
	if err := checkMessageName(name); err != nil {
		return Result{}, err
	}
	var dstID uint64
	err := s.meta.View(func(tx metaTx) error {
		id, ok := mailboxIDByName(tx, dst)
		if !ok {
			return errorf(KindNotFound, "mailbox %s does not exist", dst)
		}
		dstID = id
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	if dstID != mbox {
		return s.moveNamed(ctx, c, mbox, uid, dst, name, replace)
	}
	var res Result
	var replaced uint32
	var part string
	err = s.write(func(w *wtx) error {
		replaced = 0
		mb, rec, err := w.messageFor(c, mbox, uid, RightInsert, "rename messages")
		if err != nil {
			return err
		}
		part = mb.Partition
		old := rec.shownName(uid)
		res = Result{MailboxID: mbox, UIDValidity: mb.UIDValidity, UID: uid}
		if old == name {
			return nil
		}
		if other := nameTaken(w.tx, mbox, name); other != 0 {
			if !replace {
				return errorf(KindExists, "a message named %q exists", name)
			}
			if err := need(c, mb, RightDeleteMsg|RightExpunge, "replace messages"); err != nil {
				return err
			}
			ov := w.tx.Get(bMessages, msgKey(mbox, other))
			orec, err := decodeMsg(ov)
			if err != nil {
				return internalErr(err, "decode message")
			}
			if err := removeMessage(w, mb, other, &orec); err != nil {
				return err
			}
			if err := expunged(w, mb, []uint32{other}); err != nil {
				return err
			}
			replaced = other
		}
		if err := w.tx.Delete(bMsgNames, msgNameKey(mbox, old)); err != nil {
			return err
		}
		if err := putName(w.tx, mbox, name, uid); err != nil {
			return err
		}
		rec.Name = name
		if name == DefaultMessageName(uid) {
			rec.Name = ""
		}
		if replaced == 0 {
			mb.HighestModSeq++ // else the replaced message's expunge raised it, for both
		}
		rec.ModSeq = mb.HighestModSeq
		if err := w.tx.Put(bMessages, msgKey(mbox, uid), rec.encode()); err != nil {
			return err
		}
		w.markMailbox(mb)
		if replaced != 0 {
			w.emit(Event{Kind: EventExpunge, Mailbox: mbox, Name: mb.name(), UIDs: []uint32{replaced}, ModSeq: mb.HighestModSeq})
		}
		w.emit(Event{Kind: EventFlags, Mailbox: mbox, Name: mb.name(), UIDs: []uint32{uid}, ModSeq: mb.HighestModSeq})
		return nil
	})
	if err == nil && replaced != 0 {
		s.blobs.Remove(part, mbox, replaced)
	}
	return res, err
}

// moveNamed moves one message into another mailbox under a name.
func (s *Store) moveNamed(ctx context.Context, c Caller, mbox uint64, uid uint32, dst MailboxName, name string, replace bool) (Result, error) {
	if replace {
		var existing uint32
		s.meta.View(func(tx metaTx) error {
			if id, ok := mailboxIDByName(tx, dst); ok {
				existing = nameTaken(tx, id, name)
			}
			return nil
		})
		if existing != 0 {
			info, err := s.Mailbox(ctx, c, dst)
			if err != nil {
				return Result{}, err
			}
			if _, err := s.Expunge(ctx, c, info.ID, []uint32{existing}, ExpungeOptions{}); err != nil {
				return Result{}, err
			}
		}
	}
	cr, err := s.copyMessages(ctx, c, mbox, []uint32{uid}, dst, true, name)
	if err != nil {
		return Result{}, err
	}
	if len(cr.DstUIDs) == 0 {
		return Result{}, errorf(KindExpunged, "message %d was expunged", uid)
	}
	return Result{MailboxID: cr.MailboxID, UIDValidity: cr.UIDValidity, UID: cr.DstUIDs[0]}, nil
}

// SetInternalDate changes a message's internal date (right w), as the mount
// does for touch, cp -p and rsync -a. The file's modification time follows,
// so reconstruct keeps the new date.
func (s *Store) SetInternalDate(ctx context.Context, c Caller, mbox uint64, uid uint32, date time.Time) error {
	var part string
	err := s.write(func(w *wtx) error {
		mb, rec, err := w.messageFor(c, mbox, uid, RightWrite, "change internal dates")
		if err != nil {
			return err
		}
		part = mb.Partition
		rec.Date = date.UnixNano()
		_, rec.Zone = zoneOf(date)
		mb.HighestModSeq++
		rec.ModSeq = mb.HighestModSeq
		if err := w.tx.Put(bMessages, msgKey(mbox, uid), rec.encode()); err != nil {
			return err
		}
		w.markMailbox(mb)
		w.emit(Event{Kind: EventFlags, Mailbox: mbox, Name: mb.name(), UIDs: []uint32{uid}, ModSeq: mb.HighestModSeq})
		return nil
	})
	if err != nil {
		return err
	}
	if p := s.blobs.Path(part, mbox, uid); p != "" {
		os.Chtimes(p, date, date)
	}
	return nil
}

// messageFor returns a message's mailbox and record for a change that
// needs right (what says which change, for the error).
func (w *wtx) messageFor(c Caller, mbox uint64, uid uint32, right Rights, what string) (*mailboxRec, msgRec, error) {
	mb, err := w.mailbox(mbox)
	if err != nil {
		return nil, msgRec{}, err
	}
	if err := need(c, mb, right, what); err != nil {
		return nil, msgRec{}, err
	}
	v := w.tx.Get(bMessages, msgKey(mbox, uid))
	if v == nil {
		return nil, msgRec{}, errorf(KindExpunged, "message %d of %s does not exist", uid, mb.name())
	}
	rec, err := decodeMsg(v)
	if err != nil {
		return nil, msgRec{}, internalErr(err, "decode message")
	}
	return mb, rec, nil
}
