package fs

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"

	"mstore/store"
)

// Options shape a mount. The zero value is the default.
type Options struct {
	// UID and GID own every file and directory (default root). Modes,
	// not owners, show what the caller may do.
	UID, GID uint32
	// MessageTimeout is how long the kernel may keep a message's
	// directory entry and attributes without asking (default one hour);
	// store events invalidate them earlier.
	MessageTimeout time.Duration
	// DirTimeout is the same for directories (default one second): their
	// modes depend on who asks.
	DirTimeout time.Duration
	// CallerTTL is how long the mapping of a uid to a store user is
	// remembered (default five seconds).
	CallerTTL time.Duration
	// WriteBuffer is how much of a file being written is kept in memory
	// before it spills to a temporary file (default 1 MiB).
	WriteBuffer int
	// TempDir holds the spilled files (default os.TempDir()).
	TempDir string
	// PassthroughMin is the smallest message that is read through FUSE
	// passthrough, the kernel reading the message file itself (default
	// 64 KiB). Smaller messages are read by this process and kept in the
	// kernel's cache. Below zero turns passthrough off.
	PassthroughMin int64
	// Debug logs every FUSE request.
	Debug bool
	// Unmount takes the mount down for a process that has given up the
	// root it mounted with (serve asks the authentication proxy). Unset,
	// or while this process is root, Close unmounts by itself.
	Unmount func() error
	// Backing, when set, registers the files of messages read through
	// passthrough, for a process that gives up root after mounting; go-fuse
	// then registers none itself.
	Backing Backing
}

func (o *Options) defaults() {
	if o.MessageTimeout == 0 {
		o.MessageTimeout = time.Hour
	}
	if o.DirTimeout == 0 {
		o.DirTimeout = time.Second
	}
	if o.CallerTTL == 0 {
		o.CallerTTL = 5 * time.Second
	}
	if o.WriteBuffer == 0 {
		o.WriteBuffer = 1 << 20
	}
	if o.TempDir == "" {
		o.TempDir = os.TempDir()
	}
	if o.PassthroughMin == 0 {
		o.PassthroughMin = 64 << 10
	}
}

// Mounted is a mounted store.
type Mounted struct {
	st      *store.Store
	dir     string
	opts    Options
	log     *slog.Logger
	server  *fuse.Server
	root    *rootNode
	callers *callers

	// treeGen counts changes of the mailbox tree (create, delete,
	// rename, ACL); directory nodes drop their cached listings when it
	// moves.
	treeGen   atomic.Uint64
	uploadSeq atomic.Uint64
	started   time.Time // shown as the root's time
	domains   domainCache

	watcher    *store.Watcher
	stopNotify chan struct{}
	prefetch   *prefetcher
	// smallReads counts reads of small messages that reached this
	// process: the kernel had dropped the copy an open gave it.
	smallReads atomic.Uint64
	notifyDone chan struct{}
	// later carries invalidations that requests ask for: a request must
	// not call into the kernel itself.
	later chan func()

	// lent holds the file a message Open leaves for lentPassthrough,
	// by request; lendOff turns lending off after the helper refused.
	lent    sync.Map
	lendOff atomic.Bool

	closeOnce sync.Once
	closeErr  error
}

// Mount mounts the store on dir, which is created when missing. A stale
// mount left on dir by a process that died is cleaned up first. The
// mount is made with allow_other and without default_permissions: every
// request is checked against the store's rules for its caller.
func Mount(st *store.Store, dir string, opts Options, logger *slog.Logger) (*Mounted, error) {
	opts.defaults()
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := prepareMountPoint(abs, logger); err != nil {
		return nil, err
	}
	m := &Mounted{st: st, dir: abs, opts: opts, log: logger,
		callers: newCallers(st, logger, opts.CallerTTL), started: time.Now(),
		stopNotify: make(chan struct{}), notifyDone: make(chan struct{}), later: make(chan func(), 256)}
	m.prefetch = newPrefetcher(st, m.stopNotify)
	m.root = &rootNode{m: m}
	m.treeGen.Store(1) // 0 marks a cache never filled
	m.domains.ttl = time.Second

	// No negative entries are cached: whether a name exists depends on
	// who asks, and the kernel's cache is shared by every caller.
	dirTimeout := opts.DirTimeout
	fo := &gofs.Options{
		MountOptions: fuse.MountOptions{
			AllowOther:    true,
			DirectMount:   true,
			FsName:        "mstore",
			Name:          "mstore",
			MaxWrite:      1 << 20,
			MaxBackground: 64,
			MaxStackDepth: 2,
			Debug:         opts.Debug,
			// A request that panics answers EIO and is logged; the
			// mount goes on.
			PanicHandler: func(v any) fuse.Status {
				logger.Error("mount: panic in a request", "panic", v, "stack", string(debug.Stack()))
				return fuse.EIO
			},
		},
		EntryTimeout:    &dirTimeout,
		AttrTimeout:     &dirTimeout,
		NullPermissions: true,
		UID:             opts.UID,
		GID:             opts.GID,
		RootStableAttr:  &gofs.StableAttr{Ino: rootIno},
	}
	if opts.Debug {
		fo.Logger = log.New(&slogWriter{logger}, "", 0)
		fo.MountOptions.Logger = fo.Logger
	}
	// The watcher starts before the mount so that no event between the
	// two is lost.
	m.watcher = st.Watch(0)
	server, err := m.mount(abs, fo)
	if err != nil {
		m.watcher.Close()
		close(m.stopNotify) // the prefetcher's workers
		return nil, fmt.Errorf("mount %s: %w", abs, err)
	}
	m.server = server
	closeOnExecFUSE()
	go m.notifyLoop()
	logger.Info("mount: serving", "dir", abs)
	return m, nil
}

// mount mounts and starts serving, as gofs.Mount does, with the node
// filesystem wrapped to lend passthrough when Options.Backing is set.
func (m *Mounted) mount(dir string, fo *gofs.Options) (*fuse.Server, error) {
	raw := gofs.NewNodeFS(m.root, fo)
	var before map[int]bool
	if m.opts.Backing != nil {
		raw = newLentPassthrough(raw, m)
		before = fuseFDs()
	}
	server, err := fuse.NewServer(raw, dir, &fo.MountOptions)
	if err != nil {
		return nil, err
	}
	go server.Serve()
	if err := server.WaitMount(); err != nil {
		return nil, err
	}
	if m.opts.Backing != nil {
		// The descriptor this mount opened is the one not there before.
		var dev []int
		for fd := range fuseFDs() {
			if !before[fd] {
				dev = append(dev, fd)
			}
		}
		err := fmt.Errorf("found %d new /dev/fuse descriptors", len(dev))
		if len(dev) == 1 {
			err = m.opts.Backing.Device(dev[0])
		}
		if err != nil {
			m.log.Warn("mount: no passthrough; large messages are read through the server", "err", err)
			m.lendOff.Store(true)
		}
	}
	return server, nil
}

// Dir is the mount point.
func (m *Mounted) Dir() string { return m.dir }

// Close unmounts the store. When something still uses the mount, it is
// detached lazily (it disappears for new users at once, and goes when the
// last user leaves) rather than waited for.
func (m *Mounted) Close() error {
	m.closeOnce.Do(func() {
		if m.opts.Unmount != nil && unix.Geteuid() != 0 {
			// The helper detaches a busy mount lazily itself.
			if err := m.opts.Unmount(); err != nil {
				m.closeErr = fmt.Errorf("unmount %s: %w", m.dir, err)
			} else {
				m.waitServer()
			}
		} else if err := m.server.Unmount(); err != nil {
			m.log.Warn("mount: busy, detaching lazily", "dir", m.dir, "err", err)
			if derr := unix.Unmount(m.dir, unix.MNT_DETACH); derr != nil {
				m.closeErr = fmt.Errorf("unmount %s: %w", m.dir, derr)
			}
			m.waitServer()
		}
		close(m.stopNotify)
		<-m.notifyDone
		m.watcher.Close()
		m.log.Info("mount: unmounted", "dir", m.dir)
	})
	return m.closeErr
}

// waitServer waits for the FUSE loops to end after an unmount made other
// than by server.Unmount; a lazily detached mount still in use keeps them
// going, and they then end with the process.
func (m *Mounted) waitServer() {
	done := make(chan struct{})
	go func() { m.server.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		m.log.Warn("mount: still in use after a lazy unmount; it ends with this process", "dir", m.dir)
	}
}

// prepareMountPoint makes dir usable: it creates it, and unmounts a dead
// FUSE mount left there by a crash ("transport endpoint is not
// connected"). A live mount on dir is an error.
func prepareMountPoint(dir string, log *slog.Logger) error {
	_, err := os.Stat(dir)
	if isDeadMount(err) {
		log.Warn("mount: removing a stale mount left by a crash", "dir", dir)
		if uerr := unix.Unmount(dir, unix.MNT_DETACH); uerr != nil {
			return fmt.Errorf("unmount stale mount %s: %w", dir, uerr)
		}
		_, err = os.Stat(dir)
	}
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		_, err = os.Stat(dir)
	}
	if err != nil {
		return err
	}
	if fstype, ok := mountedAt(dir); ok {
		return fmt.Errorf("%s is already a mount point (%s)", dir, fstype)
	}
	return nil
}

func isDeadMount(err error) bool {
	return errors.Is(err, syscall.ENOTCONN) || errors.Is(err, syscall.ECONNABORTED)
}

// mountedAt reports whether dir is a mount point, and of which type.
func mountedAt(dir string) (string, bool) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	found, fstype := false, ""
	for sc.Scan() {
		// id parent major:minor root mountpoint options... - fstype source super
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 || unescapeMountinfo(fields[4]) != dir {
			continue
		}
		found, fstype = true, ""
		for i, f := range fields {
			if f == "-" && i+1 < len(fields) {
				fstype = fields[i+1]
			}
		}
	}
	return fstype, found
}

// unescapeMountinfo undoes the octal escapes (\040 for a space) of
// /proc/self/mountinfo.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// closeOnExecFUSE marks this process's descriptors of /dev/fuse
// close-on-exec. go-fuse leaves the one of a direct mount inheritable, and
// a child that inherited it would keep a crashed server's mount hanging
// instead of failing ("transport endpoint is not connected"), which is
// what lets the next start clean it up.
func closeOnExecFUSE() {
	for fd := range fuseFDs() {
		unix.CloseOnExec(fd)
	}
}

// slogWriter carries go-fuse's debug lines into the structured log.
type slogWriter struct{ log *slog.Logger }

func (w *slogWriter) Write(p []byte) (int, error) {
	w.log.Debug("fuse", "msg", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
