package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"sort"
	"strings"
)

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

// AdminScope says which administrator powers DeleteAdmin takes away: all
// of them, or the one over Domain ("" is the power over every domain).
type AdminScope struct {
	All    bool
	Domain string
}

// AllPowers is the scope of every power a user holds.
var AllPowers = AdminScope{All: true}

// DeleteAdmin takes away a user's administrator powers within scope. With
// AllPowers the caller must be able to take away every power the user
// holds; nothing is taken away otherwise.
func (s *Store) DeleteAdmin(ctx context.Context, c Caller, user string, scope AdminScope) error {
	full, _, _, err := normalizeUser(user)
	if err != nil {
		return err
	}
	if !scope.All && scope.Domain != "" {
		if scope.Domain, err = normalizeDomain(scope.Domain); err != nil {
			return err
		}
	}
	return s.write(func(w *wtx) error {
		u, err := getUser(w.tx, full)
		if err != nil {
			return err
		}
		var keys [][]byte
		w.tx.Scan(bAdmins, be64(u.ID), nil, func(k, _ []byte) bool {
			if scope.All || string(k[8:]) == scope.Domain {
				keys = append(keys, bytes.Clone(k))
			}
			return true
		})
		if len(keys) == 0 {
			if scope.All {
				return errorf(KindNotFound, "%s is not an administrator", full)
			}
			return errorf(KindNotFound, "%s is not an administrator of %s", full, orEvery(scope.Domain))
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
