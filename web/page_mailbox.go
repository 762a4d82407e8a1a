package web

import (
	"context"
	"net/url"
	"strings"

	"mstore/store"
)

type mailboxData struct {
	Info  store.MailboxInfo
	ACL   store.ACL
	Roots []store.QuotaInfo // the quota roots the mailbox counts towards
	Back  string            // the list the mailbox is in
}

// mailboxPage is the URL of a mailbox's page.
func mailboxPage(n store.MailboxName) string { return "/mailbox?path=" + url.QueryEscape(n.Path()) }

// formMailbox is the mailbox a request names in its path field.
func formMailbox(q *req) (store.MailboxName, error) {
	p := q.form("path")
	if p == "" {
		return store.MailboxName{}, invalid("no mailbox named")
	}
	return store.ParsePath(p)
}

// viewMailbox shows one mailbox: its state, its ACL and its quota roots.
func (s *Server) viewMailbox(ctx context.Context, q *req) (*page, error) {
	n, err := formMailbox(q)
	if err != nil {
		return nil, err
	}
	info, err := s.st.Mailbox(ctx, q.caller, n)
	if err != nil {
		return nil, err
	}
	acl, err := s.st.GetACL(ctx, q.caller, n)
	if err != nil {
		return nil, err
	}
	roots, err := s.st.QuotaRootsOf(ctx, q.caller, n)
	if err != nil {
		return nil, err
	}
	back := domainPage(n.Domain) + "/shared"
	if rest, ok := strings.CutPrefix(info.Name.Name, "user/"); ok {
		local, _, _ := strings.Cut(rest, "/")
		back = domainPage(n.Domain) + "/users/" + url.PathEscape(local)
	}
	return &page{tmpl: "mailbox", Title: "Mailbox " + info.Path,
		Data: mailboxData{Info: info, ACL: acl, Roots: roots, Back: back}}, nil
}

// aclSet sets an entry's rights: "+r" adds, "-w" takes away, and empty
// rights remove the entry, as the store reads them.
func (s *Server) aclSet(ctx context.Context, q *req) (done, error) {
	n, err := formMailbox(q)
	if err != nil {
		return done{}, err
	}
	ident := q.form("identifier")
	if ident == "" {
		return done{}, invalid("give an identifier: a user, anyone, authenticated or group:NAME")
	}
	if err := s.st.SetACL(ctx, q.caller, n, ident, q.form("rights")); err != nil {
		return done{}, err
	}
	return done{next: mailboxPage(n), flash: "Rights of " + ident + " set."}, nil
}

func (s *Server) aclDelete(ctx context.Context, q *req) (done, error) {
	n, err := formMailbox(q)
	if err != nil {
		return done{}, err
	}
	ident := q.form("identifier")
	if ident == "" {
		return done{}, invalid("give an identifier")
	}
	if err := s.st.DeleteACL(ctx, q.caller, n, ident); err != nil {
		return done{}, err
	}
	return done{next: mailboxPage(n), flash: "Entry " + ident + " removed."}, nil
}
