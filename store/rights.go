package store

import (
	"slices"
	"strings"
)

// Rights is a set of RFC 4314 access rights.
type Rights uint16

const (
	RightLookup     Rights = 1 << iota // l: see the mailbox in LIST
	RightRead                          // r: SELECT, STATUS, read messages
	RightSeen                          // s: keep \Seen
	RightWrite                         // w: keep flags other than \Seen and \Deleted
	RightInsert                        // i: APPEND and COPY into the mailbox
	RightPost                          // p: deliver to the mailbox's submission address
	RightCreate                        // k: create sub-mailboxes, rename into it
	RightDeleteMbox                    // x: delete or rename the mailbox
	RightDeleteMsg                     // t: set or clear \Deleted
	RightExpunge                       // e: EXPUNGE
	RightAdmin                         // a: administer the ACL

	AllRights Rights = 1<<iota - 1
	NoRights  Rights = 0
)

// rightLetters is RFC 4314's order, which is also the order Rights prints.
const rightLetters = "lrswipkxtea"

// Obsolete RFC 2086 letters, read as the RFC 4314 groups that replaced them
// (RFC 4314 section 2.1.1, second interpretation): c is k; d is x, t and e.
const (
	rfc2086Create = RightCreate
	rfc2086Delete = RightDeleteMbox | RightDeleteMsg | RightExpunge
)

// ownerImplicit are the rights an owner keeps on their own mailboxes whatever
// the ACL says, so that nobody can lock themselves out of their own tree.
const ownerImplicit = RightLookup | RightAdmin

// ParseRights reads a rights string such as "lrswi". The RFC 2086 letters c
// and d are accepted; any other letter is an error.
func ParseRights(s string) (Rights, error) {
	var r Rights
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == 'c':
			r |= rfc2086Create
		case c == 'd':
			r |= rfc2086Delete
		case strings.IndexByte(rightLetters, c) >= 0:
			r |= 1 << strings.IndexByte(rightLetters, c)
		default:
			return 0, errorf(KindInvalid, "rights %q: unknown right %q (known: %s, and c, d)", s, c, rightLetters)
		}
	}
	return r, nil
}

// String lists the rights in RFC 4314 order.
func (r Rights) String() string {
	var b strings.Builder
	for i := 0; i < len(rightLetters); i++ {
		if r&(1<<i) != 0 {
			b.WriteByte(rightLetters[i])
		}
	}
	return b.String()
}

// WithObsolete adds RFC 2086's c and d when every right of their group is
// present, for clients that still test for them.
func (r Rights) WithObsolete() string {
	s := r.String()
	if r&rfc2086Create == rfc2086Create {
		s += "c"
	}
	if r&rfc2086Delete == rfc2086Delete {
		s += "d"
	}
	return s
}

// Has reports whether every right of want is in r.
func (r Rights) Has(want Rights) bool { return r&want == want }

// Special identifiers of RFC 4314, and the prefix of group identifiers.
const (
	IdentAnyone        = "anyone"
	IdentAuthenticated = "authenticated"
	GroupPrefix        = "group:"
)

// ACLEntry grants (or, when Negative, takes away) Rights to one identifier:
// a user ("joe@foo.com"), "anyone", "authenticated", or "group:NAME".
type ACLEntry struct {
	Identifier string
	Negative   bool
	Rights     Rights
}

// Key is the identifier as RFC 4314 writes it, with "-" for a negative entry.
func (e ACLEntry) Key() string {
	if e.Negative {
		return "-" + e.Identifier
	}
	return e.Identifier
}

// ACL is a mailbox's access control list, kept sorted by Key.
type ACL []ACLEntry

// Get returns the rights of the entry with this key ("joe@foo.com" or
// "-joe@foo.com").
func (a ACL) Get(key string) (Rights, bool) {
	for _, e := range a {
		if e.Key() == key {
			return e.Rights, true
		}
	}
	return 0, false
}

// with returns a copy of a with the entry set (rights 0 removes it).
func (a ACL) with(e ACLEntry) ACL {
	out := make(ACL, 0, len(a)+1)
	for _, x := range a {
		if x.Key() != e.Key() {
			out = append(out, x)
		}
	}
	if e.Rights != 0 {
		out = append(out, e)
	}
	slices.SortFunc(out, func(x, y ACLEntry) int { return strings.Compare(x.Key(), y.Key()) })
	return out
}

// identity is who asks, as the rights algebra sees it.
type identity struct {
	user   string   // "joe@foo.com"; "" for an anonymous sender
	domain string   // the user's domain
	groups []string // "group:staff" identifiers the user belongs to, in the mailbox's domain
}

// effectiveRights is RFC 4314's algebra: the union of the rights of every
// positive entry that matches, minus the union of every matching negative
// entry. "anyone" and "authenticated" reach only users of the mailbox's own
// domain (and anyone also the anonymous sender of a delivery); a user of
// another domain gets rights only from an entry that names them.
func effectiveRights(acl ACL, mailboxDomain string, id identity) Rights {
	var pos, neg Rights
	for _, e := range acl {
		if !id.matches(e.Identifier, mailboxDomain) {
			continue
		}
		if e.Negative {
			neg |= e.Rights
		} else {
			pos |= e.Rights
		}
	}
	return pos &^ neg
}

func (id identity) matches(ident, mailboxDomain string) bool {
	switch {
	case ident == IdentAnyone:
		return id.user == "" || id.domain == mailboxDomain
	case ident == IdentAuthenticated:
		return id.user != "" && id.domain == mailboxDomain
	case strings.HasPrefix(ident, GroupPrefix):
		return id.user != "" && slices.Contains(id.groups, ident)
	default:
		return id.user != "" && ident == id.user
	}
}

// normalizeIdentifier checks an ACL identifier and qualifies a bare user name
// with the mailbox's domain ("joe" → "joe@foo.com"). It returns the
// identifier and whether it was negative ("-joe").
func normalizeIdentifier(ident, mailboxDomain string) (string, bool, error) {
	neg := strings.HasPrefix(ident, "-")
	ident = strings.TrimPrefix(ident, "-")
	switch {
	case ident == "":
		return "", false, errorf(KindInvalid, "empty ACL identifier")
	case strings.EqualFold(ident, IdentAnyone):
		return IdentAnyone, neg, nil
	case strings.EqualFold(ident, IdentAuthenticated):
		return IdentAuthenticated, neg, nil
	case strings.HasPrefix(ident, GroupPrefix):
		g := strings.ToLower(strings.TrimPrefix(ident, GroupPrefix))
		if err := checkGroupName(g); err != nil {
			return "", false, err
		}
		return GroupPrefix + g, neg, nil
	}
	if !strings.Contains(ident, "@") {
		ident += "@" + mailboxDomain
	}
	full, _, _, err := normalizeUser(ident)
	if err != nil {
		return "", false, wrapErr(KindInvalid, err, "ACL identifier %q", ident)
	}
	return full, neg, nil
}

func checkGroupName(g string) error {
	if g == "" || len(g) > maxLocalBytes || strings.ContainsAny(g, "@/ \t*%") {
		return errorf(KindInvalid, "group name %q: empty, too long, or has '@', '/', blanks or wildcards", g)
	}
	for _, r := range g {
		if r < 0x20 || r == 0x7f {
			return errorf(KindInvalid, "group name %q: control character", g)
		}
	}
	return nil
}
