package imap

import (
	"strings"

	"mstore/imap/wire"
	"mstore/store"
)

// mailboxArg reads a command's single mailbox argument and maps it to the
// store.
func (s *session) mailboxArg() (string, store.MailboxName, error) {
	raw, err := wire.ParseMailboxArg(s.dec)
	if err != nil {
		return "", store.MailboxName{}, err
	}
	name, err := s.mailboxName(raw)
	if err != nil {
		return "", store.MailboxName{}, err
	}
	n, err := s.toStore(name)
	return name, n, err
}

func cmdCreate(s *session, tag string, _ bool) error {
	cmd, err := wire.ParseCreate(s.dec)
	if err != nil {
		return err
	}
	name, err := s.mailboxName(cmd.Mailbox)
	if err != nil {
		return err
	}
	// A trailing delimiter says the client means to create children.
	name = strings.TrimRight(name, "/")
	if strings.EqualFold(name, "INBOX") {
		return s.noText(tag, "ALREADYEXISTS", "INBOX always exists")
	}
	var use store.SpecialUse
	for _, a := range cmd.SpecialUse {
		u, err := store.ParseSpecialUse(string(a))
		if err != nil {
			return s.noText(tag, "USEATTR", "Unsupported special-use attribute "+string(a))
		}
		use |= u
	}
	n, err := s.toStore(name)
	if err != nil {
		return s.no(tag, err)
	}
	if _, err := s.st.CreateMailbox(s.ctx, s.caller, n, store.CreateOptions{SpecialUse: use}); err != nil {
		return s.no(tag, err)
	}
	return s.ok(tag, "", "CREATE completed")
}

func cmdDelete(s *session, tag string, _ bool) error {
	_, n, err := s.mailboxArg()
	if err != nil {
		if isProtocolError(err) {
			return err
		}
		return s.no(tag, err)
	}
	if s.sel != nil && s.sel.name == n {
		s.unselect()
	}
	if err := s.st.DeleteMailbox(s.ctx, s.caller, n); err != nil {
		return s.no(tag, err)
	}
	return s.ok(tag, "", "DELETE completed")
}

func cmdRename(s *session, tag string, _ bool) error {
	rawFrom, rawTo, err := wire.ParseRename(s.dec)
	if err != nil {
		return err
	}
	from, err := s.mailboxName(rawFrom)
	if err != nil {
		return err
	}
	to, err := s.mailboxName(rawTo)
	if err != nil {
		return err
	}
	nf, err := s.toStore(from)
	if err != nil {
		return s.no(tag, err)
	}
	nt, err := s.toStore(strings.TrimRight(to, "/"))
	if err != nil {
		return s.no(tag, err)
	}
	if err := s.st.RenameMailbox(s.ctx, s.caller, nf, nt); err != nil {
		return s.no(tag, err)
	}
	return s.ok(tag, "", "RENAME completed")
}

func cmdSubscribe(s *session, tag string, _ bool) error {
	_, n, err := s.mailboxArg()
	if err == nil {
		err = s.st.Subscribe(s.ctx, s.caller, n)
	}
	if err != nil {
		if isProtocolError(err) {
			return err
		}
		return s.no(tag, err)
	}
	return s.ok(tag, "", "SUBSCRIBE completed")
}

func cmdUnsubscribe(s *session, tag string, _ bool) error {
	_, n, err := s.mailboxArg()
	if err == nil {
		err = s.st.Unsubscribe(s.ctx, s.caller, n)
	}
	if err != nil {
		if isProtocolError(err) {
			return err
		}
		return s.no(tag, err)
	}
	return s.ok(tag, "", "UNSUBSCRIBE completed")
}
