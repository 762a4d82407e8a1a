package fs

import (
	"context"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"mstore/store"
)

// messageNode is one message: a read-only file whose content is the
// stored message, byte for byte. A file created in the mount is a
// messageNode with an upload until it is stored.
type messageNode struct {
	gofs.Inode
	m *Mounted

	mu   sync.Mutex // protects the fields below
	dir  *treeNode  // the mailbox directory it is in
	mbox uint64     // its mailbox and UID, once stored
	uid  uint32
	name string
	up   *upload // the upload that made it, while this node lives

	// filled is set once the kernel's cache was given the whole message
	// (fillCache), and cleared when a read reaches this process, which
	// shows the kernel has dropped it.
	filled atomic.Bool

	// backing is the id of the message file registered for passthrough
	// through Options.Backing, 0 before the first such open
	// (lentPassthrough).
	backingMu sync.Mutex
	backing   int32
}

// ids returns where the message is stored, or its upload when it was made
// in the mount and is not stored yet. (The upload's lock is taken without
// the node's: a commit holds the upload's and then takes the node's.)
func (n *messageNode) ids() (mbox uint64, uid uint32, pending *upload) {
	n.mu.Lock()
	up := n.up
	n.mu.Unlock()
	if up != nil && !up.stored() {
		return 0, 0, up
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.mbox, n.uid, nil
}

// pending returns the node's upload when it is not stored yet.
func (n *messageNode) pending() *upload {
	_, _, up := n.ids()
	return up
}

// stored records where the node's message now is: after its upload was
// stored, or after it moved to another mailbox.
func (n *messageNode) stored(dir *treeNode, mbox uint64, uid uint32, name string) {
	n.mu.Lock()
	n.dir, n.mbox, n.uid, n.name = dir, mbox, uid, name
	n.mu.Unlock()
	dir.remember(uid, name)
}

func (n *messageNode) OnForget() {
	n.dropBacking()
	n.mu.Lock()
	dir, uid, name := n.dir, n.uid, n.name
	n.mu.Unlock()
	if dir != nil && uid != 0 {
		dir.forgetName(uid, name)
	}
}

func (n *messageNode) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	mbox, uid, up := n.ids()
	if up != nil {
		if !up.exists() {
			return syscall.ENOENT
		}
		up.fill(&out.Attr)
		return 0
	}
	// The node exists because a caller allowed to read the mailbox looked
	// it up; its attributes are the store's.
	msg, err := n.m.st.Message(ctx, store.System(), mbox, uid)
	if err != nil {
		return n.m.errno(ctx, "getattr message", err)
	}
	n.m.fillMessage(&out.Attr, &msg)
	out.SetTimeout(n.m.opts.MessageTimeout)
	return 0
}

// Setattr: the content of a stored message cannot change (a truncate is
// EPERM); a new modification time sets its internal date (right w);
// chmod, chown and a new access time change nothing.
func (n *messageNode) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	mbox, uid, up := n.ids()
	if up != nil {
		return up.setattr(in, &out.Attr)
	}
	if _, ok := in.GetSize(); ok {
		return syscall.EPERM
	}
	if mt, ok := in.GetMTime(); ok {
		c := n.m.callers.of(ctx)
		if err := n.m.st.SetInternalDate(ctx, c, mbox, uid, mt); err != nil {
			return n.m.errno(ctx, "set internal date", err)
		}
	}
	return n.Getattr(ctx, fh, out)
}

func (n *messageNode) Access(ctx context.Context, mask uint32) syscall.Errno {
	mbox, uid, up := n.ids()
	const rOK, wOK, xOK = 4, 2, 1
	if up != nil {
		if mask&xOK != 0 {
			return syscall.EACCES
		}
		return 0
	}
	if mask&(wOK|xOK) != 0 {
		return syscall.EACCES
	}
	if _, err := n.m.st.Message(ctx, n.m.callers.of(ctx), mbox, uid); err != nil {
		return n.m.errno(ctx, "access", err)
	}
	return 0
}

func (n *messageNode) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	n.mu.Lock()
	dir := n.dir
	n.mu.Unlock()
	if dir == nil {
		return n.m.statfsStore(out)
	}
	canon, err := dir.canonical(ctx)
	if err != nil {
		return n.m.statfsStore(out)
	}
	return n.m.statfsTree(ctx, n.m.callers.of(ctx), dir.domain, canon, true, out)
}

// Open opens a stored message for reading (right r). Writing to it, or
// truncating it, is EPERM: a message never changes. A file still being
// written cannot be opened a second time (EBUSY). A small message's file
// is read only when the kernel's cache lacks it (fillCache).
func (n *messageNode) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if flags&syscall.O_ACCMODE != syscall.O_RDONLY || flags&syscall.O_TRUNC != 0 {
		return nil, 0, syscall.EPERM
	}
	mbox, uid, up := n.ids()
	if up != nil {
		return nil, 0, syscall.EBUSY
	}
	c := n.m.callers.of(ctx)
	if n.filled.Load() {
		// The kernel holds the whole message: the open only checks the
		// caller's right to read it.
		if _, err := n.m.st.Message(ctx, c, mbox, uid); err != nil {
			return nil, 0, n.m.errno(ctx, "open", err)
		}
		return nil, fuse.FOPEN_KEEP_CACHE | fuse.FOPEN_NOFLUSH, 0
	}
	// Opening the file checks the same right, in the same lookup.
	blob, err := n.m.st.OpenMessage(ctx, c, mbox, uid)
	if err != nil {
		return nil, 0, n.m.errno(ctx, "open", err)
	}
	size, err := blob.Seek(0, io.SeekEnd)
	if err != nil {
		blob.Close()
		return nil, 0, syscall.EIO
	}
	passthrough := n.m.opts.PassthroughMin >= 0 && size >= n.m.opts.PassthroughMin
	if passthrough || size >= handleMin {
		// The kernel reads the file itself (passthrough), or reads it
		// in many pieces: it stays open until the release.
		h := &messageHandle{blob: blob}
		h.file, _ = blob.(*os.File)
		// With Options.Backing the file is lent to the wrapper
		// (lentPassthrough), and go-fuse is not asked.
		h.passthrough = passthrough && h.file != nil && !n.m.lend(ctx, n, h.file)
		return h, fuse.FOPEN_KEEP_CACHE | fuse.FOPEN_NOFLUSH, 0
	}
	// A small message needs no handle: the kernel keeps its content
	// cached between opens (it never changes), and this open puts it
	// there, so no read reaches this process.
	defer blob.Close()
	n.fillCache(mbox, uid, blob, size)
	return nil, fuse.FOPEN_KEEP_CACHE | fuse.FOPEN_NOFLUSH, 0
}

// Read reads a message opened without a handle: its file is opened for
// the read. (A message with a handle is read through it.)
func (n *messageNode) Read(ctx context.Context, fh gofs.FileHandle, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	if h, ok := fh.(gofs.FileReader); ok {
		return h.Read(ctx, dest, off)
	}
	mbox, uid, up := n.ids()
	if up != nil {
		return nil, syscall.EBADF
	}
	n.filled.Store(false)
	n.m.smallReads.Add(1)
	blob, err := n.m.st.OpenMessage(ctx, store.System(), mbox, uid)
	if err != nil {
		return nil, n.m.errno(ctx, "read", err)
	}
	defer blob.Close()
	k, err := blob.ReadAt(dest, off)
	if err != nil && err != io.EOF {
		return nil, syscall.EIO
	}
	return fuse.ReadResultData(dest[:k]), 0
}

// fillCache stores a small message, read from its open file, whole in
// the kernel's cache of this file (Open calls it only while the cache
// may lack it). The kernel then reads it from memory:
// a cold read costs the OPEN round trip alone instead of an OPEN and a
// READ, each waiting on the other. The cache is the inode's, shared by
// every caller as before; each caller's OPEN still checks its rights.
func (n *messageNode) fillCache(mbox uint64, uid uint32, blob store.Blob, size int64) {
	if size <= 0 {
		return
	}
	n.m.prefetch.opened(mbox, uid)
	buf := make([]byte, size)
	if k, _ := blob.ReadAt(buf, 0); int64(k) != size {
		return
	}
	// Storing whole pages up to the end of the file marks them valid.
	if n.WriteCache(0, buf) == 0 {
		n.filled.Store(true)
	}
}

// handleMin is the size from which a message opened without passthrough
// keeps its file open between reads.
const handleMin = 64 << 10

// messageHandle is an open stored message. With passthrough the kernel
// reads the message file itself and Read is never called.
// Everything in it is set at Open and read-only after; the kernel sends
// Release once every read has ended.
type messageHandle struct {
	blob        store.Blob
	file        *os.File // the blob, when it is a file
	passthrough bool
}

func (h *messageHandle) PassthroughFd() (int, bool) {
	if !h.passthrough {
		return -1, false
	}
	return int(h.file.Fd()), true
}

func (h *messageHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	if h.file != nil {
		return fuse.ReadResultFd(h.file.Fd(), off, len(dest)), 0
	}
	k, err := h.blob.ReadAt(dest, off)
	if err != nil && err != io.EOF {
		return nil, syscall.EIO
	}
	return fuse.ReadResultData(dest[:k]), 0
}

func (h *messageHandle) Release(ctx context.Context) syscall.Errno {
	h.blob.Close()
	return 0
}
