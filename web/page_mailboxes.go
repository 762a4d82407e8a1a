package web

import (
	"context"
	"net/url"
	"strings"

	"mstore/store"
)

// specialUses are the attributes a new mailbox may get (RFC 6154).
var specialUses = []string{`\All`, `\Archive`, `\Drafts`, `\Flagged`, `\Junk`, `\Sent`, `\Trash`}

type mailboxesData struct {
	Domain    string
	User      *store.UserInfo // nil for the shared folders
	Base      string          // the tree as a path: "foo.com/users/joe" or "foo.com/shared"
	Action    string          // the page's URL; its forms post below it
	Mailboxes []store.MailboxInfo
}

// mailboxTree is one user's mailboxes or a domain's shared folders, as the
// page's path names them.
type mailboxTree struct {
	domain string
	user   string // "joe@foo.com", "" for the shared folders
	base   string // "foo.com/users/joe" or "foo.com/shared"
	prefix string // canonical: "user/joe" or "shared"
	url    string
}

func treeOf(q *req) mailboxTree {
	d := pathDomain(q)
	if local := strings.ToLower(q.r.PathValue("local")); local != "" {
		return mailboxTree{domain: d, user: local + "@" + d, base: d + "/users/" + local,
			prefix: "user/" + local, url: domainPage(d) + "/users/" + url.PathEscape(local)}
	}
	return mailboxTree{domain: d, base: d + "/shared", prefix: "shared", url: domainPage(d) + "/shared"}
}

// name turns a name typed relative to the tree ("lists/go") into a
// mailbox name, checked by the store's rules.
func (t mailboxTree) name(rel string) (store.MailboxName, error) {
	if rel == "" {
		return store.MailboxName{}, invalid("give a mailbox name")
	}
	return store.ParsePath(t.base + "/" + rel)
}

// viewMailboxes lists a tree. The user (or, for shared folders, the
// domain's groups) is asked of the store first: that refuses a caller who
// does not administer the domain, where a listing would only come out
// empty.
func (s *Server) viewMailboxes(ctx context.Context, q *req) (*page, error) {
	t := treeOf(q)
	data := mailboxesData{Domain: t.domain, Base: t.base, Action: t.url}
	title := "Shared folders of " + t.domain
	if t.user != "" {
		u, err := s.st.User(ctx, q.caller, t.user)
		if err != nil {
			return nil, err
		}
		data.User = &u
		title = "Mailboxes of " + u.Name
	} else if _, err := s.st.Domain(ctx, q.caller, t.domain); err != nil {
		return nil, err
	}
	mbs, err := s.st.ListMailboxes(ctx, q.caller, store.ListQuery{Domain: t.domain, Prefix: t.prefix})
	if err != nil {
		return nil, err
	}
	data.Mailboxes = mbs
	return &page{tmpl: "mailboxes", Title: title, Data: data}, nil
}

func (s *Server) mailboxCreate(ctx context.Context, q *req) (done, error) {
	t := treeOf(q)
	n, err := t.name(q.form("name"))
	if err != nil {
		return done{}, err
	}
	var opts store.CreateOptions
	if u := q.form("use"); u != "" {
		if opts.SpecialUse, err = store.ParseSpecialUse(u); err != nil {
			return done{}, err
		}
	}
	if _, err := s.st.CreateMailbox(ctx, q.caller, n, opts); err != nil {
		return done{}, err
	}
	return done{next: t.url, flash: "Mailbox " + n.Path() + " created."}, nil
}

func (s *Server) mailboxRename(ctx context.Context, q *req) (done, error) {
	t := treeOf(q)
	from, err := t.name(q.form("from"))
	if err != nil {
		return done{}, err
	}
	to, err := t.name(q.form("to"))
	if err != nil {
		return done{}, err
	}
	if err := s.st.RenameMailbox(ctx, q.caller, from, to); err != nil {
		return done{}, err
	}
	return done{next: t.url, flash: "Mailbox " + from.Path() + " renamed to " + to.Path() + "."}, nil
}

func (s *Server) mailboxDelete(ctx context.Context, q *req) (done, error) {
	t := treeOf(q)
	n, err := t.name(q.form("name"))
	if err != nil {
		return done{}, err
	}
	if err := s.st.DeleteMailbox(ctx, q.caller, n); err != nil {
		return done{}, err
	}
	return done{next: t.url, flash: "Mailbox " + n.Path() + " deleted with its messages."}, nil
}
