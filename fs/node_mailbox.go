package fs

import (
	"context"
	"strings"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"mstore/store"
)

// mailboxNode is a mailbox directory (id set): its sub-mailboxes and its
// messages. A level that is no mailbox but has mailboxes below it (a
// deleted parent whose children remain) is a mailboxNode without an id:
// it lists its levels and holds no messages.
type mailboxNode struct {
	treeNode
}

func newMailboxNode(m *Mounted, domain string, domainID, id uint64, since time.Time) *mailboxNode {
	n := &mailboxNode{}
	n.treeNode.init(m, domain, domainID, id, since)
	return n
}

// rights returns the caller's rights on the mailbox; none when they may
// not even see it.
func (n *mailboxNode) rights(ctx context.Context, c store.Caller) (store.Rights, error) {
	if c.IsSystem() {
		return store.AllRights, nil
	}
	info, err := n.m.st.MailboxByID(ctx, c, n.id)
	if isNotFound(err) {
		return store.NoRights, nil
	}
	return info.Rights, err
}

func (n *mailboxNode) fill(ctx context.Context, c store.Caller, out *fuse.Attr) syscall.Errno {
	lv, canon, err := n.subLevels(ctx)
	if err != nil {
		return n.m.errno(ctx, "getattr mailbox", err)
	}
	if n.id == 0 {
		create := c.IsAdmin(n.domain) || ownsTree(c, n.domain, canon)
		n.m.fillDir(out, dirMode(true, create, true), 2+len(lv), n.since)
		return 0
	}
	r, err := n.rights(ctx, c)
	if err != nil {
		return n.m.errno(ctx, "getattr mailbox", err)
	}
	n.mu.Lock()
	created := n.created
	n.mu.Unlock()
	n.m.fillDir(out, mailboxMode(r), 2+len(lv), created)
	return 0
}

// ownsTree reports whether canon is in the caller's own tree.
func ownsTree(c store.Caller, domain, canon string) bool {
	local, _, ok := strings.Cut(c.User(), "@")
	if !ok || c.Domain() != domain {
		return false
	}
	own := "user/" + local
	return canon == own || len(canon) > len(own) && canon[:len(own)+1] == own+"/"
}

func (n *mailboxNode) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	return n.fill(ctx, n.m.callers.of(ctx), &out.Attr)
}

// Setattr accepts chmod, chown and utimes and changes nothing.
func (n *mailboxNode) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return n.Getattr(ctx, fh, out)
}

func (n *mailboxNode) Access(ctx context.Context, mask uint32) syscall.Errno {
	c := n.m.callers.of(ctx)
	if n.id == 0 {
		canon, err := n.canonical(ctx)
		if err != nil {
			return n.m.errno(ctx, "access", err)
		}
		return fixedAccess(mask, c.IsAdmin(n.domain) || ownsTree(c, n.domain, canon))
	}
	r, err := n.rights(ctx, c)
	if err != nil {
		return n.m.errno(ctx, "access", err)
	}
	if r&(store.RightLookup|store.RightRead) == 0 {
		return syscall.ENOENT
	}
	const rOK, wOK = 4, 2
	if mask&rOK != 0 && !r.Has(store.RightRead) ||
		mask&wOK != 0 && r&(store.RightInsert|store.RightCreate) == 0 {
		return syscall.EACCES
	}
	return 0
}

func (n *mailboxNode) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	canon, err := n.canonical(ctx)
	if err != nil {
		return n.m.statfsStore(out)
	}
	return n.m.statfsTree(ctx, n.m.callers.of(ctx), n.domain, canon, n.id != 0, out)
}

// Create starts a new message (right i): the file is written, and stored
// under its name when it is closed (see upload.go).
func (n *treeNode) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	if n.id == 0 {
		return nil, nil, 0, syscall.EPERM
	}
	c := n.m.callers.of(ctx)
	info, err := n.m.st.MailboxByID(ctx, c, n.id)
	if err != nil {
		return nil, nil, 0, n.m.errno(ctx, "create", err)
	}
	if !info.Rights.Has(store.RightInsert) {
		return nil, nil, 0, syscall.EACCES
	}
	lv, _, err := n.subLevels(ctx)
	if err != nil {
		return nil, nil, 0, n.m.errno(ctx, "create", err)
	}
	if _, ok := findLevel(lv, name); ok {
		return nil, nil, 0, syscall.EEXIST
	}
	if _, err := n.m.st.MessageByName(ctx, store.System(), n.id, name); err == nil {
		return nil, nil, 0, syscall.EEXIST
	}
	up := newUpload(n.m, c, n, name)
	if errno := up.checkQuota(ctx, info.Name, true); errno != 0 {
		return nil, nil, 0, errno
	}
	node := &messageNode{m: n.m, dir: n, name: name, up: up}
	up.node = node
	ch := n.NewInode(ctx, node, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: ino(kindUpload, n.m.uploadSeq.Add(1))})
	up.fill(&out.Attr)
	out.SetEntryTimeout(n.m.opts.DirTimeout)
	return ch, &uploadHandle{up: up}, fuse.FOPEN_DIRECT_IO, 0
}

// Unlink expunges a message (rights t and e), whatever its flags. A file
// still being written is dropped and never stored.
func (n *treeNode) Unlink(ctx context.Context, name string) syscall.Errno {
	if n.id == 0 {
		return syscall.ENOENT
	}
	if ch := n.GetChild(name); ch != nil {
		if mn, ok := ch.Operations().(*messageNode); ok {
			if up := mn.pending(); up != nil && up.drop() {
				return 0
			}
		}
	}
	c := n.m.callers.of(ctx)
	msg, err := n.m.st.MessageByName(ctx, c, n.id, name)
	if err != nil {
		lv, _, lerr := n.subLevels(ctx)
		if lerr == nil {
			if _, ok := findLevel(lv, name); ok {
				return syscall.EISDIR
			}
		}
		return n.m.errno(ctx, "unlink", err)
	}
	gone, err := n.m.st.Expunge(ctx, c, n.id, []uint32{msg.UID}, store.ExpungeOptions{})
	if err != nil {
		return n.m.errno(ctx, "unlink", err)
	}
	if len(gone) == 0 {
		return syscall.ENOENT
	}
	n.forgetName(msg.UID, name)
	return 0
}
