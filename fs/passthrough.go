package fs

import (
	"context"
	"os"
	"strconv"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// Backing registers message files for FUSE passthrough on behalf of a
// process that may not: the kernel lets only CAP_SYS_ADMIN do it, and
// serve gives root up after mounting. auth.Backing asks the
// authentication proxy.
type Backing interface {
	// Device hands over the mount's /dev/fuse descriptor, once.
	Device(fuseFD int) error
	// Open registers an open message file and returns its backing id.
	Open(f *os.File) (int32, error)
	// Close unregisters a backing id.
	Close(id int32) error
}

// lentPassthrough wraps the node filesystem to give large messages a
// backing file registered through Options.Backing. go-fuse registers
// backing files itself, which fails without the privilege; so a message
// node's Open leaves its file here, keyed by the request (the cancel
// channel go-fuse gives both this wrapper and the node), and the wrapper
// registers it and sets the open's backing id.
//
// The id is kept by the message node until the kernel forgets the inode
// (messageNode.OnForget): a message never changes, so every later open of
// it reuses the id, and the kernel wants one backing file per inode
// anyway. Registering costs two round trips to the proxy (open, then
// close at release), which was most of an open of a cached large message.
type lentPassthrough struct {
	fuse.RawFileSystem
	m *Mounted
}

// lentFile is what a message node's Open leaves for the wrapper.
type lentFile struct {
	node *messageNode
	file *os.File
}

func newLentPassthrough(raw fuse.RawFileSystem, m *Mounted) *lentPassthrough {
	return &lentPassthrough{RawFileSystem: raw, m: m}
}

// lend records the file a message node opened for passthrough, for the
// wrapper around this request's Open to register.
func (m *Mounted) lend(ctx context.Context, n *messageNode, f *os.File) bool {
	fc, ok := ctx.(*fuse.Context)
	if !ok || fc.Cancel == nil || m.opts.Backing == nil || m.lendOff.Load() {
		return false
	}
	m.lent.Store(fc.Cancel, lentFile{node: n, file: f})
	return true
}

func (w *lentPassthrough) Open(cancel <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	st := w.RawFileSystem.Open(cancel, in, out)
	v, ok := w.m.lent.LoadAndDelete(cancel)
	if st != fuse.OK || !ok {
		return st
	}
	lf := v.(lentFile)
	id, err := lf.node.backingID(w.m.opts.Backing, lf.file)
	if err != nil {
		// The open goes on without passthrough: the message is read
		// through this process.
		w.m.log.Warn("mount: passthrough refused; large messages are read through the server", "err", err)
		w.m.lendOff.Store(true)
		return st
	}
	out.BackingID = id
	out.OpenFlags |= fuse.FOPEN_PASSTHROUGH
	out.OpenFlags &^= fuse.FOPEN_KEEP_CACHE
	return st
}

// backingID returns the node's backing id, registering f for it on the
// first open. The node's lock is held throughout, so that two first opens
// at once register one file.
func (n *messageNode) backingID(b Backing, f *os.File) (int32, error) {
	n.backingMu.Lock()
	defer n.backingMu.Unlock()
	if n.backing != 0 {
		return n.backing, nil
	}
	id, err := b.Open(f)
	if err != nil {
		return 0, err
	}
	n.backing = id
	return id, nil
}

// dropBacking unregisters the node's backing id, if it has one: the
// kernel has forgotten the inode, so no open uses it any more. The
// message file it holds open is let go with it.
func (n *messageNode) dropBacking() {
	n.backingMu.Lock()
	id := n.backing
	n.backing = 0
	n.backingMu.Unlock()
	if id == 0 {
		return
	}
	// FORGET is answered by no one: the proxy's round trip is not made
	// to wait on.
	go func() {
		if err := n.m.opts.Backing.Close(id); err != nil {
			n.m.log.Warn("mount: closing a backing file", "id", id, "err", err)
		}
	}()
}

// fuseFDs lists this process's open /dev/fuse descriptors.
func fuseFDs() map[int]bool {
	fds := map[int]bool{}
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return fds
	}
	for _, e := range entries {
		if target, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && target == "/dev/fuse" {
			if fd, err := strconv.Atoi(e.Name()); err == nil {
				fds[fd] = true
			}
		}
	}
	return fds
}
