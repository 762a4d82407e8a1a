package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Options configure a store. The zero value is the embedded default: one
// partition "default" in <store>/mailstore, fan-out 5×20, fsync on.
type Options struct {
	Partitions []PartitionConfig
	Placement  Placement
	// FanOut1 and FanOut2 are the number of directories at each hashed
	// level of a new partition (5 to 500; defaults 5 and 20). A partition
	// keeps the fan-out it was created with.
	FanOut1, FanOut2 int
	// MaxMessageSize refuses bigger messages at every door (0: 64 MiB).
	MaxMessageSize int64
	// NoSync skips every fsync. Only for tests and benchmarks that say so.
	NoSync bool
	// Owner, when set, is the account the store's files belong to; while
	// this process runs as root it gives them to it (see Owner).
	Owner  *Owner
	Logger *slog.Logger
}

// PartitionConfig names a directory of message files. A relative Path is
// taken from the store directory.
type PartitionConfig struct {
	Name string
	Path string
}

// Placement picks the partition of a new mailbox: the first rule naming the
// mailbox's user or domain wins; otherwise Default, which may be
// "round-robin" to spread mailboxes over every partition.
type Placement struct {
	Rules   []PlacementRule
	Default string
}

type PlacementRule struct {
	Domain    string // "foo.com"
	User      string // "joe@foo.com"
	Partition string
}

const (
	DefaultPartition = "default"
	RoundRobin       = "round-robin"
	defaultMaxSize   = 64 << 20
)

// Stats count the expensive operations, for benchmarks and the web page.
type Stats struct {
	Appends   atomic.Uint64 // messages committed to a mailbox
	Commits   atomic.Uint64 // database write transactions
	FileSyncs atomic.Uint64 // fsyncs of message files
	DirSyncs  atomic.Uint64 // fsyncs of directories
}

// Store is an open store. It is safe for concurrent use by every door.
type Store struct {
	dir    string
	opts   Options
	own    chowner // gives what a root process makes to opts.Owner
	log    *slog.Logger
	meta   metaStore
	blobs  blobStore
	parts  []string // partition names, in configuration order
	lock   *os.File
	commit *committer
	events *hub
	stats  Stats
	rr     atomic.Uint64 // round-robin cursor over parts

	seqMu sync.Mutex         // protects seqs
	seqs  map[uint64]*uidSeq // per-mailbox UID sequencers, created on first use

	closeOnce sync.Once
}

// Open opens the store at dir, creating its layout when missing, and takes
// the store lock: a second process on the same store gets KindInUse naming
// the holder's pid.
func Open(dir string, opts Options) (*Store, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.MaxMessageSize <= 0 {
		opts.MaxMessageSize = defaultMaxSize
	}
	if opts.FanOut1 == 0 {
		opts.FanOut1 = 5
	}
	if opts.FanOut2 == 0 {
		opts.FanOut2 = 20
	}
	for _, f := range []int{opts.FanOut1, opts.FanOut2} {
		if f < 5 || f > 500 {
			return nil, errorf(KindInvalid, "fan-out %d: must be between 5 and 500", f)
		}
	}
	if len(opts.Partitions) == 0 {
		opts.Partitions = []PartitionConfig{{Name: DefaultPartition, Path: "mailstore"}}
	}
	own := chowner{opts.Owner}
	for _, d := range []string{"", "database", "tmp", "ipc", "etc", "run"} {
		if err := own.mkdirAll(filepath.Join(dir, d), 0o750); err != nil {
			return nil, fmt.Errorf("create store layout: %w", err)
		}
	}
	lock, err := takeLock(dir, own)
	if err != nil {
		return nil, err
	}
	if n, err := own.adopt(dir); err != nil {
		releaseLock(lock)
		return nil, err
	} else if n > 0 {
		opts.Logger.Info("store given to its owner", "dir", dir, "uid", opts.Owner.UID, "entries", n)
	}
	s := &Store{dir: dir, opts: opts, log: opts.Logger, lock: lock, seqs: map[uint64]*uidSeq{}, events: newHub(), own: own}
	dbPath := filepath.Join(dir, "database", "mstore.db")
	meta, err := openBoltMeta(dbPath, opts.NoSync)
	if err == nil {
		err = own.path(dbPath)
	}
	if err != nil {
		if meta != nil {
			meta.Close()
		}
		releaseLock(lock)
		return nil, err
	}
	s.meta = meta
	blobs, err := s.openPartitions()
	if err != nil {
		meta.Close()
		releaseLock(lock)
		return nil, err
	}
	s.blobs = blobs
	if err := blobs.cleanTmp(); err != nil {
		s.log.Warn("cleaning tmp", "err", err)
	}
	s.commit = newCommitter(s)
	return s, nil
}

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

// PartitionDirs are the directories of the partitions, in configuration
// order.
func (s *Store) PartitionDirs() []string {
	var dirs []string
	for _, pc := range s.opts.Partitions {
		dirs = append(dirs, s.partitionDir(pc))
	}
	return dirs
}

// partitionDir is a partition's path, a relative one taken from the store.
func (s *Store) partitionDir(pc PartitionConfig) string {
	if filepath.IsAbs(pc.Path) {
		return pc.Path
	}
	return filepath.Join(s.dir, pc.Path)
}

// Stats returns the store's counters.
func (s *Store) Stats() *Stats { return &s.stats }

// MaxMessageSize is the largest message any door may store.
func (s *Store) MaxMessageSize() int64 { return s.opts.MaxMessageSize }

// Close stops the committer, closes the database and releases the lock.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.commit.stop()
		s.events.closeAll()
		err = s.meta.Close()
		releaseLock(s.lock)
	})
	return err
}

// takeLock holds run/lock with an open-file-description lock for the life
// of the process and writes our pid beside it, so a second process can say
// who holds the store. OFD locks, unlike flock, can be tested without being
// taken (LockHolder), so a probe never makes an Open fail.
func takeLock(dir string, own chowner) (*os.File, error) {
	path := filepath.Join(dir, "run", "lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open store lock: %w", err)
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK}
	if err := unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &lk); err != nil {
		f.Close()
		pid := "unknown"
		if b, err := os.ReadFile(filepath.Join(dir, "run", "mstore.pid")); err == nil {
			pid = strings.TrimSpace(string(b))
		}
		return nil, &Error{Kind: KindInUse, Msg: fmt.Sprintf("store %s is in use by process %s", dir, pid), Err: err}
	}
	pidFile := filepath.Join(dir, "run", "mstore.pid")
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		f.Close()
		return nil, fmt.Errorf("write pid file: %w", err)
	}
	if err := errors.Join(own.file(f), own.path(pidFile)); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func releaseLock(f *os.File) {
	os.Remove(filepath.Join(filepath.Dir(f.Name()), "mstore.pid"))
	f.Close() // closing the last descriptor releases the OFD lock
}

// LockHolder returns the pid recorded by the process holding the store at
// dir, -1 when it is held but the pid is unknown, or 0 when no process holds
// it. It only tests the lock.
func LockHolder(dir string) int {
	f, err := os.Open(filepath.Join(dir, "run", "lock"))
	if err != nil {
		return 0
	}
	defer f.Close()
	lk := unix.Flock_t{Type: unix.F_WRLCK}
	if err := unix.FcntlFlock(f.Fd(), unix.F_OFD_GETLK, &lk); err != nil || lk.Type == unix.F_UNLCK {
		return 0
	}
	b, _ := os.ReadFile(filepath.Join(dir, "run", "mstore.pid"))
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if pid == 0 {
		pid = -1
	}
	return pid
}

// openPartitions checks the configured partitions against those recorded in
// the database: a partition keeps its fan-out for life, and a partition
// that holds mailboxes may not disappear from the configuration.
func (s *Store) openPartitions() (*fsBlobs, error) {
	f := &fsBlobs{parts: map[string]*partition{}, noSync: s.opts.NoSync, stats: &s.stats, own: s.own}
	err := s.meta.Update(func(tx metaTx) error {
		for _, pc := range s.opts.Partitions {
			if pc.Name == "" || strings.ContainsAny(pc.Name, "/\x00 ") {
				return errorf(KindInvalid, "partition name %q", pc.Name)
			}
			if f.parts[pc.Name] != nil {
				return errorf(KindInvalid, "partition %q configured twice", pc.Name)
			}
			path := s.partitionDir(pc)
			p := &partition{name: pc.Name, dir: path, fan1: s.opts.FanOut1, fan2: s.opts.FanOut2}
			key := []byte("partition:" + pc.Name)
			if v := tx.Get(bMeta, key); len(v) == 8 {
				p.fan1 = int(binary.BigEndian.Uint32(v))
				p.fan2 = int(binary.BigEndian.Uint32(v[4:]))
				if p.fan1 != s.opts.FanOut1 || p.fan2 != s.opts.FanOut2 {
					s.log.Info("partition keeps the fan-out it was created with", "partition", p.name, "fanout", fmt.Sprintf("%d×%d", p.fan1, p.fan2))
				}
			} else {
				v := binary.BigEndian.AppendUint32(nil, uint32(p.fan1))
				if err := tx.Put(bMeta, key, binary.BigEndian.AppendUint32(v, uint32(p.fan2))); err != nil {
					return err
				}
			}
			p.tmp = filepath.Join(s.dir, "tmp")
			if pc.Name != DefaultPartition || path != filepath.Join(s.dir, "mailstore") {
				// A partition may live on its own filesystem; its bodies
				// are staged beside it so that placing one is a link.
				p.tmp = filepath.Join(path, "tmp")
			}
			for _, d := range []string{p.dir, p.tmp} {
				if err := s.own.mkdirAll(d, 0o750); err != nil {
					return fmt.Errorf("partition %s: %w", p.name, err)
				}
			}
			if n, err := s.own.adopt(p.dir); err != nil {
				return fmt.Errorf("partition %s: %w", p.name, err)
			} else if n > 0 {
				s.log.Info("partition given to the store's owner", "partition", p.name, "dir", p.dir, "entries", n)
			}
			f.parts[p.name] = p
			s.parts = append(s.parts, p.name)
		}
		var missing []string
		tx.Scan(bMeta, []byte("partition:"), nil, func(k, _ []byte) bool {
			name := strings.TrimPrefix(string(k), "partition:")
			if f.parts[name] == nil {
				missing = append(missing, name)
			}
			return true
		})
		for _, name := range missing {
			used := false
			tx.Scan(bMailboxes, nil, nil, func(_, v []byte) bool {
				if mb, err := decodeMailbox(v); err == nil && mb.Partition == name {
					used = true
					return false
				}
				return true
			})
			if used {
				return errorf(KindInvalid, "partition %q holds mailboxes but is not in the configuration", name)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, r := range s.opts.Placement.Rules {
		if f.parts[r.Partition] == nil {
			return nil, errorf(KindInvalid, "placement rule names unknown partition %q", r.Partition)
		}
	}
	if d := s.opts.Placement.Default; d != "" && d != RoundRobin && f.parts[d] == nil {
		return nil, errorf(KindInvalid, "placement default names unknown partition %q", d)
	}
	return f, nil
}

// choosePartition applies the placement rules to a new mailbox.
func (s *Store) choosePartition(domain, user string) string {
	for _, r := range s.opts.Placement.Rules {
		if (r.User != "" && strings.EqualFold(r.User, user)) || (r.User == "" && r.Domain != "" && strings.EqualFold(r.Domain, domain)) {
			return r.Partition
		}
	}
	switch d := s.opts.Placement.Default; d {
	case RoundRobin:
		return s.parts[(s.rr.Add(1)-1)%uint64(len(s.parts))]
	case "":
		if len(s.parts) > 0 && s.parts[0] != "" {
			for _, p := range s.parts {
				if p == DefaultPartition {
					return p
				}
			}
			return s.parts[0]
		}
	default:
		return d
	}
	return DefaultPartition
}

// nextID increments a counter in the meta bucket and returns its new value.
func nextID(tx metaTx, name string) (uint64, error) {
	key := []byte(name)
	var v uint64
	if b := tx.Get(bMeta, key); len(b) == 8 {
		v = binary.BigEndian.Uint64(b)
	}
	v++
	return v, tx.Put(bMeta, key, be64(v))
}

// newUIDValidity hands out UIDVALIDITY values: the current time, but always
// above any value given before, so a re-created mailbox never repeats one.
func newUIDValidity(tx metaTx) (uint32, error) {
	key := []byte("uidvalidity")
	var last uint64
	if b := tx.Get(bMeta, key); len(b) == 8 {
		last = binary.BigEndian.Uint64(b)
	}
	v := uint64(time.Now().Unix())
	if v <= last {
		v = last + 1
	}
	if v > 0xffffffff {
		v = last + 1
	}
	return uint32(v), tx.Put(bMeta, key, be64(v))
}

// ctxErr turns a cancelled context into a temporary error.
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return wrapErr(KindTemporary, err, "cancelled")
	}
	return nil
}

// internalErr wraps an unexpected failure, keeping an *Error as it is.
func internalErr(err error, what string) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return wrapErr(KindInternal, err, "%s", what)
}
