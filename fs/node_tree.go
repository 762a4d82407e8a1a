package fs

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"mstore/store"
)

// treeNode is what a user's tree, the shared tree and a mailbox directory
// share: each holds mailbox levels, looked up and listed through the
// store, and made, removed and renamed with mkdir, rmdir and rename. A
// mailbox directory also holds messages (node_mailbox.go).
type treeNode struct {
	gofs.Inode
	m        *Mounted
	domain   string
	domainID uint64
	id       uint64    // mailbox id; 0 for a user's tree, the shared tree and a level that is no mailbox
	fixed    string    // canonical name of a user's tree or the shared tree ("user/joe", "shared")
	since    time.Time // shown as the time of a directory that has none of its own

	mu        sync.Mutex        // protects the fields below
	nameGen   uint64            // m.treeGen when name was read; 0: never
	name      string            // canonical name ("user/joe/INBOX")
	levelsGen uint64            // m.treeGen when levels were read; 0: never
	levelsOf  string            // the canonical name levels were read for
	levels    []level           // the levels below, as the store sees them
	created   time.Time         // the mailbox's creation time, once read
	names     map[uint32]string // UID → name of each message the kernel was given
}

// treeDir is every node built on treeNode.
type treeDir interface {
	gofs.InodeEmbedder
	tree() *treeNode
}

func (n *treeNode) tree() *treeNode { return n }

func (n *treeNode) init(m *Mounted, domain string, domainID, id uint64, since time.Time) {
	n.m, n.domain, n.domainID, n.id, n.since = m, domain, domainID, id, since
	n.names = map[uint32]string{}
}

var errOrphan = &store.Error{Kind: store.KindNotFound, Msg: "directory is no longer in the tree"}

// canonical is the directory's canonical name: fixed for a user's and the
// shared tree, the store's for a mailbox (it follows renames made by any
// door), and its parent's name plus its own for a level that is no
// mailbox.
func (n *treeNode) canonical(ctx context.Context) (string, error) {
	if n.fixed != "" {
		return n.fixed, nil
	}
	gen := n.m.treeGen.Load()
	n.mu.Lock()
	if n.nameGen == gen {
		name := n.name
		n.mu.Unlock()
		return name, nil
	}
	n.mu.Unlock()
	var name string
	if n.id != 0 {
		info, err := n.m.st.MailboxByID(ctx, store.System(), n.id)
		switch {
		case err == nil:
			name = info.Name.Name
			n.mu.Lock()
			n.created = info.Created
			n.mu.Unlock()
		case store.KindOf(err) != store.KindNotFound:
			return "", err
		}
	}
	if name == "" {
		own, parent := n.Parent()
		pt, ok := parentTree(parent)
		if !ok {
			// Not in the tree yet (just made by a lookup), or no longer.
			n.mu.Lock()
			name := n.name
			n.mu.Unlock()
			if name == "" {
				return "", errOrphan
			}
			return name, nil
		}
		pname, err := pt.canonical(ctx)
		if err != nil {
			return "", err
		}
		name = pname + store.Delimiter + own
	}
	n.mu.Lock()
	n.name, n.nameGen = name, gen
	n.mu.Unlock()
	return name, nil
}

func parentTree(p *gofs.Inode) (*treeNode, bool) {
	if p == nil {
		return nil, false
	}
	t, ok := p.Operations().(treeDir)
	if !ok {
		return nil, false
	}
	return t.tree(), true
}

// subLevels returns the levels below this directory and its canonical
// name, from the cache while the tree has not changed.
func (n *treeNode) subLevels(ctx context.Context) ([]level, string, error) {
	return n.readLevels(ctx, false)
}

// readLevels is subLevels; fresh reads the store even when the cache looks
// current: the event of a change made by another door reaches the cache
// a moment after the change.
func (n *treeNode) readLevels(ctx context.Context, fresh bool) ([]level, string, error) {
	gen := n.m.treeGen.Load()
	canon, err := n.canonical(ctx)
	if err != nil {
		return nil, "", err
	}
	n.mu.Lock()
	if !fresh && n.levelsGen == gen && n.levelsOf == canon {
		lv := n.levels
		n.mu.Unlock()
		return lv, canon, nil
	}
	n.mu.Unlock()
	lv, err := n.m.levelsUnder(ctx, n.domain, canon)
	if err != nil {
		return nil, "", err
	}
	n.mu.Lock()
	n.levels, n.levelsGen, n.levelsOf = lv, gen, canon
	n.mu.Unlock()
	return lv, canon, nil
}

func findLevel(lv []level, name string) (level, bool) {
	i, ok := slices.BinarySearchFunc(lv, name, func(l level, name string) int { return strings.Compare(l.name, name) })
	if !ok {
		return level{}, false
	}
	return lv[i], true
}

// remember records the name under which the kernel was given a message,
// so that an expunge by any door can take it out of the kernel's cache.
func (n *treeNode) remember(uid uint32, name string) {
	n.mu.Lock()
	n.names[uid] = name
	n.mu.Unlock()
}

func (n *treeNode) forgetName(uid uint32, name string) {
	n.mu.Lock()
	if n.names[uid] == name {
		delete(n.names, uid)
	}
	n.mu.Unlock()
}

// takeNames removes and returns the names recorded for uids.
func (n *treeNode) takeNames(uids []uint32) []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, uid := range uids {
		if name, ok := n.names[uid]; ok {
			out = append(out, name)
			delete(n.names, uid)
		}
	}
	return out
}

func (n *treeNode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	lv, canon, err := n.subLevels(ctx)
	if err != nil {
		return nil, n.m.errno(ctx, "lookup", err)
	}
	c := n.m.callers.of(ctx)
	if l, ok := findLevel(lv, name); ok {
		return n.lookupLevel(ctx, c, canon, l, out)
	}
	if n.id != 0 {
		msg, err := n.m.st.MessageByName(ctx, c, n.id, name)
		if err == nil {
			return n.messageChild(ctx, &msg, out), 0
		}
		if !isNotFound(err) {
			return nil, n.m.errno(ctx, "lookup message", err)
		}
	}
	// Not in the cache: a mailbox made by another door a moment ago?
	lv, canon, err = n.readLevels(ctx, true)
	if err != nil {
		return nil, n.m.errno(ctx, "lookup", err)
	}
	if l, ok := findLevel(lv, name); ok {
		return n.lookupLevel(ctx, c, canon, l, out)
	}
	return nil, syscall.ENOENT
}

func (n *treeNode) lookupLevel(ctx context.Context, c store.Caller, canon string, l level, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if ok, err := n.m.canSee(ctx, c, n.domain, canon+store.Delimiter+l.name); err != nil || !ok {
		return nil, syscall.ENOENT
	}
	return n.levelChild(ctx, c, canon, l, out)
}

// levelChild returns the node of a directory below this one.
func (n *treeNode) levelChild(ctx context.Context, c store.Caller, canon string, l level, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	num := ino(kindMailbox, l.id)
	if l.id == 0 {
		num = folderIno(n.domainID, canon+store.Delimiter+l.name)
	}
	ch := childInode(ctx, &n.Inode, l.name, num, syscall.S_IFDIR, func() gofs.InodeEmbedder {
		mb := newMailboxNode(n.m, n.domain, n.domainID, l.id, n.since)
		mb.name = canon + store.Delimiter + l.name
		return mb
	})
	return ch, ch.Operations().(*mailboxNode).fill(ctx, c, &out.Attr)
}

// messageChild returns the node of a message in this mailbox and fills its
// entry.
func (n *treeNode) messageChild(ctx context.Context, msg *store.Message, out *fuse.EntryOut) *gofs.Inode {
	ch := childInode(ctx, &n.Inode, msg.Name, messageIno(n.id, msg.UID), syscall.S_IFREG, func() gofs.InodeEmbedder {
		return &messageNode{m: n.m, dir: n, mbox: n.id, uid: msg.UID, name: msg.Name}
	})
	n.remember(msg.UID, msg.Name)
	n.m.messageEntry(out, msg)
	return ch
}

// Mkdir creates a mailbox (right k on the nearest mailbox above, or the
// owner of a user's tree, or an administrator).
func (n *treeNode) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	canon, err := n.canonical(ctx)
	if err != nil {
		return nil, n.m.errno(ctx, "mkdir", err)
	}
	if n.id != 0 {
		if _, err := n.m.st.MessageByName(ctx, store.System(), n.id, name); err == nil {
			return nil, syscall.EEXIST
		}
	}
	c := n.m.callers.of(ctx)
	info, err := n.m.st.CreateMailbox(ctx, c, store.MailboxName{Domain: n.domain, Name: canon + store.Delimiter + name}, store.CreateOptions{})
	if err != nil {
		return nil, n.m.errno(ctx, "mkdir", err)
	}
	n.m.treeGen.Add(1)
	return n.levelChild(ctx, c, canon, level{name: name, id: info.ID}, out)
}

// Rmdir deletes an empty mailbox (right x). A directory with messages or
// with mailboxes below it is not empty, whoever may see them.
func (n *treeNode) Rmdir(ctx context.Context, name string) syscall.Errno {
	lv, canon, err := n.subLevels(ctx)
	if err != nil {
		return n.m.errno(ctx, "rmdir", err)
	}
	l, ok := findLevel(lv, name)
	if !ok {
		if n.id != 0 {
			if _, err := n.m.st.MessageByName(ctx, store.System(), n.id, name); err == nil {
				return syscall.ENOTDIR
			}
		}
		return syscall.ENOENT
	}
	c := n.m.callers.of(ctx)
	full := canon + store.Delimiter + name
	if ok, err := n.m.canSee(ctx, c, n.domain, full); err != nil || !ok {
		return syscall.ENOENT
	}
	if l.id == 0 {
		return syscall.ENOTEMPTY
	}
	below, err := n.m.levelsUnder(ctx, n.domain, full)
	if err != nil {
		return n.m.errno(ctx, "rmdir", err)
	}
	info, err := n.m.st.MailboxByID(ctx, store.System(), l.id)
	if err != nil {
		return n.m.errno(ctx, "rmdir", err)
	}
	if len(below) > 0 || info.Messages > 0 {
		return syscall.ENOTEMPTY
	}
	err = n.m.st.DeleteMailbox(ctx, c, store.MailboxName{Domain: n.domain, Name: full})
	if err != nil {
		return n.m.errno(ctx, "rmdir", err)
	}
	n.m.treeGen.Add(1)
	return 0
}

func (n *treeNode) Link(ctx context.Context, target gofs.InodeEmbedder, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EPERM
}

func (n *treeNode) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EPERM
}

func (n *treeNode) Mknod(ctx context.Context, name string, mode uint32, dev uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EPERM
}

// isNotFound reports a store error that means the thing is gone.
func isNotFound(err error) bool {
	k := store.KindOf(err)
	return err != nil && (k == store.KindNotFound || k == store.KindExpunged) && !errors.Is(err, context.Canceled)
}
