package store

import (
	"context"
	"slices"
	"strings"
)

// Caller is who asks the store to do something. Every door builds one for
// the identity it authenticated and passes it with every call; every rule
// about who may do what is decided here, from it.
type Caller struct {
	kind    callerKind
	userID  uint64
	user    string // "joe@foo.com"
	domain  string
	global  bool                // a global administrator
	adminOf []string            // domains this user administers
	groups  map[string][]string // domain → group identifiers ("group:staff") the user is in
}

type callerKind int

const (
	callerAnonymous callerKind = iota
	callerUser
	callerSystem
)

// System is the store itself and root at the command line: every right,
// every administrator power.
func System() Caller { return Caller{kind: callerSystem} }

// Anonymous is an unauthenticated sender, such as an LMTP delivery checking
// whether a folder takes posts from "anyone".
func Anonymous() Caller { return Caller{kind: callerAnonymous} }

// CallerFor builds the caller for a user, with their administrator powers
// and group memberships as the database has them now.
func (s *Store) CallerFor(ctx context.Context, user string) (Caller, error) {
	full, _, domain, err := normalizeUser(user)
	if err != nil {
		return Caller{}, err
	}
	c := Caller{kind: callerUser, user: full, domain: domain}
	err = s.meta.View(func(tx metaTx) error {
		u, err := getUser(tx, full)
		if err != nil {
			return err
		}
		c.userID = u.ID
		tx.Scan(bAdmins, be64(u.ID), nil, func(k, _ []byte) bool {
			if d := string(k[8:]); d == "" {
				c.global = true
			} else {
				c.adminOf = append(c.adminOf, d)
			}
			return true
		})
		tx.Scan(bGroupsByUser, append([]byte(full), 0), nil, func(k, _ []byte) bool {
			parts := strings.SplitN(string(k), "\x00", 3)
			if len(parts) == 3 {
				if c.groups == nil {
					c.groups = map[string][]string{}
				}
				c.groups[parts[1]] = append(c.groups[parts[1]], GroupPrefix+parts[2])
			}
			return true
		})
		return nil
	})
	return c, err
}

// User is the caller's user name, "" for System and Anonymous.
func (c Caller) User() string { return c.user }

// UserID is the caller's user id, 0 for System and Anonymous.
func (c Caller) UserID() uint64 { return c.userID }

// Domain is the caller's domain, "" for System and Anonymous.
func (c Caller) Domain() string { return c.domain }

// IsSystem reports whether the caller is the store itself.
func (c Caller) IsSystem() bool { return c.kind == callerSystem }

// IsGlobalAdmin reports whether the caller administers every domain.
func (c Caller) IsGlobalAdmin() bool { return c.kind == callerSystem || c.global }

// IsAdmin reports whether the caller administers the domain.
func (c Caller) IsAdmin(domain string) bool {
	return c.IsGlobalAdmin() || (c.kind == callerUser && slices.Contains(c.adminOf, domain))
}

// IsAnyAdmin reports whether the caller administers at least one domain.
func (c Caller) IsAnyAdmin() bool { return c.IsGlobalAdmin() || len(c.adminOf) > 0 }

func (c Caller) String() string {
	switch c.kind {
	case callerSystem:
		return "system"
	case callerAnonymous:
		return "anonymous"
	}
	return c.user
}

func (c Caller) identity(mailboxDomain string) identity {
	if c.kind != callerUser {
		return identity{}
	}
	return identity{user: c.user, domain: c.domain, groups: c.groups[mailboxDomain]}
}

// rights is the one function that decides what a caller may do in a
// mailbox: administrators of its domain hold every right; otherwise RFC
// 4314's algebra over the ACL, plus the rights an owner always keeps.
func (c Caller) rights(mb *mailboxRec) Rights {
	if c.IsAdmin(mb.Domain) {
		return AllRights
	}
	r := effectiveRights(mb.ACL, mb.Domain, c.identity(mb.Domain))
	if c.kind == callerUser && mb.Owner != 0 && mb.Owner == c.userID {
		r |= ownerImplicit
	}
	return r
}

func (c Caller) requireAdmin(domain string) error {
	if !c.IsAdmin(domain) {
		return errorf(KindNoPerm, "%s does not administer %s", c, domain)
	}
	return nil
}

func (c Caller) requireGlobalAdmin() error {
	if !c.IsGlobalAdmin() {
		return errorf(KindNoPerm, "%s is not a global administrator", c)
	}
	return nil
}
