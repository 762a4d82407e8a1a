package store

import (
	"context"
	"strings"
)

// ACL operations. Reading and changing an ACL needs the a right; MyRights
// needs any right at all, as RFC 4314 section 4 says.

// SetACL sets the rights of an identifier on a mailbox. rights may start
// with "+" or "-" to add to or take from the rights already granted; an
// identifier starting with "-" is a negative entry. Empty rights remove the
// entry.
func (s *Store) SetACL(ctx context.Context, c Caller, n MailboxName, ident, rights string) error {
	mod := byte(0)
	if strings.HasPrefix(rights, "+") || strings.HasPrefix(rights, "-") {
		mod, rights = rights[0], rights[1:]
	}
	r, err := ParseRights(rights)
	if err != nil {
		return err
	}
	id, neg, err := normalizeIdentifier(ident, n.Domain)
	if err != nil {
		return err
	}
	return s.changeACL(c, n, func(acl ACL) (ACL, error) {
		e := ACLEntry{Identifier: id, Negative: neg}
		old, _ := acl.Get(e.Key())
		switch mod {
		case '+':
			e.Rights = old | r
		case '-':
			e.Rights = old &^ r
		default:
			e.Rights = r
		}
		return acl.with(e), nil
	})
}

// DeleteACL removes an identifier's entry from a mailbox's ACL.
func (s *Store) DeleteACL(ctx context.Context, c Caller, n MailboxName, ident string) error {
	id, neg, err := normalizeIdentifier(ident, n.Domain)
	if err != nil {
		return err
	}
	return s.changeACL(c, n, func(acl ACL) (ACL, error) {
		e := ACLEntry{Identifier: id, Negative: neg}
		if _, ok := acl.Get(e.Key()); !ok {
			return nil, errorf(KindNotFound, "%s has no ACL entry for %s", n, e.Key())
		}
		return acl.with(e), nil
	})
}

func (s *Store) changeACL(c Caller, n MailboxName, change func(ACL) (ACL, error)) error {
	name, err := checkMailboxName(n.Name)
	if err != nil {
		return err
	}
	n.Name = name
	return s.write(func(w *wtx) error {
		mb, err := w.mailboxNamed(c, n, RightAdmin, "change the ACL")
		if err != nil {
			return err
		}
		acl, err := change(mb.ACL)
		if err != nil {
			return err
		}
		mb.ACL = acl
		w.markMailbox(mb)
		w.emit(Event{Kind: EventMailboxACL, Mailbox: mb.ID, Name: mb.name(), ModSeq: mb.HighestModSeq})
		return nil
	})
}

// GetACL returns a mailbox's ACL.
func (s *Store) GetACL(ctx context.Context, c Caller, n MailboxName) (ACL, error) {
	var acl ACL
	err := s.viewMailbox(n, func(tx metaTx, mb *mailboxRec) error {
		if err := need(c, mb, RightAdmin, "read the ACL"); err != nil {
			return err
		}
		acl = mb.ACL
		return nil
	})
	return acl, err
}

// MyRights returns the caller's rights on a mailbox.
func (s *Store) MyRights(ctx context.Context, c Caller, n MailboxName) (Rights, error) {
	var r Rights
	err := s.viewMailbox(n, func(tx metaTx, mb *mailboxRec) error {
		// RFC 4314 section 4 answers MYRIGHTS to a holder of any of l, r,
		// i, k, x, a; rights only about messages (s w t e) or posting (p)
		// do not reveal the mailbox.
		r = c.rights(mb)
		if r&(RightLookup|RightRead|RightInsert|RightCreate|RightDeleteMbox|RightAdmin) == 0 {
			return errorf(KindNotFound, "mailbox %s does not exist", n)
		}
		return nil
	})
	return r, err
}

// ListRights returns the rights an identifier always holds on a mailbox
// (RFC 4314 LISTRIGHTS): the owner's implicit rights, or none. Every other
// right can be granted one by one. The caller needs a.
func (s *Store) ListRights(ctx context.Context, c Caller, n MailboxName, ident string) (Rights, error) {
	id, _, err := normalizeIdentifier(ident, n.Domain)
	if err != nil {
		return 0, err
	}
	var r Rights
	err = s.viewMailbox(n, func(tx metaTx, mb *mailboxRec) error {
		if err := need(c, mb, RightAdmin, "list rights"); err != nil {
			return err
		}
		if mb.Owner != 0 && mb.ownerIdent(tx) == id {
			r = ownerImplicit
		}
		return nil
	})
	return r, err
}

func (s *Store) viewMailbox(n MailboxName, fn func(tx metaTx, mb *mailboxRec) error) error {
	name, err := checkMailboxName(n.Name)
	if err != nil {
		return err
	}
	n.Name = name
	return s.meta.View(func(tx metaTx) error {
		mb, err := getMailboxByName(tx, n)
		if err != nil {
			return err
		}
		return fn(tx, mb)
	})
}
