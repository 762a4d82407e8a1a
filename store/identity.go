package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"strings"
	"time"
)

// DomainInfo describes a domain.
type DomainInfo struct {
	ID      uint64    `json:"id"` // never reused
	Name    string    `json:"name"`
	Users   int       `json:"users"`
	Created time.Time `json:"created"`
}

// UserInfo describes a user.
type UserInfo struct {
	ID        uint64    `json:"id"`
	Name      string    `json:"name"`
	Mailboxes int       `json:"mailboxes"`
	Logins    []string  `json:"logins"`
	Created   time.Time `json:"created"`
}

// UserOptions shape a new user.
type UserOptions struct {
	NoInbox bool // create no INBOX
	// Credentials, when set, create a login identifier equal to the user
	// name with them.
	Credentials *Credentials
}

// adminUser normalizes a user name and checks that the caller administers
// its domain: the first step of every change to a user's identities.
func adminUser(c Caller, name string) (full, local, domain string, err error) {
	if full, local, domain, err = normalizeUser(name); err != nil {
		return "", "", "", err
	}
	return full, local, domain, c.requireAdmin(domain)
}

func getUser(tx metaTx, full string) (*userRec, error) {
	id := tx.Get(bUserNames, []byte(full))
	if id == nil {
		return nil, errorf(KindNotFound, "user %s does not exist", full)
	}
	return getUserByID(tx, binary.BigEndian.Uint64(id))
}

func getUserByID(tx metaTx, id uint64) (*userRec, error) {
	v := tx.Get(bUsers, be64(id))
	if v == nil {
		return nil, errorf(KindNotFound, "user %d does not exist", id)
	}
	u, err := decodeUser(v)
	return u, internalErr(err, "decode user")
}

func requireDomain(tx metaTx, domain string) error {
	if tx.Get(bDomains, []byte(domain)) == nil {
		return errorf(KindNotFound, "domain %s does not exist", domain)
	}
	return nil
}

// AddDomain creates a domain. Global administrators only.
func (s *Store) AddDomain(ctx context.Context, c Caller, name string) error {
	d, err := normalizeDomain(name)
	if err != nil {
		return err
	}
	if err := c.requireGlobalAdmin(); err != nil {
		return err
	}
	return s.write(func(w *wtx) error {
		if w.tx.Get(bDomains, []byte(d)) != nil {
			return errorf(KindExists, "domain %s already exists", d)
		}
		id, err := nextID(w.tx, "next-domain-id")
		if err != nil {
			return err
		}
		rec := domainRec{ID: id, Name: d, Created: time.Now().Unix()}
		return w.tx.Put(bDomains, []byte(d), rec.encode())
	})
}

// DeleteDomain removes a domain. A domain that still has users or shared
// folders needs force, which removes them all with their mail.
func (s *Store) DeleteDomain(ctx context.Context, c Caller, name string, force bool) error {
	d, err := normalizeDomain(name)
	if err != nil {
		return err
	}
	if err := c.requireGlobalAdmin(); err != nil {
		return err
	}
	var removed []*mailboxRec
	err = s.write(func(w *wtx) error {
		removed = nil
		if err := requireDomain(w.tx, d); err != nil {
			return err
		}
		users := usersOfDomain(w.tx, d)
		mboxes := mailboxIDsUnder(w.tx, d, "")
		if !force && (len(users) > 0 || len(mboxes) > 0) {
			return errorf(KindInUse, "domain %s still has %d users and %d mailboxes", d, len(users), len(mboxes))
		}
		for _, u := range users {
			rm, err := deleteUserTx(w, u)
			if err != nil {
				return err
			}
			removed = append(removed, rm...)
		}
		for _, id := range mailboxIDsUnder(w.tx, d, "") {
			mb, err := deleteMailboxTx(w, id)
			if err != nil {
				return err
			}
			removed = append(removed, mb)
		}
		for _, b := range []bucketID{bQuota, bMailboxNames} {
			if err := deletePrefix(w.tx, b, append([]byte(d), 0)); err != nil {
				return err
			}
		}
		if err := deleteGroupsOfDomain(w.tx, d); err != nil {
			return err
		}
		if err := deleteAdminsOfDomain(w.tx, d); err != nil {
			return err
		}
		return w.tx.Delete(bDomains, []byte(d))
	})
	s.removeBodies(removed)
	return err
}

// Domains lists the domains the caller administers.
func (s *Store) Domains(ctx context.Context, c Caller) ([]DomainInfo, error) {
	var out []DomainInfo
	err := s.meta.View(func(tx metaTx) error {
		var recs []*domainRec
		tx.Scan(bDomains, nil, nil, func(k, v []byte) bool {
			if r, err := decodeDomain(v); err == nil && c.IsAdmin(r.Name) {
				recs = append(recs, r)
			}
			return true
		})
		for _, r := range recs {
			out = append(out, domainInfo(tx, r))
		}
		return nil
	})
	return out, err
}

// Domain describes one domain to an administrator of it: a caller who
// does not administer it is refused before the store says whether it
// exists.
func (s *Store) Domain(ctx context.Context, c Caller, name string) (DomainInfo, error) {
	d, err := normalizeDomain(name)
	if err != nil {
		return DomainInfo{}, err
	}
	if err := c.requireAdmin(d); err != nil {
		return DomainInfo{}, err
	}
	var info DomainInfo
	err = s.meta.View(func(tx metaTx) error {
		v := tx.Get(bDomains, []byte(d))
		if v == nil {
			return errorf(KindNotFound, "domain %s does not exist", d)
		}
		r, err := decodeDomain(v)
		if err != nil {
			return err
		}
		info = domainInfo(tx, r)
		return nil
	})
	return info, err
}

func domainInfo(tx metaTx, r *domainRec) DomainInfo {
	return DomainInfo{ID: r.ID, Name: r.Name, Users: len(usersOfDomain(tx, r.Name)), Created: time.Unix(r.Created, 0)}
}

func usersOfDomain(tx metaTx, domain string) []*userRec {
	var out []*userRec
	suffix := []byte("@" + domain)
	tx.Scan(bUserNames, nil, nil, func(k, v []byte) bool {
		if bytes.HasSuffix(k, suffix) {
			if u, err := getUserByID(tx, binary.BigEndian.Uint64(v)); err == nil {
				out = append(out, u)
			}
		}
		return true
	})
	return out
}

// AddUser creates a user, its INBOX unless opts.NoInbox, and, with
// opts.Credentials, a login identifier equal to its name.
func (s *Store) AddUser(ctx context.Context, c Caller, name string, opts UserOptions) (UserInfo, error) {
	full, local, domain, err := adminUser(c, name)
	if err != nil {
		return UserInfo{}, err
	}
	var info UserInfo
	part := s.choosePartition(domain, full)
	err = s.write(func(w *wtx) error {
		if err := requireDomain(w.tx, domain); err != nil {
			return err
		}
		if w.tx.Get(bUserNames, []byte(full)) != nil {
			return errorf(KindExists, "user %s already exists", full)
		}
		if opts.Credentials != nil && w.tx.Get(bAuthIDs, []byte(full)) != nil {
			return errorf(KindExists, "login %s already exists", full)
		}
		id, err := nextID(w.tx, "next-user-id")
		if err != nil {
			return err
		}
		u := userRec{ID: id, Name: full, Created: time.Now().Unix()}
		if err := w.tx.Put(bUsers, be64(id), u.encode()); err != nil {
			return err
		}
		if err := w.tx.Put(bUserNames, []byte(full), be64(id)); err != nil {
			return err
		}
		info = UserInfo{ID: id, Name: full, Created: time.Unix(u.Created, 0)}
		if opts.Credentials != nil {
			if err := putAuthID(w.tx, &authIDRec{Login: full, UserID: id, Creds: *opts.Credentials}); err != nil {
				return err
			}
			info.Logins = []string{full}
		}
		if !opts.NoInbox {
			acl := ACL{{Identifier: full, Rights: AllRights}}
			if _, err := createMailboxTx(w, domain, userRoot(local)+"/"+inboxName, id, part, 0, acl); err != nil {
				return err
			}
			info.Mailboxes = 1
		}
		return nil
	})
	return info, err
}

// DeleteUser removes a user. A user that still has mailboxes, logins or
// authmap entries needs force, which removes them all with their mail.
func (s *Store) DeleteUser(ctx context.Context, c Caller, name string, force bool) error {
	full, _, domain, err := adminUser(c, name)
	if err != nil {
		return err
	}
	var removed []*mailboxRec
	err = s.write(func(w *wtx) error {
		u, err := getUser(w.tx, full)
		if err != nil {
			return err
		}
		if !force {
			local, _, _ := strings.Cut(full, "@")
			n := len(mailboxIDsUnder(w.tx, domain, userRoot(local)))
			logins := loginsOf(w.tx, u.ID)
			maps := authMapsOf(w.tx, u.ID)
			if n+len(logins)+len(maps) > 0 {
				return errorf(KindInUse, "user %s still has %d mailboxes, %d logins and %d authmap entries", full, n, len(logins), len(maps))
			}
		}
		removed, err = deleteUserTx(w, u)
		return err
	})
	s.removeBodies(removed)
	return err
}

// deleteUserTx removes a user and everything that belongs to them, and
// returns the mailboxes whose bodies are to be removed after the commit.
func deleteUserTx(w *wtx, u *userRec) ([]*mailboxRec, error) {
	local, domain, _ := strings.Cut(u.Name, "@")
	var removed []*mailboxRec
	for _, id := range mailboxIDsUnder(w.tx, domain, userRoot(local)) {
		mb, err := deleteMailboxTx(w, id)
		if err != nil {
			return nil, err
		}
		removed = append(removed, mb)
	}
	for _, login := range loginsOf(w.tx, u.ID) {
		if err := deleteAuthIDTx(w.tx, login, u.ID); err != nil {
			return nil, err
		}
	}
	for _, ext := range authMapsOf(w.tx, u.ID) {
		if err := w.tx.Delete(bAuthMap, []byte(ext)); err != nil {
			return nil, err
		}
	}
	// A quota root on the user's tree goes with it.
	if err := w.tx.Delete(bQuota, nameKey(domain, userRoot(local))); err != nil {
		return nil, err
	}
	delete(w.quotas, string(nameKey(domain, userRoot(local))))
	for _, b := range []bucketID{bAdmins, bSubs} {
		if err := deletePrefix(w.tx, b, be64(u.ID)); err != nil {
			return nil, err
		}
	}
	var memberships [][]byte
	w.tx.Scan(bGroupsByUser, append([]byte(u.Name), 0), nil, func(k, _ []byte) bool {
		memberships = append(memberships, bytes.Clone(k))
		return true
	})
	for _, k := range memberships {
		parts := strings.SplitN(string(k), "\x00", 3)
		w.tx.Delete(bGroupsByUser, k)
		if len(parts) == 3 {
			w.tx.Delete(bGroups, []byte(parts[1]+"\x00"+parts[2]+"\x00"+parts[0]))
		}
	}
	if err := w.tx.Delete(bUserNames, []byte(u.Name)); err != nil {
		return nil, err
	}
	return removed, w.tx.Delete(bUsers, be64(u.ID))
}

// Users lists the users of a domain ("" for every domain the caller
// administers).
func (s *Store) Users(ctx context.Context, c Caller, domain string) ([]UserInfo, error) {
	if domain != "" {
		d, err := normalizeDomain(domain)
		if err != nil {
			return nil, err
		}
		if err := c.requireAdmin(d); err != nil {
			return nil, err
		}
		domain = d
	}
	var out []UserInfo
	err := s.meta.View(func(tx metaTx) error {
		if domain != "" {
			if err := requireDomain(tx, domain); err != nil {
				return err
			}
		}
		tx.Scan(bUserNames, nil, nil, func(k, v []byte) bool {
			name := string(k)
			local, d, _ := strings.Cut(name, "@")
			if (domain != "" && d != domain) || !c.IsAdmin(d) {
				return true
			}
			u, err := getUserByID(tx, binary.BigEndian.Uint64(v))
			if err != nil {
				return true
			}
			out = append(out, UserInfo{ID: u.ID, Name: u.Name, Created: time.Unix(u.Created, 0),
				Mailboxes: len(mailboxIDsUnder(tx, d, userRoot(local))), Logins: loginsOf(tx, u.ID)})
			return true
		})
		return nil
	})
	return out, err
}

// User returns one user, for the user themselves or an administrator.
func (s *Store) User(ctx context.Context, c Caller, name string) (UserInfo, error) {
	full, local, domain, err := normalizeUser(name)
	if err != nil {
		return UserInfo{}, err
	}
	if c.User() != full {
		if err := c.requireAdmin(domain); err != nil {
			return UserInfo{}, err
		}
	}
	var info UserInfo
	err = s.meta.View(func(tx metaTx) error {
		u, err := getUser(tx, full)
		if err != nil {
			return err
		}
		info = UserInfo{ID: u.ID, Name: u.Name, Created: time.Unix(u.Created, 0),
			Mailboxes: len(mailboxIDsUnder(tx, domain, userRoot(local))), Logins: loginsOf(tx, u.ID)}
		return nil
	})
	return info, err
}
