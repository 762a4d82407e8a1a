package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"sort"
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
		tx.Scan(bDomains, nil, nil, func(k, v []byte) bool {
			r, err := decodeDomain(v)
			if err != nil || !c.IsAdmin(r.Name) {
				return true
			}
			out = append(out, DomainInfo{ID: r.ID, Name: r.Name, Created: time.Unix(r.Created, 0)})
			return true
		})
		for i := range out {
			out[i].Users = len(usersOfDomain(tx, out[i].Name))
		}
		return nil
	})
	return out, err
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

// Login identifiers.

// LoginInfo is what a door needs to authenticate a login identifier.
type LoginInfo struct {
	Login       string
	User        string
	UserID      uint64
	Credentials Credentials
}

func normalizeLogin(login string) (string, error) {
	l := strings.ToLower(strings.TrimSpace(login))
	if l == "" || len(l) > 320 {
		return "", errorf(KindInvalid, "login %q: empty or too long", login)
	}
	for _, r := range l {
		if r < 0x20 || r == 0x7f || r == ' ' {
			return "", errorf(KindInvalid, "login %q: control characters and spaces are not allowed", login)
		}
	}
	return l, nil
}

func putAuthID(tx metaTx, r *authIDRec) error {
	if err := tx.Put(bAuthIDs, []byte(r.Login), r.encode()); err != nil {
		return err
	}
	return tx.Put(bAuthIDsByUser, append(be64(r.UserID), r.Login...), nil)
}

func deleteAuthIDTx(tx metaTx, login string, userID uint64) error {
	if err := tx.Delete(bAuthIDs, []byte(login)); err != nil {
		return err
	}
	return tx.Delete(bAuthIDsByUser, append(be64(userID), login...))
}

func loginsOf(tx metaTx, userID uint64) []string {
	var out []string
	tx.Scan(bAuthIDsByUser, be64(userID), nil, func(k, _ []byte) bool {
		out = append(out, string(k[8:]))
		return true
	})
	return out
}

func authMapsOf(tx metaTx, userID uint64) []string {
	var out []string
	tx.Scan(bAuthMap, nil, nil, func(k, v []byte) bool {
		if len(v) == 8 && binary.BigEndian.Uint64(v) == userID {
			out = append(out, string(k))
		}
		return true
	})
	return out
}

// AddAuthID gives a user another login identifier.
func (s *Store) AddAuthID(ctx context.Context, c Caller, login, user string, creds Credentials) error {
	l, err := normalizeLogin(login)
	if err != nil {
		return err
	}
	full, _, _, err := adminUser(c, user)
	if err != nil {
		return err
	}
	return s.write(func(w *wtx) error {
		u, err := getUser(w.tx, full)
		if err != nil {
			return err
		}
		if w.tx.Get(bAuthIDs, []byte(l)) != nil {
			return errorf(KindExists, "login %s already exists", l)
		}
		return putAuthID(w.tx, &authIDRec{Login: l, UserID: u.ID, Creds: creds})
	})
}

// SetCredentials replaces a login's credentials (a password change). The
// user themselves or an administrator of their domain may do it. A missing
// login named like a user (joe@foo.com) is created for that user.
func (s *Store) SetCredentials(ctx context.Context, c Caller, login string, creds Credentials) error {
	l, err := normalizeLogin(login)
	if err != nil {
		return err
	}
	return s.write(func(w *wtx) error {
		v := w.tx.Get(bAuthIDs, []byte(l))
		if v == nil {
			// "user passwd joe@foo.com" on a user created without a login
			// makes the login named like the user.
			u, err := getUser(w.tx, l)
			if err != nil {
				return errorf(KindNotFound, "login %s does not exist", l)
			}
			if c.UserID() != u.ID {
				if err := c.requireAdmin(domainOf(u.Name)); err != nil {
					return err
				}
			}
			return putAuthID(w.tx, &authIDRec{Login: l, UserID: u.ID, Creds: creds})
		}
		r, err := decodeAuthID(v)
		if err != nil {
			return internalErr(err, "decode login")
		}
		if c.UserID() != r.UserID {
			u, err := getUserByID(w.tx, r.UserID)
			if err != nil {
				return err
			}
			if err := c.requireAdmin(domainOf(u.Name)); err != nil {
				return err
			}
		}
		r.Creds = creds
		return putAuthID(w.tx, r)
	})
}

func domainOf(user string) string {
	_, d, _ := strings.Cut(user, "@")
	return d
}

// DeleteAuthID removes a login identifier.
func (s *Store) DeleteAuthID(ctx context.Context, c Caller, login string) error {
	l, err := normalizeLogin(login)
	if err != nil {
		return err
	}
	return s.write(func(w *wtx) error {
		v := w.tx.Get(bAuthIDs, []byte(l))
		if v == nil {
			return errorf(KindNotFound, "login %s does not exist", l)
		}
		r, err := decodeAuthID(v)
		if err != nil {
			return internalErr(err, "decode login")
		}
		u, err := getUserByID(w.tx, r.UserID)
		if err != nil {
			return err
		}
		if err := c.requireAdmin(domainOf(u.Name)); err != nil {
			return err
		}
		return deleteAuthIDTx(w.tx, l, r.UserID)
	})
}

// AuthIDInfo describes a login identifier (without its secrets).
type AuthIDInfo struct {
	Login   string `json:"login"`
	User    string `json:"user"`
	CramMD5 bool   `json:"cram_md5"`
	Scram   bool   `json:"scram_sha_256"`
}

// AuthIDs lists login identifiers, of one user or ("") of every user the
// caller administers.
func (s *Store) AuthIDs(ctx context.Context, c Caller, user string) ([]AuthIDInfo, error) {
	var out []AuthIDInfo
	err := s.meta.View(func(tx metaTx) error {
		var only uint64
		if user != "" {
			full, _, _, err := normalizeUser(user)
			if err != nil {
				return err
			}
			u, err := getUser(tx, full)
			if err != nil {
				return err
			}
			only = u.ID
		}
		names := map[uint64]string{}
		tx.Scan(bAuthIDs, nil, nil, func(k, v []byte) bool {
			r, err := decodeAuthID(v)
			if err != nil || (only != 0 && r.UserID != only) {
				return true
			}
			name, ok := names[r.UserID]
			if !ok {
				if u, err := getUserByID(tx, r.UserID); err == nil {
					name = u.Name
				}
				names[r.UserID] = name
			}
			if !c.IsAdmin(domainOf(name)) && c.UserID() != r.UserID {
				return true
			}
			out = append(out, AuthIDInfo{Login: r.Login, User: name, CramMD5: r.Creds.CramMD5 != "", Scram: r.Creds.ScramSHA256 != ""})
			return true
		})
		return nil
	})
	return out, err
}

// LookupLogin finds a login identifier and its user, for authentication.
func (s *Store) LookupLogin(ctx context.Context, login string) (LoginInfo, error) {
	l, err := normalizeLogin(login)
	if err != nil {
		return LoginInfo{}, err
	}
	var info LoginInfo
	err = s.meta.View(func(tx metaTx) error {
		v := tx.Get(bAuthIDs, []byte(l))
		if v == nil {
			return errorf(KindNotFound, "login %s does not exist", l)
		}
		r, err := decodeAuthID(v)
		if err != nil {
			return internalErr(err, "decode login")
		}
		u, err := getUserByID(tx, r.UserID)
		if err != nil {
			return err
		}
		info = LoginInfo{Login: r.Login, User: u.Name, UserID: u.ID, Credentials: r.Creds}
		return nil
	})
	return info, err
}

// The authmap ties names of an external authority (system accounts, later
// Kerberos or LDAP) to store users.

// AuthMapEntry is one external name and its user.
type AuthMapEntry struct {
	External string `json:"external"`
	User     string `json:"user"`
}

func checkExternal(ext string) (string, error) {
	ext = strings.TrimSpace(ext)
	if ext == "" || len(ext) > 320 || strings.ContainsAny(ext, "\x00\r\n") {
		return "", errorf(KindInvalid, "external name %q: empty, too long or with control characters", ext)
	}
	return ext, nil
}

func (s *Store) AddAuthMap(ctx context.Context, c Caller, external, user string) error {
	ext, err := checkExternal(external)
	if err != nil {
		return err
	}
	full, _, _, err := adminUser(c, user)
	if err != nil {
		return err
	}
	return s.write(func(w *wtx) error {
		u, err := getUser(w.tx, full)
		if err != nil {
			return err
		}
		if w.tx.Get(bAuthMap, []byte(ext)) != nil {
			return errorf(KindExists, "external name %s is already mapped", ext)
		}
		return w.tx.Put(bAuthMap, []byte(ext), be64(u.ID))
	})
}

func (s *Store) DeleteAuthMap(ctx context.Context, c Caller, external string) error {
	ext, err := checkExternal(external)
	if err != nil {
		return err
	}
	return s.write(func(w *wtx) error {
		v := w.tx.Get(bAuthMap, []byte(ext))
		if v == nil {
			return errorf(KindNotFound, "external name %s is not mapped", ext)
		}
		u, err := getUserByID(w.tx, binary.BigEndian.Uint64(v))
		if err == nil {
			err = c.requireAdmin(domainOf(u.Name))
		} else {
			err = c.requireGlobalAdmin() // a dangling entry
		}
		if err != nil {
			return err
		}
		return w.tx.Delete(bAuthMap, []byte(ext))
	})
}

func (s *Store) AuthMap(ctx context.Context, c Caller) ([]AuthMapEntry, error) {
	var out []AuthMapEntry
	err := s.meta.View(func(tx metaTx) error {
		tx.Scan(bAuthMap, nil, nil, func(k, v []byte) bool {
			u, err := getUserByID(tx, binary.BigEndian.Uint64(v))
			if err == nil && c.IsAdmin(domainOf(u.Name)) {
				out = append(out, AuthMapEntry{External: string(k), User: u.Name})
			}
			return true
		})
		return nil
	})
	return out, err
}

// ResolveExternal returns the user an external name is mapped to.
func (s *Store) ResolveExternal(ctx context.Context, external string) (string, error) {
	var user string
	err := s.meta.View(func(tx metaTx) error {
		v := tx.Get(bAuthMap, []byte(external))
		if v == nil {
			return errorf(KindNotFound, "external name %s is not mapped", external)
		}
		u, err := getUserByID(tx, binary.BigEndian.Uint64(v))
		if err != nil {
			return err
		}
		user = u.Name
		return nil
	})
	return user, err
}

// Administrators.

// AdminEntry is one administrator: of every domain (Domain "") or of one.
type AdminEntry struct {
	User   string `json:"user"`
	Domain string `json:"domain,omitempty"`
}

// AddAdmin makes user an administrator of domain, or of every domain when
// domain is "". Only global administrators make global ones.
func (s *Store) AddAdmin(ctx context.Context, c Caller, user, domain string) error {
	full, _, _, err := normalizeUser(user)
	if err != nil {
		return err
	}
	if domain == "" {
		err = c.requireGlobalAdmin()
	} else if domain, err = normalizeDomain(domain); err == nil {
		err = c.requireAdmin(domain)
	}
	if err != nil {
		return err
	}
	return s.write(func(w *wtx) error {
		u, err := getUser(w.tx, full)
		if err != nil {
			return err
		}
		if domain != "" {
			if err := requireDomain(w.tx, domain); err != nil {
				return err
			}
		}
		key := append(be64(u.ID), domain...)
		if w.tx.Get(bAdmins, key) != nil {
			return errorf(KindExists, "%s is already an administrator of %s", full, orEvery(domain))
		}
		return w.tx.Put(bAdmins, key, nil)
	})
}

func orEvery(domain string) string {
	if domain == "" {
		return "every domain"
	}
	return domain
}

// DeleteAdmin takes away every administrator power of user that the caller
// could have given.
func (s *Store) DeleteAdmin(ctx context.Context, c Caller, user string) error {
	full, _, _, err := normalizeUser(user)
	if err != nil {
		return err
	}
	return s.write(func(w *wtx) error {
		u, err := getUser(w.tx, full)
		if err != nil {
			return err
		}
		var keys [][]byte
		w.tx.Scan(bAdmins, be64(u.ID), nil, func(k, _ []byte) bool {
			keys = append(keys, bytes.Clone(k))
			return true
		})
		if len(keys) == 0 {
			return errorf(KindNotFound, "%s is not an administrator", full)
		}
		for _, k := range keys {
			d := string(k[8:])
			if d == "" && !c.IsGlobalAdmin() || d != "" && !c.IsAdmin(d) {
				return errorf(KindNoPerm, "%s may not take away %s's powers over %s", c, full, orEvery(d))
			}
			if err := w.tx.Delete(bAdmins, k); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) Admins(ctx context.Context, c Caller) ([]AdminEntry, error) {
	var out []AdminEntry
	err := s.meta.View(func(tx metaTx) error {
		tx.Scan(bAdmins, nil, nil, func(k, _ []byte) bool {
			u, err := getUserByID(tx, binary.BigEndian.Uint64(k[:8]))
			d := string(k[8:])
			if err == nil && (c.IsGlobalAdmin() || d != "" && c.IsAdmin(d)) {
				out = append(out, AdminEntry{User: u.Name, Domain: d})
			}
			return true
		})
		return nil
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].User != out[j].User {
			return out[i].User < out[j].User
		}
		return out[i].Domain < out[j].Domain
	})
	return out, err
}

func deleteAdminsOfDomain(tx metaTx, domain string) error {
	var keys [][]byte
	tx.Scan(bAdmins, nil, nil, func(k, _ []byte) bool {
		if string(k[8:]) == domain {
			keys = append(keys, bytes.Clone(k))
		}
		return true
	})
	for _, k := range keys {
		if err := tx.Delete(bAdmins, k); err != nil {
			return err
		}
	}
	return nil
}

// Groups: named sets of users of a domain, for ACL entries "group:NAME".

// AddGroupMember puts user into a group of domain, creating the group.
func (s *Store) AddGroupMember(ctx context.Context, c Caller, domain, group, user string) error {
	return s.changeGroup(c, domain, group, user, true)
}

// DeleteGroupMember takes user out of a group.
func (s *Store) DeleteGroupMember(ctx context.Context, c Caller, domain, group, user string) error {
	return s.changeGroup(c, domain, group, user, false)
}

func (s *Store) changeGroup(c Caller, domain, group, user string, add bool) error {
	d, err := normalizeDomain(domain)
	if err != nil {
		return err
	}
	g := strings.ToLower(strings.TrimPrefix(group, GroupPrefix))
	if err := checkGroupName(g); err != nil {
		return err
	}
	full, _, _, err := normalizeUser(user)
	if err != nil {
		return err
	}
	if err := c.requireAdmin(d); err != nil {
		return err
	}
	key := []byte(d + "\x00" + g + "\x00" + full)
	rev := []byte(full + "\x00" + d + "\x00" + g)
	return s.write(func(w *wtx) error {
		if err := requireDomain(w.tx, d); err != nil {
			return err
		}
		if _, err := getUser(w.tx, full); err != nil {
			return err
		}
		present := w.tx.Get(bGroups, key) != nil
		switch {
		case add && present:
			return errorf(KindExists, "%s is already in group %s of %s", full, g, d)
		case !add && !present:
			return errorf(KindNotFound, "%s is not in group %s of %s", full, g, d)
		case add:
			if err := w.tx.Put(bGroups, key, nil); err != nil {
				return err
			}
			return w.tx.Put(bGroupsByUser, rev, nil)
		}
		if err := w.tx.Delete(bGroups, key); err != nil {
			return err
		}
		return w.tx.Delete(bGroupsByUser, rev)
	})
}

// Groups returns the groups of a domain and their members.
func (s *Store) Groups(ctx context.Context, c Caller, domain string) (map[string][]string, error) {
	d, err := normalizeDomain(domain)
	if err != nil {
		return nil, err
	}
	if err := c.requireAdmin(d); err != nil {
		return nil, err
	}
	out := map[string][]string{}
	err = s.meta.View(func(tx metaTx) error {
		if err := requireDomain(tx, d); err != nil {
			return err
		}
		tx.Scan(bGroups, append([]byte(d), 0), nil, func(k, _ []byte) bool {
			parts := strings.SplitN(string(k), "\x00", 3)
			if len(parts) == 3 {
				out[parts[1]] = append(out[parts[1]], parts[2])
			}
			return true
		})
		return nil
	})
	return out, err
}

func deleteGroupsOfDomain(tx metaTx, domain string) error {
	var keys [][]byte
	tx.Scan(bGroups, append([]byte(domain), 0), nil, func(k, _ []byte) bool {
		keys = append(keys, bytes.Clone(k))
		return true
	})
	for _, k := range keys {
		parts := strings.SplitN(string(k), "\x00", 3)
		tx.Delete(bGroups, k)
		if len(parts) == 3 {
			tx.Delete(bGroupsByUser, []byte(parts[2]+"\x00"+parts[0]+"\x00"+parts[1]))
		}
	}
	return nil
}
