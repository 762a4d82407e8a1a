package store

import (
	"bytes"
	"context"
)

// Quotas. A root is a user's tree ("user/joe"), a mailbox (a shared folder
// or any sub-mailbox), or a whole domain (""). A mailbox counts towards its
// nearest root and, in addition, towards its domain's root. Usage is kept
// in the same transaction as every append, copy and expunge, so concurrent
// writers can never pass a limit.

const (
	ResourceStorage = "STORAGE"
	ResourceMessage = "MESSAGE"
)

// QuotaInfo describes one quota root. A limit below zero means none.
type QuotaInfo struct {
	Root         string `json:"root"` // "foo.com/users/joe" or "foo.com"
	Domain       string `json:"domain"`
	Name         string `json:"name"` // canonical root name, "" for the domain
	StorageLimit int64  `json:"storage_limit_kib"`
	MessageLimit int64  `json:"message_limit"`
	StorageUsed  int64  `json:"storage_used_kib"` // KiB, rounded up, as RFC 9208 counts
	UsedBytes    int64  `json:"used_bytes"`
	MessagesUsed int64  `json:"messages_used"`
}

func quotaKey(domain, root string) string { return string(nameKey(domain, root)) }

func quotaInfo(domain, root string, q *quotaRec) QuotaInfo {
	return QuotaInfo{Root: canonicalToPath(domain, root), Domain: domain, Name: root,
		StorageLimit: q.StorageLimit, MessageLimit: q.MessageLimit,
		StorageUsed: (q.UsedBytes + 1023) / 1024, UsedBytes: q.UsedBytes, MessagesUsed: q.UsedMessages}
}

// quotaRoots returns the keys of the roots a mailbox counts towards: its
// nearest root, then its domain's root, each only if it exists.
func quotaRoots(w *wtx, domain, name string) ([]string, error) {
	var keys []string
	for p := name; p != ""; p = parentName(p) {
		k := quotaKey(domain, p)
		q, err := w.quota(k)
		if err != nil {
			return nil, err
		}
		if q != nil {
			keys = append(keys, k)
			break
		}
	}
	k := quotaKey(domain, "")
	q, err := w.quota(k)
	if err != nil {
		return nil, err
	}
	if q != nil {
		keys = append(keys, k)
	}
	return keys, nil
}

// chargeQuota adds (or, with negative deltas, takes away) usage on every
// root of mb. With check, an increase that would pass a limit is refused
// and nothing is changed.
func chargeQuota(w *wtx, mb *mailboxRec, dBytes, dMsgs int64, check bool) error {
	keys, err := quotaRoots(w, mb.Domain, mb.Name)
	if err != nil {
		return err
	}
	if check {
		for _, k := range keys {
			if err := fits(w.quotas[k], k, dBytes, dMsgs); err != nil {
				return err
			}
		}
	}
	for _, k := range keys {
		q := w.quotas[k]
		q.UsedBytes = max(q.UsedBytes+dBytes, 0)
		q.UsedMessages = max(q.UsedMessages+dMsgs, 0)
		w.markQuota(k, q)
	}
	return nil
}

// fits reports whether a root can take dBytes and dMsgs more.
func fits(q *quotaRec, key string, dBytes, dMsgs int64) error {
	res, limit := exceeded(q.UsedBytes, q.StorageLimit, q.UsedMessages, q.MessageLimit, dBytes, dMsgs)
	if res == "" {
		return nil
	}
	d, root, _ := bytes.Cut([]byte(key), []byte{0})
	return overQuota(canonicalToPath(string(d), string(root)), res, limit)
}

// Fits reports whether the root can take dBytes more octets and dMsgs more
// messages, by the rule every commit applies: for a door that warns before
// it commits (the commit checks again, under its lock).
func (q QuotaInfo) Fits(dBytes, dMsgs int64) error {
	if res, limit := exceeded(q.UsedBytes, q.StorageLimit, q.MessagesUsed, q.MessageLimit, dBytes, dMsgs); res != "" {
		return overQuota(q.Root, res, limit)
	}
	return nil
}

// exceeded names the resource a root would pass, and its limit, or "".
// Only what grows is checked: a root already past a lowered limit still
// takes what adds nothing to it.
func exceeded(usedBytes, storageKiB, usedMsgs, msgLimit, dBytes, dMsgs int64) (string, int64) {
	if dBytes > 0 && storageKiB >= 0 && usedBytes+dBytes > storageKiB*1024 {
		return ResourceStorage, storageKiB
	}
	if dMsgs > 0 && msgLimit >= 0 && usedMsgs+dMsgs > msgLimit {
		return ResourceMessage, msgLimit
	}
	return "", 0
}

// checkQuota is chargeQuota's test without the charge.
func checkQuota(w *wtx, mb *mailboxRec, dBytes, dMsgs int64) error {
	keys, err := quotaRoots(w, mb.Domain, mb.Name)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := fits(w.quotas[k], k, dBytes, dMsgs); err != nil {
			return err
		}
	}
	return nil
}

// SetQuota sets the limits of a root, given as "foo.com", "foo.com/users/joe"
// or a mailbox path. A nil limit is no limit; with both nil the root is
// removed. Administrators of the domain only.
func (s *Store) SetQuota(ctx context.Context, c Caller, root string, storageKiB, messages *int64) error {
	domain, name, err := ParseQuotaRoot(root)
	if err != nil {
		return err
	}
	for _, v := range []*int64{storageKiB, messages} {
		if v != nil && *v < 0 {
			return errorf(KindInvalid, "quota limit %d: limits cannot be below zero", *v)
		}
	}
	if err := c.requireAdmin(domain); err != nil {
		return err
	}
	return s.write(func(w *wtx) error {
		if err := requireDomain(w.tx, domain); err != nil {
			return err
		}
		if name != "" {
			if err := quotaRootExists(w.tx, domain, name); err != nil {
				return err
			}
		}
		key := quotaKey(domain, name)
		q, err := w.quota(key)
		if err != nil {
			return err
		}
		if storageKiB == nil && messages == nil {
			if q == nil {
				return errorf(KindNotFound, "quota root %s does not exist", canonicalToPath(domain, name))
			}
			w.markQuota(key, nil)
		} else {
			if q == nil {
				q = &quotaRec{}
			}
			q.StorageLimit, q.MessageLimit = -1, -1
			if storageKiB != nil {
				q.StorageLimit = *storageKiB
			}
			if messages != nil {
				q.MessageLimit = *messages
			}
			w.markQuota(key, q)
		}
		return recountQuotas(w, domain)
	})
}

// quotaRootExists accepts a user's tree of an existing user, or an existing
// mailbox.
func quotaRootExists(tx metaTx, domain, name string) error {
	if local, ok := ownerLocal(name); ok && name == userRoot(local) {
		_, err := getUser(tx, local+"@"+domain)
		return err
	}
	_, err := getMailboxByName(tx, MailboxName{Domain: domain, Name: name})
	return err
}

// recountQuotas recomputes the usage of every root of a domain from the
// mailbox records, after a root was added or removed.
func recountQuotas(w *wtx, domain string) error {
	var roots []string
	w.tx.Scan(bQuota, nameKey(domain, ""), nil, func(k, _ []byte) bool {
		roots = append(roots, string(k))
		return true
	})
	for _, k := range roots {
		q, err := w.quota(k)
		if err != nil {
			return err
		}
		if q != nil {
			q.UsedBytes, q.UsedMessages = 0, 0
			w.markQuota(k, q)
		}
	}
	for _, id := range mailboxIDsUnder(w.tx, domain, "") {
		mb, err := w.mailbox(id)
		if err != nil {
			return err
		}
		if err := chargeQuota(w, mb, int64(mb.Size), int64(mb.Messages), false); err != nil {
			return err
		}
	}
	return nil
}

// Quota returns one root.
func (s *Store) Quota(ctx context.Context, c Caller, root string) (QuotaInfo, error) {
	domain, name, err := ParseQuotaRoot(root)
	if err != nil {
		return QuotaInfo{}, err
	}
	// Only administrators and the root's owner may read it; to anyone else
	// every root is missing, so none can be probed for.
	if !c.IsAdmin(domain) && !ownsRoot(c, domain, name) {
		return QuotaInfo{}, errorf(KindNotFound, "quota root %s does not exist", canonicalToPath(domain, name))
	}
	var info QuotaInfo
	err = s.meta.View(func(tx metaTx) error {
		v := tx.Get(bQuota, nameKey(domain, name))
		if v == nil {
			return errorf(KindNotFound, "quota root %s does not exist", canonicalToPath(domain, name))
		}
		q, err := decodeQuota(v)
		if err != nil {
			return internalErr(err, "decode quota")
		}
		info = quotaInfo(domain, name, q)
		return nil
	})
	return info, err
}

func ownsRoot(c Caller, domain, name string) bool {
	local, ok := ownerLocal(name)
	return ok && c.User() == local+"@"+domain
}

// Quotas lists every root of the domains the caller administers.
func (s *Store) Quotas(ctx context.Context, c Caller) ([]QuotaInfo, error) {
	var out []QuotaInfo
	err := s.meta.View(func(tx metaTx) error {
		tx.Scan(bQuota, nil, nil, func(k, v []byte) bool {
			d, name, _ := bytes.Cut(k, []byte{0})
			if !c.IsAdmin(string(d)) {
				return true
			}
			if q, err := decodeQuota(v); err == nil {
				out = append(out, quotaInfo(string(d), string(name), q))
			}
			return true
		})
		return nil
	})
	return out, err
}

// QuotaRootsOf returns the roots a mailbox counts towards (RFC 9208's
// GETQUOTAROOT); the caller needs to see the mailbox.
func (s *Store) QuotaRootsOf(ctx context.Context, c Caller, n MailboxName) ([]QuotaInfo, error) {
	var out []QuotaInfo
	err := s.meta.View(func(tx metaTx) error {
		mb, err := getMailboxByName(tx, n)
		if err != nil {
			return err
		}
		if err := visible(c, mb, n); err != nil {
			return err
		}
		for p := mb.Name; p != ""; p = parentName(p) {
			if v := tx.Get(bQuota, nameKey(mb.Domain, p)); v != nil {
				if q, err := decodeQuota(v); err == nil {
					out = append(out, quotaInfo(mb.Domain, p, q))
				}
				break
			}
		}
		if v := tx.Get(bQuota, nameKey(mb.Domain, "")); v != nil {
			if q, err := decodeQuota(v); err == nil {
				out = append(out, quotaInfo(mb.Domain, "", q))
			}
		}
		return nil
	})
	return out, err
}
