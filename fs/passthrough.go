package fs

import (
	"context"
	"os"
	"strconv"
	"sync"

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
type lentPassthrough struct {
	fuse.RawFileSystem
	m *Mounted

	mu    sync.Mutex
	nodes map[uint64]*lentBacking // by NodeId: one backing file per inode, as the kernel wants
	files map[uint64]uint64       // Fh of an open with a backing file → its NodeId
}

type lentBacking struct {
	id   int32
	refs int
}

func newLentPassthrough(raw fuse.RawFileSystem, m *Mounted) *lentPassthrough {
	return &lentPassthrough{RawFileSystem: raw, m: m,
		nodes: map[uint64]*lentBacking{}, files: map[uint64]uint64{}}
}

// lend records the file a message node opened for passthrough, for the
// wrapper around this request's Open to register.
func (m *Mounted) lend(ctx context.Context, f *os.File) bool {
	fc, ok := ctx.(*fuse.Context)
	if !ok || fc.Cancel == nil || m.opts.Backing == nil || m.lendOff.Load() {
		return false
	}
	m.lent.Store(fc.Cancel, f)
	return true
}

func (w *lentPassthrough) Open(cancel <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	st := w.RawFileSystem.Open(cancel, in, out)
	v, ok := w.m.lent.LoadAndDelete(cancel)
	if st != fuse.OK || !ok {
		return st
	}
	f := v.(*os.File)
	w.mu.Lock()
	defer w.mu.Unlock()
	b := w.nodes[in.NodeId]
	if b == nil {
		id, err := w.m.opts.Backing.Open(f)
		if err != nil {
			// The open goes on without passthrough: the message is
			// read through this process.
			w.m.log.Warn("mount: passthrough refused; large messages are read through the server", "err", err)
			w.m.lendOff.Store(true)
			return st
		}
		b = &lentBacking{id: id}
		w.nodes[in.NodeId] = b
	}
	b.refs++
	w.files[out.Fh] = in.NodeId
	out.BackingID = b.id
	out.OpenFlags |= fuse.FOPEN_PASSTHROUGH
	out.OpenFlags &^= fuse.FOPEN_KEEP_CACHE
	return st
}

func (w *lentPassthrough) Release(cancel <-chan struct{}, in *fuse.ReleaseIn) {
	w.mu.Lock()
	if node, ok := w.files[in.Fh]; ok {
		delete(w.files, in.Fh)
		if b := w.nodes[node]; b != nil {
			if b.refs--; b.refs == 0 {
				delete(w.nodes, node)
				if err := w.m.opts.Backing.Close(b.id); err != nil {
					w.m.log.Warn("mount: closing a backing file", "id", b.id, "err", err)
				}
			}
		}
	}
	w.mu.Unlock()
	w.RawFileSystem.Release(cancel, in)
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
