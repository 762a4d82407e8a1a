package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"sort"
	"strings"
	"time"
)

// MailboxInfo is a mailbox's state as one caller sees it.
type MailboxInfo struct {
	ID            uint64      `json:"id"`
	Name          MailboxName `json:"-"`
	Path          string      `json:"path"`
	Owner         string      `json:"owner,omitempty"` // "" for a shared folder
	Partition     string      `json:"partition"`
	UIDValidity   uint32      `json:"uidvalidity"`
	UIDNext       uint32      `json:"uidnext"`
	HighestModSeq uint64      `json:"highestmodseq"`
	SpecialUse    []string    `json:"special_use,omitempty"`
	Keywords      []string    `json:"keywords,omitempty"`
	Messages      uint32      `json:"messages"`
	Unseen        uint32      `json:"unseen"` // as the caller sees \Seen
	// OwnerUnseen is what the owner has not seen, whoever asks, as an
	// administrator wants to know it; 0 for a shared folder, where every
	// reader keeps their own \Seen.
	OwnerUnseen  uint32    `json:"owner_unseen"`
	Deleted      uint32    `json:"deleted"`
	Size         uint64    `json:"size"`
	Rights       Rights    `json:"-"`
	RightsString string    `json:"rights"`
	Created      time.Time `json:"created"`
}

// CreateOptions shape a new mailbox.
type CreateOptions struct {
	SpecialUse SpecialUse
}

func mailboxIDByName(tx metaTx, n MailboxName) (uint64, bool) {
	v := tx.Get(bMailboxNames, nameKey(n.Domain, n.Name))
	if len(v) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(v), true
}

func getMailbox(tx metaTx, id uint64) (*mailboxRec, error) {
	v := tx.Get(bMailboxes, be64(id))
	if v == nil {
		return nil, errorf(KindNotFound, "mailbox %d does not exist", id)
	}
	mb, err := decodeMailbox(v)
	return mb, internalErr(err, "decode mailbox")
}

func getMailboxByName(tx metaTx, n MailboxName) (*mailboxRec, error) {
	id, ok := mailboxIDByName(tx, n)
	if !ok {
		return nil, errorf(KindNotFound, "mailbox %s does not exist", n)
	}
	return getMailbox(tx, id)
}

// visible returns the mailbox if the caller may know it exists: RFC 4314
// makes a mailbox without l and r look like one that does not exist.
func visible(c Caller, mb *mailboxRec, n MailboxName) error {
	if c.rights(mb)&(RightLookup|RightRead) == 0 {
		return errorf(KindNotFound, "mailbox %s does not exist", n)
	}
	return nil
}

// need checks a right. A caller without l and r learns nothing about the
// mailbox, except that a drop box (i or p alone) takes their messages.
func need(c Caller, mb *mailboxRec, want Rights, what string) error {
	r := c.rights(mb)
	if r&(RightLookup|RightRead) == 0 && !(want&^(RightInsert|RightPost) == 0 && r.Has(want)) {
		return errorf(KindNotFound, "mailbox %s does not exist", mb.name())
	}
	if !r.Has(want) {
		return errorf(KindNoPerm, "%s may not %s in %s (needs %q)", c, what, mb.name(), want.String())
	}
	return nil
}

// mailboxIDsUnder lists the mailboxes named root or below it in a domain
// (every mailbox of the domain when root is "").
func mailboxIDsUnder(tx metaTx, domain, root string) []uint64 {
	var out []uint64
	prefix := nameKey(domain, root)
	tx.Scan(bMailboxNames, prefix, nil, func(k, v []byte) bool {
		if root == "" || isUnder(string(k[len(domain)+1:]), root) {
			out = append(out, binary.BigEndian.Uint64(v))
		}
		return true
	})
	return out
}

// createMailboxTx adds a mailbox record. The mailbox's directory is made
// when its first message arrives.
func createMailboxTx(w *wtx, domain, name string, owner uint64, part string, use SpecialUse, acl ACL) (*mailboxRec, error) {
	n := MailboxName{Domain: domain, Name: name}
	if _, ok := mailboxIDByName(w.tx, n); ok {
		return nil, errorf(KindExists, "mailbox %s already exists", n)
	}
	id, err := nextID(w.tx, "next-mailbox-id")
	if err != nil {
		return nil, err
	}
	uv, err := newUIDValidity(w.tx)
	if err != nil {
		return nil, err
	}
	mb := &mailboxRec{ID: id, Domain: domain, Name: name, Owner: owner, Partition: part,
		UIDValidity: uv, UIDNext: 1, HighestModSeq: 1, SpecialUse: use, ACL: acl, Created: time.Now().Unix()}
	if err := w.tx.Put(bMailboxNames, nameKey(domain, name), be64(id)); err != nil {
		return nil, err
	}
	w.markMailbox(mb)
	w.emit(Event{Kind: EventMailboxCreate, Mailbox: id, Name: n, ModSeq: mb.HighestModSeq})
	return mb, nil
}

// deleteMailboxTx removes a mailbox's records and takes its usage off its
// quota roots; the caller removes its bodies after the commit.
func deleteMailboxTx(w *wtx, id uint64) (*mailboxRec, error) {
	mb, err := w.mailbox(id)
	if err != nil {
		return nil, err
	}
	prefix := be64(id)
	// Its tombstones go too: a mailbox created later under the name has a
	// new UIDVALIDITY, which tells clients to forget the old UIDs.
	for _, b := range []bucketID{bMessages, bMsgCache, bMsgNames, bSeen, bVanished} {
		if err := deletePrefix(w.tx, b, prefix); err != nil {
			return nil, err
		}
	}
	if err := w.tx.Delete(bMailboxNames, nameKey(mb.Domain, mb.Name)); err != nil {
		return nil, err
	}
	if err := w.tx.Delete(bMailboxes, prefix); err != nil {
		return nil, err
	}
	if err := chargeQuota(w, mb, -int64(mb.Size), -int64(mb.Messages), false); err != nil {
		return nil, err
	}
	w.forgetMailbox(id)
	w.emit(Event{Kind: EventMailboxDelete, Mailbox: id, Name: mb.name()})
	return mb, nil
}

// removeBodies deletes the files of mailboxes whose records are gone.
func (s *Store) removeBodies(mbs []*mailboxRec) {
	for _, mb := range mbs {
		s.dropSeq(mb.ID)
		if err := s.blobs.RemoveMailbox(mb.Partition, mb.ID); err != nil {
			s.log.Warn("removing mailbox files", "mailbox", mb.name().Path(), "err", err)
		}
	}
}

// mayCreate decides whether the caller may create name: with k on the
// nearest existing ancestor mailbox they can see, or, where there is none,
// as the owner of a personal tree or an administrator. It is asked before
// anything else about the name, and a mailbox the caller cannot see counts
// as missing, so a refusal never tells whether a name, a user or a domain
// exists.
func mayCreate(tx metaTx, c Caller, n MailboxName) error {
	if c.IsAdmin(n.Domain) {
		return nil
	}
	local, personal := ownerLocal(n.Name)
	for p := parentName(n.Name); p != "" && p != "user" && p != "shared"; p = parentName(p) {
		if personal && p == userRoot(local) {
			break
		}
		parent, err := getMailboxByName(tx, MailboxName{n.Domain, p})
		if err != nil {
			continue
		}
		r := c.rights(parent)
		if r&(RightLookup|RightRead) == 0 {
			continue // invisible: as if it were not there
		}
		if !r.Has(RightCreate) {
			return errorf(KindNoPerm, "%s may not create mailboxes in %s", c, parent.name())
		}
		return nil
	}
	if personal && c.User() == local+"@"+n.Domain {
		return nil
	}
	return errorf(KindNoPerm, "%s may not create %s", c, n)
}

// CreateMailbox creates a mailbox and any missing mailboxes above it. A new
// mailbox takes its parent's ACL; one at the top of a personal tree gives
// its owner every right.
func (s *Store) CreateMailbox(ctx context.Context, c Caller, n MailboxName, opts CreateOptions) (MailboxInfo, error) {
	name, err := checkMailboxName(n.Name)
	if err != nil {
		return MailboxInfo{}, err
	}
	if n.Domain, err = normalizeDomain(n.Domain); err != nil {
		return MailboxInfo{}, err
	}
	n.Name = name
	var ownerName string
	if local, ok := ownerLocal(name); ok {
		ownerName = local + "@" + n.Domain
	}
	part := s.choosePartition(n.Domain, ownerName)
	var mb *mailboxRec
	err = s.write(func(w *wtx) error {
		if err := mayCreate(w.tx, c, n); err != nil {
			return err
		}
		if err := requireDomain(w.tx, n.Domain); err != nil {
			return err
		}
		var owner uint64
		if ownerName != "" {
			u, err := getUser(w.tx, ownerName)
			if err != nil {
				return err
			}
			owner = u.ID
		}
		if _, ok := mailboxIDByName(w.tx, n); ok {
			return errorf(KindExists, "mailbox %s already exists", n)
		}
		// Create from the top down so each level inherits from the last.
		var missing []string
		for p := name; p != ""; p = parentName(p) {
			if local, ok := ownerLocal(name); ok && p == userRoot(local) || p == "shared" {
				break
			}
			if _, ok := mailboxIDByName(w.tx, MailboxName{n.Domain, p}); ok {
				break
			}
			missing = append(missing, p)
		}
		var acl ACL
		if parent := parentName(missing[len(missing)-1]); parent != "" {
			if pm, err := getMailboxByName(w.tx, MailboxName{n.Domain, parent}); err == nil {
				acl = pm.ACL
			}
		}
		if acl == nil && ownerName != "" {
			acl = ACL{{Identifier: ownerName, Rights: AllRights}}
		}
		for i := len(missing) - 1; i >= 0; i-- {
			use := SpecialUse(0)
			if i == 0 {
				use = opts.SpecialUse
			}
			created, err := createMailboxTx(w, n.Domain, missing[i], owner, part, use, append(ACL(nil), acl...))
			if err != nil {
				return err
			}
			mb = created
		}
		return nil
	})
	if err != nil {
		return MailboxInfo{}, err
	}
	return s.info(c, mb, ownerName, nil), nil
}

// DeleteMailbox deletes a mailbox and its messages (right x). Mailboxes
// below it stay. A user's INBOX goes only with the user.
func (s *Store) DeleteMailbox(ctx context.Context, c Caller, n MailboxName) error {
	name, err := checkMailboxName(n.Name)
	if err != nil {
		return err
	}
	n.Name = name
	if local, ok := ownerLocal(name); ok && name == userRoot(local)+"/"+inboxName {
		return errorf(KindNotPossible, "%s: a user's INBOX cannot be deleted", n)
	}
	var removed *mailboxRec
	err = s.write(func(w *wtx) error {
		mb, err := getMailboxByName(w.tx, n)
		if err != nil {
			return err
		}
		if err := need(c, mb, RightDeleteMbox, "delete the mailbox"); err != nil {
			return err
		}
		removed, err = deleteMailboxTx(w, mb.ID)
		return err
	})
	if err == nil {
		s.removeBodies([]*mailboxRec{removed})
	}
	return err
}

// RenameMailbox renames a mailbox and every mailbox below it. No file moves
// and UIDVALIDITY stays. Renaming a user's INBOX moves its messages to the
// new name and leaves an empty INBOX, as RFC 3501 asks.
func (s *Store) RenameMailbox(ctx context.Context, c Caller, from, to MailboxName) error {
	var err error
	if from.Name, err = checkMailboxName(from.Name); err != nil {
		return err
	}
	if to.Name, err = checkMailboxName(to.Name); err != nil {
		return err
	}
	if from.Domain != to.Domain {
		return errorf(KindNotPossible, "cannot rename %s to another domain", from)
	}
	if from.Name == to.Name {
		return errorf(KindExists, "mailbox %s already exists", to)
	}
	if isUnder(to.Name, from.Name) {
		return errorf(KindNotPossible, "cannot rename %s into itself", from)
	}
	var newOwnerName string
	if local, ok := ownerLocal(to.Name); ok {
		newOwnerName = local + "@" + to.Domain
	}
	fromInbox := false
	if local, ok := ownerLocal(from.Name); ok && from.Name == userRoot(local)+"/"+inboxName {
		fromInbox = true
	}
	part := s.choosePartition(from.Domain, newOwnerName)
	return s.write(func(w *wtx) error {
		src, err := getMailboxByName(w.tx, from)
		if err != nil {
			return err
		}
		if err := need(c, src, RightDeleteMbox, "rename the mailbox"); err != nil {
			return err
		}
		if err := mayCreate(w.tx, c, to); err != nil {
			return err
		}
		if _, ok := mailboxIDByName(w.tx, to); ok {
			return errorf(KindExists, "mailbox %s already exists", to)
		}
		var newOwner uint64
		if newOwnerName != "" {
			u, err := getUser(w.tx, newOwnerName)
			if err != nil {
				return err
			}
			newOwner = u.ID
		}
		ids := []uint64{src.ID}
		if !fromInbox {
			ids = mailboxIDsUnder(w.tx, from.Domain, from.Name)
		}
		for _, id := range ids {
			mb, err := w.mailbox(id)
			if err != nil {
				return err
			}
			newName := to.Name + strings.TrimPrefix(mb.Name, from.Name)
			if _, ok := mailboxIDByName(w.tx, MailboxName{to.Domain, newName}); ok {
				return errorf(KindExists, "mailbox %s already exists", MailboxName{to.Domain, newName})
			}
			if err := renameOne(w, mb, newName, newOwner, newOwnerName); err != nil {
				return err
			}
		}
		if fromInbox {
			acl := ACL{{Identifier: src.ownerIdent(w.tx), Rights: AllRights}}
			if _, err := createMailboxTx(w, from.Domain, from.Name, src.Owner, part, 0, acl); err != nil {
				return err
			}
		}
		return renameSubscriptions(w.tx, from, to, fromInbox)
	})
}

func (mb *mailboxRec) ownerIdent(tx metaTx) string {
	if u, err := getUserByID(tx, mb.Owner); err == nil {
		return u.Name
	}
	return ""
}

// renameOne moves one mailbox to a new name, moving its usage between quota
// roots and its owner's ACL entry to a new owner.
func renameOne(w *wtx, mb *mailboxRec, newName string, newOwner uint64, newOwnerName string) error {
	old := mb.name()
	if err := chargeQuota(w, mb, -int64(mb.Size), -int64(mb.Messages), false); err != nil {
		return err
	}
	if err := w.tx.Delete(bMailboxNames, nameKey(mb.Domain, mb.Name)); err != nil {
		return err
	}
	if mb.Owner != newOwner {
		oldOwner := mb.ownerIdent(w.tx)
		for i, e := range mb.ACL {
			if e.Identifier == oldOwner && newOwnerName != "" {
				mb.ACL[i].Identifier = newOwnerName
			}
		}
		mb.ACL = mb.ACL.with(ACLEntry{}) // re-sort
		mb.Owner = newOwner
	}
	mb.Name = newName
	if err := chargeQuota(w, mb, int64(mb.Size), int64(mb.Messages), true); err != nil {
		return err
	}
	if err := w.tx.Put(bMailboxNames, nameKey(mb.Domain, mb.Name), be64(mb.ID)); err != nil {
		return err
	}
	mb.HighestModSeq++
	w.markMailbox(mb)
	w.emit(Event{Kind: EventMailboxRename, Mailbox: mb.ID, Name: mb.name(), OldName: old, ModSeq: mb.HighestModSeq})
	return nil
}

func renameSubscriptions(tx metaTx, from, to MailboxName, onlyThis bool) error {
	type change struct{ old, new []byte }
	var changes []change
	tx.Scan(bSubs, nil, nil, func(k, _ []byte) bool {
		d, name, ok := bytes.Cut(k[8:], []byte{0})
		if !ok || string(d) != from.Domain {
			return true
		}
		n := string(name)
		if n == from.Name || (!onlyThis && isUnder(n, from.Name)) {
			nk := append(bytes.Clone(k[:8]), nameKey(to.Domain, to.Name+strings.TrimPrefix(n, from.Name))...)
			changes = append(changes, change{bytes.Clone(k), nk})
		}
		return true
	})
	for _, ch := range changes {
		if err := tx.Delete(bSubs, ch.old); err != nil {
			return err
		}
		if err := tx.Put(bSubs, ch.new, nil); err != nil {
			return err
		}
	}
	return nil
}

// SetSpecialUse replaces a mailbox's special-use attributes (right a... or
// the owner's implicit rights).
func (s *Store) SetSpecialUse(ctx context.Context, c Caller, n MailboxName, use SpecialUse) error {
	return s.write(func(w *wtx) error {
		mb, err := w.mailboxNamed(c, n, RightAdmin, "set special-use attributes")
		if err != nil {
			return err
		}
		mb.SpecialUse = use
		w.markMailbox(mb)
		return nil
	})
}

// info builds the caller's view of a mailbox record. seenByCaller is the
// number of messages the caller has seen when they are not the owner.
func (s *Store) info(c Caller, mb *mailboxRec, ownerName string, tx metaTx) MailboxInfo {
	r := c.rights(mb)
	in := MailboxInfo{ID: mb.ID, Name: mb.name(), Path: mb.name().Path(), Owner: ownerName, Partition: mb.Partition,
		UIDValidity: mb.UIDValidity, UIDNext: mb.UIDNext, HighestModSeq: mb.HighestModSeq,
		SpecialUse: mb.SpecialUse.Names(), Keywords: mb.Keywords, Messages: mb.Messages,
		Unseen: mb.Unseen, Deleted: mb.Deleted, Size: mb.Size, Rights: r, RightsString: r.String(),
		Created: time.Unix(mb.Created, 0)}
	if mb.Owner != 0 {
		in.OwnerUnseen = mb.Unseen
	}
	if tx != nil && privateSeen(c, mb) {
		var seen uint32
		tx.Scan(bSeen, seenPrefix(mb.ID, c.UserID()), nil, func(_, _ []byte) bool {
			seen++
			return true
		})
		in.Unseen = mb.Messages - min(seen, mb.Messages)
	}
	return in
}

// privateSeen reports whether the caller's \Seen in this mailbox is their
// own: every reader but the owner keeps their own \Seen.
func privateSeen(c Caller, mb *mailboxRec) bool {
	return c.kind == callerUser && c.userID != mb.Owner
}

// Mailbox returns a mailbox's state (the caller needs l or r to see it).
func (s *Store) Mailbox(ctx context.Context, c Caller, n MailboxName) (MailboxInfo, error) {
	name, err := checkMailboxName(n.Name)
	if err != nil {
		return MailboxInfo{}, err
	}
	n.Name = name
	var info MailboxInfo
	err = s.meta.View(func(tx metaTx) error {
		mb, err := getMailboxByName(tx, n)
		if err != nil {
			return err
		}
		if err := visible(c, mb, n); err != nil {
			return err
		}
		info = s.info(c, mb, mb.ownerIdent(tx), tx)
		return nil
	})
	return info, err
}

// MailboxByID returns a mailbox's state by id.
func (s *Store) MailboxByID(ctx context.Context, c Caller, id uint64) (MailboxInfo, error) {
	var info MailboxInfo
	err := s.meta.View(func(tx metaTx) error {
		mb, err := getMailbox(tx, id)
		if err != nil {
			return err
		}
		if err := visible(c, mb, mb.name()); err != nil {
			return err
		}
		info = s.info(c, mb, mb.ownerIdent(tx), tx)
		return nil
	})
	return info, err
}

// ListQuery selects mailboxes.
type ListQuery struct {
	Domain string // "" for every domain
	// Prefix keeps canonical names equal to it or below it ("user/joe").
	Prefix string
	// Pattern, when set, keeps canonical names it matches: "*" matches
	// anything, "%" anything but the delimiter.
	Pattern string
	// NeedRights keeps only mailboxes where the caller holds all of these
	// (default: l).
	NeedRights Rights
}

// ListMailboxes returns the mailboxes the caller may see, sorted by domain
// and name.
func (s *Store) ListMailboxes(ctx context.Context, c Caller, q ListQuery) ([]MailboxInfo, error) {
	if q.NeedRights == 0 {
		q.NeedRights = RightLookup
	}
	var out []MailboxInfo
	err := s.meta.View(func(tx metaTx) error {
		var prefix []byte
		if q.Domain != "" {
			d, err := normalizeDomain(q.Domain)
			if err != nil {
				return err
			}
			prefix = nameKey(d, q.Prefix)
		}
		owners := map[uint64]string{}
		tx.Scan(bMailboxNames, prefix, nil, func(k, v []byte) bool {
			_, name, _ := bytes.Cut(k, []byte{0})
			if q.Prefix != "" && !isUnder(string(name), q.Prefix) {
				return true
			}
			if q.Pattern != "" && !MatchPattern(q.Pattern, string(name)) {
				return true
			}
			mb, err := getMailbox(tx, binary.BigEndian.Uint64(v))
			if err != nil || !c.rights(mb).Has(q.NeedRights) {
				return true
			}
			owner, ok := owners[mb.Owner]
			if !ok {
				owner = mb.ownerIdent(tx)
				owners[mb.Owner] = owner
			}
			out = append(out, s.info(c, mb, owner, tx))
			return true
		})
		return nil
	})
	return out, err
}

// MatchPattern matches a name against an IMAP LIST pattern: "*" matches
// any run of characters, "%" any run without the delimiter.
func MatchPattern(pattern, name string) bool {
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*', '%':
			wild := pattern[0]
			pattern = pattern[1:]
			for i := 0; i <= len(name); i++ {
				if MatchPattern(pattern, name[i:]) {
					return true
				}
				if i < len(name) && wild == '%' && name[i] == '/' {
					return false
				}
			}
			return false
		default:
			if len(name) == 0 || name[0] != pattern[0] {
				return false
			}
			pattern, name = pattern[1:], name[1:]
		}
	}
	return len(name) == 0
}

// Subscriptions.

func subKey(user uint64, n MailboxName) []byte {
	return append(be64(user), nameKey(n.Domain, n.Name)...)
}

// Subscribe adds a mailbox to the caller's subscriptions. The mailbox need
// not exist (RFC 3501 allows subscribing to a name that will).
func (s *Store) Subscribe(ctx context.Context, c Caller, n MailboxName) error {
	return s.setSubscription(c, n, true)
}

// Unsubscribe removes a mailbox from the caller's subscriptions.
func (s *Store) Unsubscribe(ctx context.Context, c Caller, n MailboxName) error {
	return s.setSubscription(c, n, false)
}

func (s *Store) setSubscription(c Caller, n MailboxName, on bool) error {
	if c.kind != callerUser {
		return errorf(KindNotPossible, "only users have subscriptions")
	}
	name, err := checkMailboxName(n.Name)
	if err != nil {
		return err
	}
	n.Name = name
	return s.write(func(w *wtx) error {
		key := subKey(c.userID, n)
		if on {
			return w.tx.Put(bSubs, key, nil)
		}
		if w.tx.Get(bSubs, key) == nil {
			return errorf(KindNotFound, "not subscribed to %s", n)
		}
		return w.tx.Delete(bSubs, key)
	})
}

// Subscriptions lists the caller's subscribed names, sorted.
func (s *Store) Subscriptions(ctx context.Context, c Caller) ([]MailboxName, error) {
	var out []MailboxName
	err := s.meta.View(func(tx metaTx) error {
		tx.Scan(bSubs, be64(c.userID), nil, func(k, _ []byte) bool {
			d, name, _ := bytes.Cut(k[8:], []byte{0})
			out = append(out, MailboxName{Domain: string(d), Name: string(name)})
			return true
		})
		return nil
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].Domain != out[j].Domain {
			return out[i].Domain < out[j].Domain
		}
		return out[i].Name < out[j].Name
	})
	return out, err
}
