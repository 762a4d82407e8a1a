package imap

import (
	"slices"

	"github.com/emersion/go-imap/v2"

	"mstore/imap/wire"
	"mstore/store"
)

func init() {
	register("STATUS", command{fn: cmdStatus, states: authOrSel, expungeOK: true}, "STATUS=SIZE")
}

// cmdStatus answers STATUS from the store's counters, which are kept with
// every change; UNSEEN is the caller's own view of \Seen. STATUS of the
// selected mailbox is allowed and reads the store, not the session's view.
func cmdStatus(s *session, tag string, _ bool) error {
	cmd, err := wire.ParseStatus(s.dec)
	if err != nil {
		return err
	}
	name, err := s.mailboxName(cmd.Mailbox)
	if err != nil {
		return err
	}
	s.statusItemsAsked(&cmd.Options)
	n, err := s.toStore(name)
	if err != nil {
		return s.no(tag, err)
	}
	info, err := s.st.Mailbox(s.ctx, s.caller, n)
	if err != nil {
		return s.no(tag, err)
	}
	if !info.Rights.Has(store.RightRead) {
		return s.no(tag, &store.Error{Kind: store.KindNoPerm, Msg: "no right r on " + n.Path()})
	}
	if err := s.writeStatus(name, &info, &cmd.Options); err != nil {
		return s.no(tag, err)
	}
	return s.ok(tag, "", "STATUS completed")
}

// statusItemsAsked notes what the STATUS items ask of the session: asking
// for HIGHESTMODSEQ turns CONDSTORE on (RFC 7162 section 3.1). Every item
// is allowed.
func (s *session) statusItemsAsked(o *imap.StatusOptions) {
	if o.HighestModSeq {
		s.enableCondstore()
	}
}

// writeStatus writes "* STATUS name (...)" with the items asked, in a
// fixed order. It reads the messages only for DELETED-STORAGE.
func (s *session) writeStatus(name string, info *store.MailboxInfo, o *imap.StatusOptions) error {
	var deletedBytes int64
	if o.DeletedStorage && info.Deleted > 0 {
		err := s.st.Messages(s.ctx, s.caller, info.ID, 1, func(m store.Message) bool {
			if slices.Contains(m.Flags, store.FlagDeleted) {
				deletedBytes += m.Size
			}
			return true
		})
		if err != nil {
			return err
		}
	}
	s.enc.Atom("* STATUS ").Mailbox(name).SP().BeginList()
	sep := false
	item := func(label string) *wire.Encoder {
		if sep {
			s.enc.SP()
		}
		sep = true
		return s.enc.Atom(label).SP()
	}
	if o.NumMessages {
		item("MESSAGES").Number(info.Messages)
	}
	if o.NumRecent && !s.rev2 {
		item("RECENT").Number(0)
	}
	if o.UIDNext {
		item("UIDNEXT").Number(info.UIDNext)
	}
	if o.UIDValidity {
		item("UIDVALIDITY").Number(info.UIDValidity)
	}
	if o.NumUnseen {
		item("UNSEEN").Number(info.Unseen)
	}
	if o.NumDeleted {
		item("DELETED").Number(info.Deleted)
	}
	if o.Size {
		item("SIZE").Number64(info.Size)
	}
	if o.DeletedStorage {
		// RFC 9208 counts storage in units of 1024 octets.
		item("DELETED-STORAGE").Number64(uint64((deletedBytes + 1023) / 1024))
	}
	if o.AppendLimit {
		item("APPENDLIMIT").Number64(uint64(s.srv.opts.AppendLimit))
	}
	if o.HighestModSeq {
		item("HIGHESTMODSEQ").Number64(info.HighestModSeq)
	}
	s.enc.EndList().CRLF()
	return nil
}
