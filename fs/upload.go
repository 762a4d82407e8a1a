package fs

import (
	"bytes"
	"context"
	"io"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"

	"mstore/store"
)

// Writing a message into the mount. A file created in a mailbox directory
// collects what is written to it outside the store: in memory up to
// Options.WriteBuffer, then in an unlinked temporary file. It is appended
// (right i) under the name it was created with, with the modification time
// set meanwhile as its internal date (cp -p sets it before closing), at the
// first close after something was written to it, or when the last
// descriptor goes (an empty file), or when a rename needs it stored. A
// close reports what the store answered; a write that would pass the size
// limit or a quota fails at once (EFBIG, EDQUOT) and nothing is stored.
// Writing after the message was stored is EPERM.

type uploadState int

const (
	upWriting uploadState = iota
	upStored
	upFailed  // refused; errno says why
	upDropped // unlinked before it was stored
)

type upload struct {
	m    *Mounted
	c    store.Caller
	node *messageNode

	mu      sync.Mutex // protects the fields below
	dir     *treeNode  // where it is to be stored
	name    string
	state   uploadState
	errno   syscall.Errno // why it failed
	mem     []byte        // the content while it fits in memory
	file    *os.File      // the content once it does not
	size    int64
	bareLF  int64 // LFs without CR written so far: the store adds a CR to each
	date    time.Time
	created time.Time
	flags   []string
	dirty   bool  // written to, truncated or given a time since it was opened
	room    int64 // bytes the quota roots leave; below zero: no limit known
}

func newUpload(m *Mounted, c store.Caller, dir *treeNode, name string) *upload {
	return &upload{m: m, c: c, dir: dir, name: name, created: time.Now(), room: -1}
}

func (u *upload) stored() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.state == upStored
}

// exists reports whether the file is still to be stored: not refused, not
// unlinked.
func (u *upload) exists() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.state == upWriting
}

// checkQuota reads how much room the mailbox's quota roots leave. At
// create, a root whose MESSAGE limit is reached refuses the file at once.
func (u *upload) checkQuota(ctx context.Context, mbox store.MailboxName, atCreate bool) syscall.Errno {
	roots, err := u.m.st.QuotaRootsOf(ctx, u.c, mbox)
	if err != nil {
		u.room = -1 // the store decides when it is stored
		return 0
	}
	u.room = -1
	for _, q := range roots {
		if atCreate && q.MessageLimit >= 0 && q.MessagesUsed >= q.MessageLimit {
			return syscall.EDQUOT
		}
		if q.StorageLimit >= 0 {
			left := max(q.StorageLimit*1024-q.UsedBytes, 0)
			if u.room < 0 || left < u.room {
				u.room = left
			}
		}
	}
	return 0
}

// fill gives the attributes of the file being written.
func (u *upload) fill(out *fuse.Attr) {
	u.mu.Lock()
	defer u.mu.Unlock()
	out.Mode = modeUpload
	out.Nlink = 1
	out.Size = uint64(u.size)
	out.Uid, out.Gid = u.m.opts.UID, u.m.opts.GID
	t := u.created
	if !u.date.IsZero() {
		t = u.date
	}
	out.SetTimes(&t, &t, &t)
}

// failLocked refuses the upload for good and lets its content go. The
// name the kernel was given for it goes too.
func (u *upload) failLocked(errno syscall.Errno) syscall.Errno {
	if u.state == upWriting {
		dir, name, node := u.dir, u.name, u.node
		u.m.afterwards(func() { dir.NotifyDelete(name, &node.Inode) })
	}
	u.state, u.errno = upFailed, errno
	u.freeLocked()
	return errno
}

func (u *upload) freeLocked() {
	u.mem = nil
	if u.file != nil {
		u.file.Close()
		u.file = nil
	}
}

// usable answers for a write or truncate in the current state.
func (u *upload) usableLocked() syscall.Errno {
	switch u.state {
	case upStored:
		return syscall.EPERM
	case upFailed:
		return u.errno
	}
	return 0
}

// grow checks that the content may reach end octets.
func (u *upload) growLocked(ctx context.Context, end int64) syscall.Errno {
	if end > u.m.st.MaxMessageSize() {
		return u.failLocked(syscall.EFBIG)
	}
	if u.room >= 0 && end+u.bareLF > u.room {
		// Others may have freed room since: ask again before refusing.
		if canon, err := u.dir.canonical(ctx); err == nil {
			u.checkQuota(ctx, store.MailboxName{Domain: u.dir.domain, Name: canon}, false)
		}
		if u.room >= 0 && end+u.bareLF > u.room {
			return u.failLocked(syscall.EDQUOT)
		}
	}
	return 0
}

func (u *upload) write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.state == upDropped {
		return uint32(len(data)), 0
	}
	if errno := u.usableLocked(); errno != 0 {
		return 0, errno
	}
	end := off + int64(len(data))
	u.bareLF += countBareLF(data, off > 0 && u.byteAtLocked(off-1) == '\r')
	if errno := u.growLocked(ctx, end); errno != 0 {
		return 0, errno
	}
	if u.file == nil && end > int64(u.m.opts.WriteBuffer) {
		if err := u.spillLocked(); err != nil {
			u.m.log.Error("mount: spilling a file being written", "err", err)
			return 0, u.failLocked(syscall.EIO)
		}
	}
	if u.file != nil {
		if _, err := u.file.WriteAt(data, off); err != nil {
			u.m.log.Error("mount: writing a spilled file", "err", err)
			return 0, u.failLocked(syscall.EIO)
		}
	} else {
		if end > int64(len(u.mem)) {
			u.mem = append(u.mem, make([]byte, end-int64(len(u.mem)))...)
		}
		copy(u.mem[off:], data)
	}
	u.size = max(u.size, end)
	u.dirty = true
	return uint32(len(data)), 0
}

func (u *upload) byteAtLocked(off int64) byte {
	if off >= u.size {
		return 0
	}
	if u.file == nil {
		return u.mem[off]
	}
	var b [1]byte
	u.file.ReadAt(b[:], off)
	return b[0]
}

// countBareLF counts the LFs not preceded by a CR.
func countBareLF(p []byte, afterCR bool) int64 {
	var n int64
	for i, c := range p {
		if c == '\n' && !(i == 0 && afterCR || i > 0 && p[i-1] == '\r') {
			n++
		}
	}
	return n
}

// spillLocked moves the content to an unlinked temporary file.
func (u *upload) spillLocked() error {
	f, err := os.CreateTemp(u.m.opts.TempDir, "mstore-upload-")
	if err != nil {
		return err
	}
	os.Remove(f.Name())
	if _, err := f.WriteAt(u.mem, 0); err != nil {
		f.Close()
		return err
	}
	u.file, u.mem = f, nil
	return nil
}

func (u *upload) read(dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.state != upWriting {
		return nil, syscall.EBADF
	}
	if off >= u.size {
		return fuse.ReadResultData(nil), 0
	}
	k := min(int64(len(dest)), u.size-off)
	if u.file != nil {
		n, err := u.file.ReadAt(dest[:k], off)
		if err != nil && err != io.EOF {
			return nil, syscall.EIO
		}
		return fuse.ReadResultData(dest[:n]), 0
	}
	return fuse.ReadResultData(u.mem[off : off+k]), 0
}

// setattr applies a truncate and a modification time to the file being
// written; mode and owner changes are accepted and ignored.
func (u *upload) setattr(in *fuse.SetAttrIn, out *fuse.Attr) syscall.Errno {
	u.mu.Lock()
	if sz, ok := in.GetSize(); ok && u.state != upDropped {
		if errno := u.usableLocked(); errno != 0 {
			u.mu.Unlock()
			return errno
		}
		size := int64(sz)
		if errno := u.growLocked(context.Background(), size); errno != 0 {
			u.mu.Unlock()
			return errno
		}
		switch {
		case u.file != nil:
			u.file.Truncate(size)
		case size <= int64(len(u.mem)):
			clear(u.mem[size:])
			u.mem = u.mem[:size]
		default:
			u.mem = append(u.mem, make([]byte, size-int64(len(u.mem)))...)
		}
		u.size = size
		u.dirty = true
	}
	if mt, ok := in.GetMTime(); ok {
		u.date = mt
		u.dirty = true
	}
	u.mu.Unlock()
	u.fill(out)
	return 0
}

// setFlags keeps the flags to store the message with (user.imap.flags set
// before it was stored, as cp -a does).
func (u *upload) setFlags(flags []string) {
	u.mu.Lock()
	u.flags = flags
	u.mu.Unlock()
}

// commit stores the message unless that was done or refused already.
func (u *upload) commit(ctx context.Context) syscall.Errno {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.commitLocked(ctx)
}

func (u *upload) commitLocked(ctx context.Context) syscall.Errno {
	switch u.state {
	case upStored:
		return 0
	case upFailed:
		return u.errno
	case upDropped:
		return syscall.ENOENT
	}
	// The message is stored whole or not at all, even if the process
	// that closed it is interrupted meanwhile.
	ctx = context.WithoutCancel(ctx)
	canon, err := u.dir.canonical(ctx)
	if err != nil {
		return u.failLocked(u.m.errno(ctx, "store message", err))
	}
	var r io.Reader
	if u.file != nil {
		r = io.NewSectionReader(u.file, 0, u.size)
	} else {
		r = bytes.NewReader(u.mem[:u.size])
	}
	res, err := u.m.st.Append(ctx, u.c, store.MailboxName{Domain: u.dir.domain, Name: canon}, r,
		store.AppendOptions{Flags: u.flags, Date: u.date, Name: u.name})
	if err != nil {
		return u.failLocked(u.m.errno(ctx, "store message", err))
	}
	u.state = upStored
	u.freeLocked()
	u.node.stored(u.dir, res.MailboxID, res.UID, u.name)
	return 0
}

// drop forgets an upload that was unlinked before it was stored, and
// reports whether it was one.
func (u *upload) drop() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.state == upStored {
		return false
	}
	u.state = upDropped
	u.freeLocked()
	return true
}

// uploadHandle is the descriptor of a file being written.
type uploadHandle struct {
	up *upload
}

func (h *uploadHandle) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	return h.up.write(ctx, data, off)
}

func (h *uploadHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	return h.up.read(dest, off)
}

// Flush stores the message at the first close after it was written to, so
// that close reports the store's answer. A close before anything was
// written (a shell's redirection duplicates and closes the descriptor
// first) stores nothing yet.
func (h *uploadHandle) Flush(ctx context.Context) syscall.Errno {
	u := h.up
	u.mu.Lock()
	defer u.mu.Unlock()
	switch {
	case u.state == upFailed:
		return u.errno
	case u.state == upWriting && u.dirty:
		return u.commitLocked(ctx)
	}
	return 0
}

func (h *uploadHandle) Fsync(ctx context.Context, flags uint32) syscall.Errno { return 0 }

// Release stores a file that was never written to (an empty message), and
// lets the content go.
func (h *uploadHandle) Release(ctx context.Context) syscall.Errno {
	u := h.up
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.state == upWriting {
		if errno := u.commitLocked(context.Background()); errno != 0 {
			u.m.log.Warn("mount: a file closed without being stored", "name", u.name, "errno", errno.Error())
		}
	}
	u.freeLocked()
	return 0
}
