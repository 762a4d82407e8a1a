package store

import (
	"context"
	"strings"
)

// Delivery addresses. "joe@foo.com" delivers to joe's INBOX; the address
// may also be any login identifier of a user. "joe+folder@foo.com" delivers
// to joe's mailbox "folder" when that mailbox grants the post right (p) to
// anyone, and to the INBOX otherwise, so a sender can never learn which
// folders exist.

// Recipient is a resolved delivery address.
type Recipient struct {
	Address string // as given
	User    string // "joe@foo.com"
	Target  Target
	// Partition holds the target's messages: a door stages the message
	// there, so that it is linked into the mailbox, not copied.
	Partition string
}

// ResolveRecipient finds where mail for an address goes. It fails with
// KindNotFound for an unknown user or a user without an INBOX.
func (s *Store) ResolveRecipient(ctx context.Context, address string) (Recipient, error) {
	addr := strings.TrimSpace(address)
	addr = strings.TrimSuffix(strings.TrimPrefix(addr, "<"), ">")
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" || domain == "" {
		return Recipient{}, errorf(KindInvalid, "address %q: want USER@DOMAIN", address)
	}
	local, detail, _ := strings.Cut(local, "+")
	rcpt := Recipient{Address: address}
	err := s.meta.View(func(tx metaTx) error {
		u, err := findUser(tx, local+"@"+domain)
		if err != nil {
			return err
		}
		rcpt.User = u.Name
		ulocal, udomain, _ := strings.Cut(u.Name, "@")
		root := userRoot(ulocal)
		if detail != "" {
			if mb := findFolder(tx, udomain, root, detail); mb != nil &&
				effectiveRights(mb.ACL, mb.Domain, identity{}).Has(RightPost) {
				rcpt.Target = Target{Caller: Anonymous(), Mailbox: mb.name(), Need: RightPost}
				rcpt.Partition = mb.Partition
				return nil
			}
		}
		inbox := MailboxName{Domain: udomain, Name: root + "/" + inboxName}
		mb, err := getMailboxByName(tx, inbox)
		if KindOf(err) == KindNotFound {
			return errorf(KindNotFound, "user %s has no INBOX", u.Name)
		}
		if err != nil {
			return err
		}
		rcpt.Target = Target{Caller: System(), Mailbox: inbox}
		rcpt.Partition = mb.Partition
		return nil
	})
	return rcpt, err
}

// findUser looks an address up as a user name, then as a login identifier.
func findUser(tx metaTx, addr string) (*userRec, error) {
	if full, _, _, err := normalizeUser(addr); err == nil {
		if u, err := getUser(tx, full); err == nil {
			return u, nil
		}
	}
	if login, err := normalizeLogin(addr); err == nil {
		if v := tx.Get(bAuthIDs, []byte(login)); v != nil {
			r, err := decodeAuthID(v)
			if err != nil {
				return nil, internalErr(err, "decode login")
			}
			return getUserByID(tx, r.UserID)
		}
	}
	return nil, errorf(KindNotFound, "no user or login %s", addr)
}

// findFolder finds a user's mailbox by the detail of a plus address: by its
// exact name, else by a name that differs only in case.
func findFolder(tx metaTx, domain, root, folder string) *mailboxRec {
	name := root + "/" + folder
	if mb, err := getMailboxByName(tx, MailboxName{Domain: domain, Name: name}); err == nil {
		return mb
	}
	var found *mailboxRec
	tx.Scan(bMailboxNames, nameKey(domain, root+"/"), nil, func(k, v []byte) bool {
		if strings.EqualFold(string(k[len(domain)+1:]), name) {
			if mb, err := getMailbox(tx, be64ToU(v)); err == nil {
				found = mb
			}
			return false
		}
		return true
	})
	return found
}
