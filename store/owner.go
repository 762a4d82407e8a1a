package store

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// Owner is the account a store's files belong to: the unprivileged user
// "mstore serve" runs as once it has given up root. A process that still
// runs as root — serve while it starts, an admin command with no server —
// gives every file and directory it makes to the owner, so that nothing
// in the store is ever out of the server's reach.
type Owner struct {
	UID, GID int
}

// chowner applies an Owner; the zero value does nothing.
type chowner struct{ o *Owner }

// active is true while this process is root: once it runs as the owner
// (or as anyone else) what it makes is already the owner's, or could not
// be given away.
func (c chowner) active() bool {
	if c.o == nil || notRoot.Load() {
		return false
	}
	if unix.Geteuid() != 0 {
		notRoot.Store(true)
		return false
	}
	return true
}

// notRoot remembers that this process has been seen without root: serve
// gives it up for good, so every delivery after that skips the system
// call.
var notRoot atomic.Bool

func (c chowner) path(p string) error {
	if !c.active() {
		return nil
	}
	if err := os.Lchown(p, c.o.UID, c.o.GID); err != nil {
		return fmt.Errorf("give %s to uid %d: %w", p, c.o.UID, err)
	}
	return nil
}

func (c chowner) file(f *os.File) error {
	if !c.active() {
		return nil
	}
	if err := f.Chown(c.o.UID, c.o.GID); err != nil {
		return fmt.Errorf("give %s to uid %d: %w", f.Name(), c.o.UID, err)
	}
	return nil
}

// mkdirAll is os.MkdirAll that gives each directory it makes to the owner.
func (c chowner) mkdirAll(dir string, mode os.FileMode) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := c.mkdirAll(parent, mode); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, mode); err != nil && !os.IsExist(err) {
		return err
	}
	return c.path(dir)
}

// adopt gives a whole tree to the owner when its top is not the owner's:
// a store made by root before an owner was configured, or one whose owner
// changed. A tree whose top is already the owner's is left alone, since
// everything made inside it since has been given away as it was made.
func (c chowner) adopt(top string) (n int, err error) {
	if !c.active() {
		return 0, nil
	}
	fi, err := os.Lstat(top)
	if err != nil {
		return 0, err
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) == c.o.UID && int(st.Gid) == c.o.GID {
		return 0, nil
	}
	// The top goes last, so that a walk cut short is done again next time.
	err = filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == top {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok && int(st.Uid) == c.o.UID && int(st.Gid) == c.o.GID {
			return nil
		}
		n++
		return os.Lchown(p, c.o.UID, c.o.GID)
	})
	if err == nil {
		err = os.Lchown(top, c.o.UID, c.o.GID)
	}
	if err != nil {
		return n, fmt.Errorf("give %s to uid %d: %w", top, c.o.UID, err)
	}
	return n + 1, nil
}
