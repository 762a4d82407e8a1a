package imap

import (
	"strings"

	"mstore/store"
)

// Namespaces (RFC 2342). A user sees their own mailboxes at the top
// ("INBOX", "Archive/2024"), other users' mailboxes that they may look up
// under "Other Users/<user>/", and their domain's shared folders under
// "Shared Folders/". A user of another domain appears as
// "Other Users/<user>@<domain>/", and another domain's shared folders as
// "Shared Folders/@<domain>/" — both only when an ACL entry names the
// caller, since nothing of another domain is visible otherwise.
const (
	otherUsersNS    = "Other Users"
	sharedFoldersNS = "Shared Folders"
	delim           = '/'
)

// toStore maps a client's mailbox name to the store's.
func (s *session) toStore(name string) (store.MailboxName, error) {
	if name == "" {
		return store.MailboxName{}, &store.Error{Kind: store.KindInvalid, Msg: "empty mailbox name"}
	}
	if rest, ok := cutNS(name, otherUsersNS); ok {
		user, path, _ := strings.Cut(rest, "/")
		domain := s.domain
		if u, d, ok := strings.Cut(user, "@"); ok {
			user, domain = u, d
		}
		if user == "" || path == "" {
			return store.MailboxName{}, &store.Error{Kind: store.KindNotFound, Msg: "no mailbox " + name}
		}
		return store.MailboxName{Domain: strings.ToLower(domain), Name: "user/" + strings.ToLower(user) + "/" + path}, nil
	}
	if rest, ok := cutNS(name, sharedFoldersNS); ok {
		domain := s.domain
		if strings.HasPrefix(rest, "@") {
			d, path, _ := strings.Cut(rest[1:], "/")
			domain, rest = strings.ToLower(d), path
		}
		if rest == "" {
			return store.MailboxName{}, &store.Error{Kind: store.KindNotFound, Msg: "no mailbox " + name}
		}
		return store.MailboxName{Domain: domain, Name: "shared/" + rest}, nil
	}
	if strings.EqualFold(name, "INBOX") {
		name = "INBOX"
	} else if len(name) > 6 && strings.EqualFold(name[:6], "INBOX/") {
		name = "INBOX" + name[5:]
	}
	return store.MailboxName{Domain: s.domain, Name: "user/" + s.local + "/" + name}, nil
}

// cutNS strips a namespace prefix ("Other Users/") from a name.
func cutNS(name, ns string) (string, bool) {
	if len(name) > len(ns) && name[len(ns)] == delim && name[:len(ns)] == ns {
		return name[len(ns)+1:], true
	}
	return "", false
}

// toIMAP maps a store name to the name this client sees.
func (s *session) toIMAP(n store.MailboxName) string {
	own := "user/" + s.local + "/"
	if n.Domain == s.domain && strings.HasPrefix(n.Name, own) {
		return n.Name[len(own):]
	}
	if rest, ok := strings.CutPrefix(n.Name, "user/"); ok {
		if n.Domain != s.domain {
			user, path, _ := strings.Cut(rest, "/")
			return otherUsersNS + "/" + user + "@" + n.Domain + "/" + path
		}
		return otherUsersNS + "/" + rest
	}
	rest := strings.TrimPrefix(n.Name, "shared/")
	if n.Domain != s.domain {
		return sharedFoldersNS + "/@" + n.Domain + "/" + rest
	}
	return sharedFoldersNS + "/" + rest
}
