package fs

import (
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"

	"mstore/store"
)

// Attributes. Every file and directory is owned by Options.UID and GID.
// A message is read-only (0444): its content never changes. A directory's
// mode shows the rights of the caller who asked: read (r) when they may
// list it, write (w) when they may create in it, search (x) when they may
// see it; the owner bits carry all three, group and other bits all but
// write. chmod and chown succeed and change nothing.

const (
	modeMessage = syscall.S_IFREG | 0o444
	modeUpload  = syscall.S_IFREG | 0o644
	dirSize     = 4096
)

// dirMode builds a directory's mode from what the caller may do in it.
func dirMode(list, create, search bool) uint32 {
	var bits uint32
	if list {
		bits |= 0o444
	}
	if search {
		bits |= 0o111
	}
	if create {
		bits |= 0o200
	}
	return syscall.S_IFDIR | bits
}

// mailboxMode is dirMode for a mailbox's rights.
func mailboxMode(r store.Rights) uint32 {
	return dirMode(r.Has(store.RightRead),
		r&(store.RightInsert|store.RightCreate) != 0,
		r&(store.RightLookup|store.RightRead) != 0)
}

// The inode number is go-fuse's to set: it puts the node's own in every
// attribute answer, so the fillers leave it alone.
func (m *Mounted) fillDir(out *fuse.Attr, mode uint32, nlink int, mtime time.Time) {
	out.Mode = mode
	out.Nlink = uint32(nlink)
	out.Size = dirSize
	out.Uid, out.Gid = m.opts.UID, m.opts.GID
	out.SetTimes(&mtime, &mtime, &mtime)
}

// fillMessage fills a stored message's attributes: its exact size, and
// its internal date as every time.
func (m *Mounted) fillMessage(out *fuse.Attr, msg *store.Message) {
	out.Mode = modeMessage
	out.Nlink = 1
	out.Size = uint64(msg.Size)
	out.Uid, out.Gid = m.opts.UID, m.opts.GID
	d := msg.InternalDate
	out.SetTimes(&d, &d, &d)
}

// messageEntry fills a lookup answer for a message, with the long
// timeouts immutable content allows.
func (m *Mounted) messageEntry(out *fuse.EntryOut, msg *store.Message) {
	m.fillMessage(&out.Attr, msg)
	out.SetEntryTimeout(m.opts.MessageTimeout)
	out.SetAttrTimeout(m.opts.MessageTimeout)
}
