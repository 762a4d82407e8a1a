package fs

import (
	"context"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// rootNode is the mount point: one directory per domain the caller may
// see something of.
type rootNode struct {
	gofs.Inode
	fixedDir
	m *Mounted
}

func (n *rootNode) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	list, err := n.m.domainList(ctx)
	if err != nil {
		return n.m.errno(ctx, "getattr /", err)
	}
	n.m.fillDir(&out.Attr, dirMode(true, false, true), 2+len(list), n.m.started)
	return 0
}

func (n *rootNode) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return n.Getattr(ctx, fh, out)
}

func (n *rootNode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	d, ok, err := n.m.domainByName(ctx, name)
	if err != nil {
		return nil, n.m.errno(ctx, "lookup domain", err)
	}
	if !ok {
		return nil, syscall.ENOENT
	}
	c := n.m.callers.of(ctx)
	if ok, err := n.m.canSeeDomain(ctx, c, d.Name); err != nil || !ok {
		return nil, syscall.ENOENT
	}
	ch := childInode(ctx, &n.Inode, name, ino(kindDomain, d.ID), syscall.S_IFDIR, func() gofs.InodeEmbedder {
		return &domainNode{m: n.m, id: d.ID, name: d.Name, created: d.Created}
	})
	ch.Operations().(*domainNode).fill(&out.Attr)
	return ch, 0
}

func (n *rootNode) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	list, err := n.m.domainList(ctx)
	if err != nil {
		return nil, n.m.errno(ctx, "readdir /", err)
	}
	c := n.m.callers.of(ctx)
	var entries []fuse.DirEntry
	for _, d := range list {
		if ok, err := n.m.canSeeDomain(ctx, c, d.Name); err != nil || !ok {
			continue
		}
		entries = append(entries, fuse.DirEntry{Name: d.Name, Ino: ino(kindDomain, d.ID), Mode: syscall.S_IFDIR})
	}
	return dirEntries(entries), 0
}

func (n *rootNode) Access(ctx context.Context, mask uint32) syscall.Errno {
	return fixedAccess(mask, false)
}

func (n *rootNode) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	return n.m.statfsStore(out)
}

// domainNode is one domain: its "users" and "shared" directories.
type domainNode struct {
	gofs.Inode
	fixedDir
	m       *Mounted
	id      uint64
	name    string
	created time.Time
}

func (n *domainNode) fill(out *fuse.Attr) {
	n.m.fillDir(out, dirMode(true, false, true), 4, n.created)
}

func (n *domainNode) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	n.fill(&out.Attr)
	return 0
}

func (n *domainNode) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return n.Getattr(ctx, fh, out)
}

func (n *domainNode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	switch name {
	case "users":
		ch := childInode(ctx, &n.Inode, name, ino(kindUsers, n.id), syscall.S_IFDIR, func() gofs.InodeEmbedder {
			return &usersNode{m: n.m, domainID: n.id, domain: n.name, created: n.created}
		})
		return ch, ch.Operations().(*usersNode).fill(ctx, &out.Attr)
	case "shared":
		ch := childInode(ctx, &n.Inode, name, ino(kindShared, n.id), syscall.S_IFDIR, func() gofs.InodeEmbedder {
			return newSharedNode(n.m, n.name, n.id, n.created)
		})
		return ch, ch.Operations().(*sharedNode).fill(ctx, n.m.callers.of(ctx), &out.Attr)
	}
	return nil, syscall.ENOENT
}

func (n *domainNode) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	return dirEntries([]fuse.DirEntry{
		{Name: "users", Ino: ino(kindUsers, n.id), Mode: syscall.S_IFDIR},
		{Name: "shared", Ino: ino(kindShared, n.id), Mode: syscall.S_IFDIR},
	}), 0
}

func (n *domainNode) Access(ctx context.Context, mask uint32) syscall.Errno {
	return fixedAccess(mask, false)
}

func (n *domainNode) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	return n.m.statfsStore(out)
}

// fixedAccess answers access(2) on a directory everyone may enter and
// list, and only some may write.
func fixedAccess(mask uint32, writable bool) syscall.Errno {
	const wOK = 2
	if mask&wOK != 0 && !writable {
		return syscall.EACCES
	}
	return 0
}

// fixedDir refuses what cannot be done in the levels above the mailboxes:
// domains and users are made with the command line, not with mkdir.
type fixedDir struct{}

func (fixedDir) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EPERM
}

func (fixedDir) Rmdir(ctx context.Context, name string) syscall.Errno { return syscall.EPERM }

func (fixedDir) Unlink(ctx context.Context, name string) syscall.Errno { return syscall.EPERM }

func (fixedDir) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	return syscall.EPERM
}

func (fixedDir) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	return nil, nil, 0, syscall.EPERM
}

func (fixedDir) Link(ctx context.Context, target gofs.InodeEmbedder, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EPERM
}

func (fixedDir) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EPERM
}

func (fixedDir) Mknod(ctx context.Context, name string, mode uint32, dev uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EPERM
}
