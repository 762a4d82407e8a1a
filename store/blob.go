package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The blob store: message bodies as immutable files. It is the second of the
// two backend interfaces (the first is metaStore); an object store for many
// machines implements blobStore and nothing above it changes.

// Blob is an open message body.
type Blob interface {
	io.Reader
	io.ReaderAt
	io.Seeker
	io.Closer
}

type blobStore interface {
	// Stage copies r into a new temporary body in the partition, gives it
	// the date as its modification time, and syncs it to disk.
	Stage(part string, r io.Reader, date time.Time) (tempBlob, error)
	// ReadTemp reads a staged body back, for parsing; valid until Discard.
	ReadTemp(t tempBlob) io.ReaderAt
	// Discard removes a temporary body.
	Discard(t tempBlob) error
	// Place makes a temporary body the message uid of a mailbox. It does
	// not sync the mailbox: the committer calls SyncMailbox once per
	// batch for every mailbox the batch placed bodies in.
	Place(t tempBlob, part string, mbox uint64, uid uint32) error
	// Link makes a stored message also the message dstUID of another
	// mailbox, sharing the body where the partitions allow.
	Link(srcPart string, srcMbox uint64, srcUID uint32, dstPart string, dstMbox uint64, dstUID uint32) error
	SyncMailbox(part string, mbox uint64) error
	Open(part string, mbox uint64, uid uint32) (Blob, error)
	Remove(part string, mbox uint64, uid uint32) error
	// CreateMailbox makes a mailbox's directory durable before its first message.
	CreateMailbox(part string, mbox uint64) error
	RemoveMailbox(part string, mbox uint64) error
	// List returns the stored bodies of a mailbox in UID order.
	List(part string, mbox uint64) ([]blobInfo, error)
	// Path is the file of a message, for callers that hand it to the kernel
	// (the mount's passthrough); "" when the backend has no files.
	Path(part string, mbox uint64, uid uint32) string
}

// tempBlob is a staged body: an unnamed file (O_TMPFILE) where the
// filesystem has them, a named file in tmp/ otherwise. It stays open until
// Discard, so it can be linked into several mailboxes.
type tempBlob struct {
	part string
	file *os.File
	path string // "" for an unnamed file
	size int64
}

type blobInfo struct {
	UID   uint32
	Size  int64
	MTime time.Time
}

// partition is one directory of message files, with its own tmp directory
// on the same filesystem so that a staged body is linked, never copied.
type partition struct {
	name string
	dir  string
	tmp  string
	fan1 int
	fan2 int
}

// fsBlobs keeps bodies as files: <partition>/XX/YY/<mailbox id>/<uid>.
type fsBlobs struct {
	parts  map[string]*partition
	noSync bool
	seq    atomic.Uint64
	stats  *Stats
	own    chowner
}

func (f *fsBlobs) part(name string) (*partition, error) {
	p := f.parts[name]
	if p == nil {
		return nil, errorf(KindInternal, "unknown partition %q", name)
	}
	return p, nil
}

// mailboxDir spreads mailboxes over fan1×fan2 directories by a hash of the
// id, so that no directory grows too big and a rename moves nothing.
func (p *partition) mailboxDir(mbox uint64) string {
	h := mbox * 0x9E3779B97F4A7C15 // Fibonacci hashing: consecutive ids land far apart
	h ^= h >> 29
	x := h % uint64(p.fan1)
	y := (h / uint64(p.fan1)) % uint64(p.fan2)
	return filepath.Join(p.dir, fanName(x, p.fan1), fanName(y, p.fan2), strconv.FormatUint(mbox, 10))
}

func fanName(v uint64, fan int) string {
	if fan > 256 {
		return fmt.Sprintf("%03x", v)
	}
	return fmt.Sprintf("%02x", v)
}

func msgFile(uid uint32) string { return strconv.FormatUint(uint64(uid), 10) + "." }

func (f *fsBlobs) Path(part string, mbox uint64, uid uint32) string {
	p, err := f.part(part)
	if err != nil {
		return ""
	}
	return filepath.Join(p.mailboxDir(mbox), msgFile(uid))
}

func (f *fsBlobs) Stage(part string, r io.Reader, date time.Time) (tempBlob, error) {
	p, err := f.part(part)
	if err != nil {
		return tempBlob{}, err
	}
	t := tempBlob{part: part}
	// An unnamed file costs no directory entry to create and remove, which
	// on ext4 triples the rate of synced writes, and a crash leaves nothing
	// behind.
	fd, err := unix.Open(p.tmp, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err == nil {
		t.file = os.NewFile(uintptr(fd), p.tmp)
	} else {
		t.path = filepath.Join(p.tmp, fmt.Sprintf("%d.%d.%d", os.Getpid(), time.Now().UnixNano(), f.seq.Add(1)))
		if t.file, err = os.OpenFile(t.path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err != nil {
			return tempBlob{}, wrapErr(KindTemporary, err, "stage message")
		}
	}
	fail := func(err error) (tempBlob, error) {
		f.Discard(t)
		if _, ok := err.(*Error); ok {
			return tempBlob{}, err
		}
		return tempBlob{}, wrapErr(KindTemporary, err, "stage message")
	}
	if err := f.own.file(t.file); err != nil {
		return fail(err)
	}
	buf := copyBuffers.Get().(*[]byte)
	t.size, err = io.CopyBuffer(onlyWriter{t.file}, r, *buf)
	copyBuffers.Put(buf)
	if err != nil {
		return fail(err)
	}
	if err := futimens(int(t.file.Fd()), date); err != nil {
		return fail(err)
	}
	if !f.noSync {
		if err := t.file.Sync(); err != nil {
			return fail(err)
		}
		f.stats.FileSyncs.Add(1)
	}
	return t, nil
}

// futimens sets a file's times through its descriptor, as C's futimens
// does; unix.Futimes walks the path /proc/self/fd/N on every message.
func futimens(fd int, t time.Time) error {
	ts := unix.NsecToTimespec(t.UnixNano())
	times := [2]unix.Timespec{ts, ts}
	_, _, errno := unix.Syscall6(unix.SYS_UTIMENSAT, uintptr(fd), 0, uintptr(unsafe.Pointer(&times)), 0, 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// onlyWriter hides os.File's ReadFrom so that io.CopyBuffer uses our buffer.
type onlyWriter struct{ w io.Writer }

func (o onlyWriter) Write(b []byte) (int, error) { return o.w.Write(b) }

func (f *fsBlobs) ReadTemp(t tempBlob) io.ReaderAt { return t.file }

func (f *fsBlobs) Discard(t tempBlob) error {
	if t.file != nil {
		t.file.Close()
	}
	if t.path == "" {
		return nil
	}
	if err := os.Remove(t.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

func (f *fsBlobs) Place(t tempBlob, part string, mbox uint64, uid uint32) error {
	p, err := f.part(part)
	if err != nil {
		return err
	}
	dst := filepath.Join(p.mailboxDir(mbox), msgFile(uid))
	if t.part != part {
		return f.copyInto(io.NewSectionReader(t.file, 0, t.size), p, dst)
	}
	if t.path != "" {
		return f.link(t.path, dst, p, mbox)
	}
	// An unnamed file is linked by its descriptor.
	return f.link(fmt.Sprintf("/proc/self/fd/%d", t.file.Fd()), dst, p, mbox)
}

// link hard-links src to dst, replacing a leftover dst (a body placed by an
// append that crashed before its index commit) and creating the mailbox
// directory if a reconstruct or an old store lacks it.
func (f *fsBlobs) link(src, dst string, p *partition, mbox uint64) error {
	link := func() error {
		// Follow the /proc/self/fd symlink of an unnamed file.
		return unix.Linkat(unix.AT_FDCWD, src, unix.AT_FDCWD, dst, unix.AT_SYMLINK_FOLLOW)
	}
	err := link()
	if errors.Is(err, unix.EEXIST) {
		os.Remove(dst)
		err = link()
	}
	if errors.Is(err, unix.ENOENT) {
		if err = f.CreateMailbox(p.name, mbox); err == nil {
			err = link()
		}
	}
	if err != nil {
		return wrapErr(KindTemporary, err, "place message")
	}
	return nil
}

// copyInto copies a body to another partition: stage there, then link.
func (f *fsBlobs) copyInto(src io.Reader, p *partition, dst string) error {
	var date time.Time
	if st, ok := src.(interface{ Stat() (os.FileInfo, error) }); ok {
		if fi, err := st.Stat(); err == nil {
			date = fi.ModTime()
		}
	}
	t, err := f.Stage(p.name, src, date)
	if err != nil {
		return err
	}
	defer f.Discard(t)
	mbox, _ := strconv.ParseUint(filepath.Base(filepath.Dir(dst)), 10, 64)
	return f.Place(t, p.name, mbox, uidOfFile(dst))
}

func uidOfFile(path string) uint32 {
	n, _ := strconv.ParseUint(strings.TrimSuffix(filepath.Base(path), "."), 10, 32)
	return uint32(n)
}

func (f *fsBlobs) Link(srcPart string, srcMbox uint64, srcUID uint32, dstPart string, dstMbox uint64, dstUID uint32) error {
	sp, err := f.part(srcPart)
	if err != nil {
		return err
	}
	dp, err := f.part(dstPart)
	if err != nil {
		return err
	}
	src := filepath.Join(sp.mailboxDir(srcMbox), msgFile(srcUID))
	dst := filepath.Join(dp.mailboxDir(dstMbox), msgFile(dstUID))
	if srcPart != dstPart {
		in, err := os.Open(src)
		if err != nil {
			return wrapErr(KindTemporary, err, "copy message")
		}
		defer in.Close()
		return f.copyInto(in, dp, dst)
	}
	return f.link(src, dst, dp, dstMbox)
}

var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

func (f *fsBlobs) SyncMailbox(part string, mbox uint64) error {
	if f.noSync {
		return nil
	}
	p, err := f.part(part)
	if err != nil {
		return err
	}
	if err := syncDir(p.mailboxDir(mbox)); err != nil {
		return wrapErr(KindTemporary, err, "sync mailbox directory")
	}
	f.stats.DirSyncs.Add(1)
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func (f *fsBlobs) Open(part string, mbox uint64, uid uint32) (Blob, error) {
	// os.Open would also try, and fail, to register a regular file with
	// the network poller: a wasted system call on every FETCH of a body.
	path := f.Path(part, mbox, uid)
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ENOENT) {
		return nil, wrapErr(KindExpunged, err, "message %d", uid)
	}
	if err != nil {
		return nil, wrapErr(KindTemporary, err, "open message %d", uid)
	}
	return os.NewFile(uintptr(fd), path), nil
}

func (f *fsBlobs) Remove(part string, mbox uint64, uid uint32) error {
	err := os.Remove(f.Path(part, mbox, uid))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

func (f *fsBlobs) CreateMailbox(part string, mbox uint64) error {
	p, err := f.part(part)
	if err != nil {
		return err
	}
	dir := p.mailboxDir(mbox)
	// Create each missing level and sync its parent, so that the directory
	// entries survive a crash as the message files inside them will.
	var missing []string
	for d := dir; d != p.dir; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		missing = append(missing, d)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o700); err != nil && !errors.Is(err, os.ErrExist) {
			return wrapErr(KindTemporary, err, "create mailbox directory")
		}
		if err := f.own.path(missing[i]); err != nil {
			return wrapErr(KindTemporary, err, "create mailbox directory")
		}
		if !f.noSync {
			if err := syncDir(filepath.Dir(missing[i])); err != nil {
				return wrapErr(KindTemporary, err, "sync mailbox directory")
			}
			f.stats.DirSyncs.Add(1)
		}
	}
	return nil
}

func (f *fsBlobs) RemoveMailbox(part string, mbox uint64) error {
	p, err := f.part(part)
	if err != nil {
		return err
	}
	return os.RemoveAll(p.mailboxDir(mbox))
}

func (f *fsBlobs) List(part string, mbox uint64) ([]blobInfo, error) {
	p, err := f.part(part)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(p.mailboxDir(mbox))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []blobInfo
	for _, e := range entries {
		num, ok := strings.CutSuffix(e.Name(), ".")
		if !ok || !e.Type().IsRegular() {
			continue
		}
		uid, err := strconv.ParseUint(num, 10, 32)
		if err != nil || uid == 0 {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		out = append(out, blobInfo{UID: uint32(uid), Size: info.Size(), MTime: info.ModTime()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UID < out[j].UID })
	return out, nil
}

// cleanTmp removes bodies left in tmp/ by a process that died while staging
// them; none of them was ever acknowledged.
func (f *fsBlobs) cleanTmp() error {
	for _, p := range f.parts {
		entries, err := os.ReadDir(p.tmp)
		if err != nil {
			return err
		}
		for _, e := range entries {
			os.Remove(filepath.Join(p.tmp, e.Name()))
		}
	}
	return nil
}
