package imap

import (
	"github.com/emersion/go-imap/v2"

	"mstore/imap/wire"
	"mstore/store"
)

func cmdSelect(s *session, tag string, _ bool) error  { return s.selectMailbox(tag, "SELECT") }
func cmdExamine(s *session, tag string, _ bool) error { return s.selectMailbox(tag, "EXAMINE") }

// selectMailbox opens a mailbox for the session. A failed SELECT leaves no
// mailbox selected (RFC 3501 section 6.3.1).
func (s *session) selectMailbox(tag, verb string) error {
	readOnly := verb == "EXAMINE"
	cmd, err := wire.ParseSelect(s.dec)
	if err != nil {
		return err
	}
	name, err := s.mailboxName(cmd.Mailbox)
	if err != nil {
		return err
	}
	if cmd.QResync != nil && !s.qresync {
		// RFC 7162 section 3.2.5. A BAD command is not run, so the
		// mailbox selected stays selected.
		return badf("QRESYNC parameter needs ENABLE QRESYNC first")
	}
	if s.sel != nil {
		// RFC 7162 section 3.2.11: CLOSED parts the responses about the
		// old mailbox from those about the new one. The old one's pending
		// changes go unsaid, as after CLOSE, so it comes before any
		// response of this command; a SELECT that then fails has still
		// closed it. It goes to sessions that enabled IMAP4rev2, whose
		// base protocol has it, or CONDSTORE (which QRESYNC turns on); an
		// IMAP4rev1 client that enabled neither has no use for it.
		s.unselect()
		if s.rev2 || s.condstore {
			s.enc.Atom("* OK [CLOSED] Previous mailbox closed").CRLF()
		}
	}
	if cmd.CondStore {
		s.condstore = true
	}
	n, err := s.toStore(name)
	if err != nil {
		return s.no(tag, err)
	}
	pre, err := s.st.Mailbox(s.ctx, s.caller, n)
	if err != nil {
		return s.no(tag, err)
	}
	if !pre.Rights.Has(store.RightRead) {
		return s.no(tag, &store.Error{Kind: store.KindNoPerm, Msg: "no right r on " + n.Path()})
	}
	// Watch first, then read: a message that arrives in between is then in
	// both, and the view keeps it once.
	w := s.st.Watch(pre.ID)
	uids, _, err := s.st.UIDs(s.ctx, s.caller, pre.ID)
	if err != nil {
		w.Close()
		return s.no(tag, err)
	}
	info, err := s.st.MailboxByID(s.ctx, s.caller, pre.ID)
	if err != nil {
		w.Close()
		return s.no(tag, err)
	}
	// RFC 4314 section 5.2: READ-WRITE when the caller holds i, e or a
	// right to change flags; READ-ONLY otherwise.
	r := info.Rights
	if r&(store.RightInsert|store.RightExpunge|store.RightSeen|store.RightWrite|store.RightDeleteMsg) == 0 {
		readOnly = true
	}
	s.sel = &selected{id: info.ID, name: info.Name, imapName: name, readOnly: readOnly,
		uidValidity: info.UIDValidity, uids: uids, watcher: w,
		changed: map[uint32]struct{}{}, own: map[uint64]bool{}, user: s.caller.UserID()}
	s.state = stateSelected

	flags := []imap.Flag{imap.FlagAnswered, imap.FlagFlagged, imap.FlagDeleted, imap.FlagSeen, imap.FlagDraft}
	for _, k := range info.Keywords {
		flags = append(flags, imap.Flag(k))
	}
	s.enc.Atom("* FLAGS ").Flags(flags).CRLF()
	var perm []imap.Flag
	if !readOnly {
		if r.Has(store.RightWrite) {
			perm = append(perm, imap.FlagAnswered, imap.FlagFlagged, imap.FlagDraft)
		}
		if r.Has(store.RightDeleteMsg) {
			perm = append(perm, imap.FlagDeleted)
		}
		if r.Has(store.RightSeen) {
			perm = append(perm, imap.FlagSeen)
		}
		if r.Has(store.RightWrite) {
			for _, k := range info.Keywords {
				perm = append(perm, imap.Flag(k))
			}
			perm = append(perm, imap.FlagWildcard)
		}
	}
	s.enc.Atom("* OK [PERMANENTFLAGS ").Flags(perm).Atom("] Flags permitted").CRLF()
	s.enc.Atom("*").SP().Number(uint32(len(uids))).SP().Atom("EXISTS").CRLF()
	if !s.rev2 {
		s.enc.Atom("* 0 RECENT").CRLF()
		if seq := s.firstUnseen(); seq != 0 {
			s.enc.Atom("* OK [UNSEEN ").Number(seq).Atom("] First unseen").CRLF()
		}
	}
	s.enc.Atom("* OK [UIDVALIDITY ").Number(info.UIDValidity).Atom("] UIDs valid").CRLF()
	s.enc.Atom("* OK [UIDNEXT ").Number(info.UIDNext).Atom("] Predicted next UID").CRLF()
	if s.condstore {
		s.enc.Atom("* OK [HIGHESTMODSEQ ").Number64(info.HighestModSeq).Atom("] Highest").CRLF()
	}
	if s.rev2 {
		s.enc.Atom(`* LIST () "/" `).Mailbox(name).CRLF()
	}
	if cmd.QResync != nil {
		if err := s.selectQResync(cmd.QResync, info.UIDValidity); err != nil {
			s.unselect()
			return s.no(tag, err)
		}
	}
	code := "READ-WRITE"
	if readOnly {
		code = "READ-ONLY"
	}
	return s.ok(tag, code, verb+" completed")
}

// firstUnseen is the sequence number of the first message without \Seen,
// or 0.
func (s *session) firstUnseen() uint32 {
	var seq uint32
	s.st.Messages(s.ctx, s.caller, s.sel.id, 1, func(m store.Message) bool {
		for _, f := range m.Flags {
			if f == store.FlagSeen {
				return true
			}
		}
		seq = s.sel.seqOf(m.UID)
		return seq == 0
	})
	return seq
}

// cmdClose expunges the messages flagged \Deleted, silently, unless the
// mailbox is read-only, then leaves it.
func cmdClose(s *session, tag string, _ bool) error {
	if err := s.dec.ReadCRLF(); err != nil {
		return err
	}
	sel := s.sel
	if !sel.readOnly && len(sel.uids) > 0 {
		if _, err := s.st.Expunge(s.ctx, s.caller, sel.id, sel.uids, store.ExpungeOptions{OnlyDeleted: true}); err != nil &&
			store.KindOf(err) != store.KindNoPerm {
			s.log.Warn("expunge at CLOSE", "err", err)
		}
	}
	s.unselect()
	s.tagged(tag, "OK", "", "CLOSE completed")
	return nil
}

func cmdUnselect(s *session, tag string, _ bool) error {
	if err := s.dec.ReadCRLF(); err != nil {
		return err
	}
	s.unselect()
	s.tagged(tag, "OK", "", "UNSELECT completed")
	return nil
}
