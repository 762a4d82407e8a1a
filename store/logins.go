package store

import (
	"context"
	"encoding/binary"
	"strings"
)

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
