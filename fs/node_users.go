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

// usersNode is a domain's "users" directory: one directory per user whose
// tree the caller may see something of (their own always; every user for
// an administrator of the domain).
type usersNode struct {
	gofs.Inode
	fixedDir
	m        *Mounted
	domainID uint64
	domain   string
	created  time.Time
}

func (n *usersNode) fill(ctx context.Context, out *fuse.Attr) syscall.Errno {
	d, ok, err := n.m.domainByName(ctx, n.domain)
	if err != nil {
		return n.m.errno(ctx, "getattr users", err)
	}
	if !ok {
		return syscall.ENOENT
	}
	n.m.fillDir(out, dirMode(true, false, true), 2+d.Users, n.created)
	return 0
}

func (n *usersNode) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	return n.fill(ctx, &out.Attr)
}

func (n *usersNode) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return n.fill(ctx, &out.Attr)
}

func (n *usersNode) Access(ctx context.Context, mask uint32) syscall.Errno {
	return fixedAccess(mask, false)
}

func (n *usersNode) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	return n.m.statfsStore(out)
}

func (n *usersNode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	full := name + "@" + n.domain
	u, err := n.m.st.User(ctx, store.System(), full)
	if err != nil || u.Name != full {
		return nil, syscall.ENOENT
	}
	c := n.m.callers.of(ctx)
	if c.User() != full {
		if ok, err := n.m.canSee(ctx, c, n.domain, "user/"+name); err != nil || !ok {
			return nil, syscall.ENOENT
		}
	}
	ch := childInode(ctx, &n.Inode, name, ino(kindUser, u.ID), syscall.S_IFDIR, func() gofs.InodeEmbedder {
		return newUserNode(n.m, n.domain, n.domainID, name, u.ID, u.Created)
	})
	return ch, ch.Operations().(*userNode).fill(ctx, c, &out.Attr)
}

func (n *usersNode) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	c := n.m.callers.of(ctx)
	var entries []fuse.DirEntry
	if c.IsAdmin(n.domain) {
		users, err := n.m.st.Users(ctx, c, n.domain)
		if err != nil {
			return nil, n.m.errno(ctx, "readdir users", err)
		}
		for _, u := range users {
			local, _, _ := strings.Cut(u.Name, "@")
			entries = append(entries, fuse.DirEntry{Name: local, Ino: ino(kindUser, u.ID), Mode: syscall.S_IFDIR})
		}
		return dirEntries(entries), 0
	}
	// Everyone else: themselves, and the owners of mailboxes they may see.
	locals := map[string]bool{}
	if c.Domain() == n.domain {
		local, _, _ := strings.Cut(c.User(), "@")
		locals[local] = true
	}
	seen, err := n.m.visibleLevels(ctx, c, n.domain, "user")
	if err != nil {
		return nil, n.m.errno(ctx, "readdir users", err)
	}
	for local := range seen {
		locals[local] = true
	}
	for local := range locals {
		u, err := n.m.st.User(ctx, store.System(), local+"@"+n.domain)
		if err != nil {
			continue
		}
		entries = append(entries, fuse.DirEntry{Name: local, Ino: ino(kindUser, u.ID), Mode: syscall.S_IFDIR})
	}
	return dirEntries(entries), 0
}

// userNode is a user's tree: their top-level mailboxes (INBOX, Sent, …).
type userNode struct {
	treeNode
	userID uint64
	local  string
}

func newUserNode(m *Mounted, domain string, domainID uint64, local string, userID uint64, created time.Time) *userNode {
	n := &userNode{userID: userID, local: local}
	n.treeNode.init(m, domain, domainID, 0, created)
	n.fixed = "user/" + local
	return n
}

// mayCreate reports whether the caller may make top-level mailboxes here:
// the user and the domain's administrators.
func (n *userNode) mayCreate(c store.Caller) bool {
	return c.IsAdmin(n.domain) || ownsTree(c, n.domain, n.fixed)
}

func (n *userNode) fill(ctx context.Context, c store.Caller, out *fuse.Attr) syscall.Errno {
	lv, _, err := n.subLevels(ctx)
	if err != nil {
		return n.m.errno(ctx, "getattr user", err)
	}
	n.m.fillDir(out, dirMode(true, n.mayCreate(c), true), 2+len(lv), n.since)
	return 0
}

func (n *userNode) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	return n.fill(ctx, n.m.callers.of(ctx), &out.Attr)
}

func (n *userNode) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return n.Getattr(ctx, fh, out)
}

func (n *userNode) Access(ctx context.Context, mask uint32) syscall.Errno {
	return fixedAccess(mask, n.mayCreate(n.m.callers.of(ctx)))
}

func (n *userNode) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	return n.m.statfsTree(ctx, n.m.callers.of(ctx), n.domain, n.fixed, false, out)
}

// sharedNode is a domain's "shared" directory: its shared folders.
type sharedNode struct {
	treeNode
}

func newSharedNode(m *Mounted, domain string, domainID uint64, created time.Time) *sharedNode {
	n := &sharedNode{}
	n.treeNode.init(m, domain, domainID, 0, created)
	n.fixed = "shared"
	return n
}

func (n *sharedNode) fill(ctx context.Context, c store.Caller, out *fuse.Attr) syscall.Errno {
	lv, _, err := n.subLevels(ctx)
	if err != nil {
		return n.m.errno(ctx, "getattr shared", err)
	}
	n.m.fillDir(out, dirMode(true, c.IsAdmin(n.domain), true), 2+len(lv), n.since)
	return 0
}

func (n *sharedNode) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	return n.fill(ctx, n.m.callers.of(ctx), &out.Attr)
}

func (n *sharedNode) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return n.Getattr(ctx, fh, out)
}

func (n *sharedNode) Access(ctx context.Context, mask uint32) syscall.Errno {
	return fixedAccess(mask, n.m.callers.of(ctx).IsAdmin(n.domain))
}

func (n *sharedNode) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	return n.m.statfsTree(ctx, n.m.callers.of(ctx), n.domain, n.fixed, false, out)
}
