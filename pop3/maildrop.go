package pop3

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"mstore/store"
)

// dropKey names a maildrop across every Server of the process.
type dropKey struct {
	st *store.Store
	id uint64 // mailbox id
}

// dropLocks are RFC 1939's exclusive-access locks on maildrops. One
// process serves a store, so memory is enough.
var dropLocks = struct {
	mu   sync.Mutex
	held map[dropKey]bool // guarded by mu
}{held: map[dropKey]bool{}}

// lockDrop takes the lock of a maildrop; it reports false when another
// session holds it. The returned function releases it.
func lockDrop(st *store.Store, id uint64) (unlock func(), ok bool) {
	k := dropKey{st, id}
	dropLocks.mu.Lock()
	defer dropLocks.mu.Unlock()
	if dropLocks.held[k] {
		return nil, false
	}
	dropLocks.held[k] = true
	return func() {
		dropLocks.mu.Lock()
		delete(dropLocks.held, k)
		dropLocks.mu.Unlock()
	}, true
}

// dropMsg is one message of the snapshot taken at login.
type dropMsg struct {
	uid       uint32
	size      int64 // octets as stored, CRLF line ends, before dot-stuffing
	deleted   bool  // marked by DELE
	retrieved bool  // sent whole by RETR
}

// maildrop is a session's view of its INBOX: the messages there at login,
// numbered from 1, and the DELE marks. It holds the maildrop lock until
// release.
type maildrop struct {
	id          uint64
	name        store.MailboxName
	uidValidity uint32
	rights      store.Rights // the caller's rights at login
	msgs        []dropMsg
	count       int   // messages not marked deleted
	size        int64 // their octets
	unlock      func()
}

// inboxOf is the maildrop of a user: "joe@foo.com" has foo.com's
// user/joe/INBOX.
func inboxOf(user string) (store.MailboxName, error) {
	i := strings.LastIndexByte(user, '@')
	if i <= 0 || i == len(user)-1 {
		return store.MailboxName{}, &store.Error{Kind: store.KindInternal, Msg: fmt.Sprintf("user name %q has no domain", user)}
	}
	return store.MailboxName{Domain: user[i+1:], Name: "user/" + user[:i] + "/INBOX"}, nil
}

// openDrop locks a user's INBOX and takes the snapshot. A maildrop held by
// another session is a KindInUse error.
func openDrop(ctx context.Context, st *store.Store, c store.Caller, user string) (*maildrop, error) {
	name, err := inboxOf(user)
	if err != nil {
		return nil, err
	}
	info, err := st.Mailbox(ctx, c, name)
	if err != nil {
		return nil, err
	}
	unlock, ok := lockDrop(st, info.ID)
	if !ok {
		return nil, &store.Error{Kind: store.KindInUse, Msg: "maildrop " + name.Path() + " is locked by another POP3 session"}
	}
	d := &maildrop{id: info.ID, name: name, uidValidity: info.UIDValidity, rights: info.Rights, unlock: unlock,
		msgs: make([]dropMsg, 0, info.Messages)}
	err = st.Messages(ctx, c, info.ID, 0, func(m store.Message) bool {
		d.msgs = append(d.msgs, dropMsg{uid: m.UID, size: m.Size})
		d.size += m.Size
		return true
	})
	if err != nil {
		unlock()
		return nil, err
	}
	d.count = len(d.msgs)
	return d, nil
}

// release gives up the lock; the maildrop is not used after.
func (d *maildrop) release() {
	if d.unlock != nil {
		d.unlock()
		d.unlock = nil
	}
}

// uidl is the unique-id listing of a message: UIDVALIDITY and UID, which
// together are never given to another message of the mailbox.
func (d *maildrop) uidl(m *dropMsg) string {
	return fmt.Sprintf("%08x%08x", d.uidValidity, m.uid)
}

// mark sets or clears the deleted mark of a message, keeping the counts.
func (d *maildrop) mark(m *dropMsg, deleted bool) {
	if m.deleted == deleted {
		return
	}
	m.deleted = deleted
	if deleted {
		d.count--
		d.size -= m.size
	} else {
		d.count++
		d.size += m.size
	}
}

// lookup finds the message a client names by number. It returns nil and
// the text of the -ERR for a malformed number, one out of range, or one
// marked deleted.
func (d *maildrop) lookup(arg string) (*dropMsg, int, string) {
	n, ok := parseNumber(arg)
	switch {
	case !ok:
		return nil, 0, "-ERR invalid message number"
	case n < 1 || n > len(d.msgs):
		return nil, 0, "-ERR no such message"
	case d.msgs[n-1].deleted:
		return nil, 0, "-ERR message already deleted"
	}
	return &d.msgs[n-1], n, ""
}

// parseNumber reads a decimal number of at most nine digits, no sign.
func parseNumber(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// expungeList is what QUIT removes: the messages marked deleted and, under
// EXPIRE 0, those retrieved.
func (d *maildrop) expungeList(onRetrieve bool) []uint32 {
	var uids []uint32
	for i := range d.msgs {
		if m := &d.msgs[i]; m.deleted || onRetrieve && m.retrieved {
			uids = append(uids, m.uid)
		}
	}
	return uids
}

// releaseDrop drops a session's maildrop without applying its marks.
func (ss *session) releaseDrop() {
	if ss.drop != nil {
		ss.drop.release()
		ss.drop = nil
	}
}
