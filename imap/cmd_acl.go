package imap

import (
	"github.com/emersion/go-imap/v2"

	"mstore/imap/wire"
	"mstore/store"
)

// ACL commands (RFC 4314). The store decides every right: SETACL,
// DELETEACL, GETACL and LISTRIGHTS need a; MYRIGHTS needs any right. The
// obsolete RFC 2086 rights c and d are accepted and reported when all the
// rights of their group are held.

func init() {
	acl := command{states: authOrSel, expungeOK: true}
	for name, fn := range map[string]func(*session, string, bool) error{
		"SETACL": cmdSetACL, "DELETEACL": cmdDeleteACL, "GETACL": cmdGetACL,
		"LISTRIGHTS": cmdListRights, "MYRIGHTS": cmdMyRights,
	} {
		c := acl
		c.fn = fn
		register(name, c)
	}
	extraCaps = append(extraCaps, "ACL", "RIGHTS=kxte")
}

// aclTarget resolves the mailbox of an ACL command.
func (s *session) aclTarget(raw string) (string, store.MailboxName, error) {
	name, err := s.mailboxName(raw)
	if err != nil {
		return "", store.MailboxName{}, err
	}
	n, err := s.toStore(name)
	return name, n, err
}

func cmdSetACL(s *session, tag string, _ bool) error {
	cmd, err := wire.ParseSetACL(s.dec)
	if err != nil {
		return err
	}
	_, n, err := s.aclTarget(cmd.Mailbox)
	if err != nil {
		return orNo(s, tag, err)
	}
	rights := string(cmd.Rights)
	if cmd.Modification != imap.RightModificationReplace {
		rights = string(rune(cmd.Modification)) + rights
	}
	if err := s.st.SetACL(s.ctx, s.caller, n, string(cmd.Identifier), rights); err != nil {
		return s.no(tag, err)
	}
	return s.ok(tag, "", "SETACL completed")
}

func cmdDeleteACL(s *session, tag string, _ bool) error {
	cmd, err := wire.ParseDeleteACL(s.dec)
	if err != nil {
		return err
	}
	_, n, err := s.aclTarget(cmd.Mailbox)
	if err != nil {
		return orNo(s, tag, err)
	}
	err = s.st.DeleteACL(s.ctx, s.caller, n, string(cmd.Identifier))
	// Deleting an entry that is not there leaves the ACL as asked.
	if err != nil && store.KindOf(err) != store.KindNotFound {
		return s.no(tag, err)
	}
	if err != nil {
		// Tell a missing mailbox from a missing entry.
		if _, merr := s.st.MyRights(s.ctx, s.caller, n); merr != nil {
			return s.no(tag, merr)
		}
	}
	return s.ok(tag, "", "DELETEACL completed")
}

func cmdGetACL(s *session, tag string, _ bool) error {
	name, n, err := s.mailboxArg()
	if err != nil {
		return orNo(s, tag, err)
	}
	acl, err := s.st.GetACL(s.ctx, s.caller, n)
	if err != nil {
		return s.no(tag, err)
	}
	s.enc.Atom("* ACL ").Mailbox(name)
	for _, e := range acl {
		s.enc.SP().AString(e.Key()).SP().AString(e.Rights.WithObsolete())
	}
	s.enc.CRLF()
	return s.ok(tag, "", "GETACL completed")
}

func cmdListRights(s *session, tag string, _ bool) error {
	cmd, err := wire.ParseListRights(s.dec)
	if err != nil {
		return err
	}
	name, n, err := s.aclTarget(cmd.Mailbox)
	if err != nil {
		return orNo(s, tag, err)
	}
	required, err := s.st.ListRights(s.ctx, s.caller, n, string(cmd.Identifier))
	if err != nil {
		return s.no(tag, err)
	}
	s.enc.Atom("* LISTRIGHTS ").Mailbox(name).SP().AString(string(cmd.Identifier)).SP().AString(required.String())
	// Every other right can be granted on its own.
	for _, r := range store.AllRights.String() {
		right, _ := store.ParseRights(string(r))
		if !required.Has(right) {
			s.enc.SP().Atom(string(r))
		}
	}
	s.enc.CRLF()
	return s.ok(tag, "", "LISTRIGHTS completed")
}

func cmdMyRights(s *session, tag string, _ bool) error {
	name, n, err := s.mailboxArg()
	if err != nil {
		return orNo(s, tag, err)
	}
	r, err := s.st.MyRights(s.ctx, s.caller, n)
	if err != nil {
		return s.no(tag, err)
	}
	s.enc.Atom("* MYRIGHTS ").Mailbox(name).SP().AString(r.WithObsolete()).CRLF()
	return s.ok(tag, "", "MYRIGHTS completed")
}

// orNo answers BAD for a malformed command and NO for a name the store
// refuses.
func orNo(s *session, tag string, err error) error {
	if isProtocolError(err) {
		return err
	}
	return s.no(tag, err)
}
