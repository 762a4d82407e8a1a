package main

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"

	"mstore/config"
	"mstore/store"
)

// account is the unprivileged user serve becomes once root has done its
// part: binding ports, making the mount, starting the authentication
// proxy. It owns the store's files.
type account struct {
	name     string
	uid, gid int
	groups   []int
}

// runAsAccount is false in the command's own tests, which run serve inside
// the test process and must not make it give up root.
var runAsAccount = true

// serverAccount looks up server.user when this process is root. It is nil
// when there is nothing to give up: not root, or server.user is "".
func serverAccount(cfg *config.Config) (*account, error) {
	name := cfg.Server.User
	if !runAsAccount || os.Geteuid() != 0 || name == "" {
		return nil, nil
	}
	u, err := user.Lookup(name)
	if _, numeric := err.(user.UnknownUserError); numeric {
		if _, nerr := strconv.Atoi(name); nerr == nil {
			u, err = user.LookupId(name)
		}
	}
	if err != nil {
		return nil, invalidErr("server.user %q: %v; create the account (useradd --system --home-dir / --shell /usr/sbin/nologin %s) or name another in [server] user", name, err, name)
	}
	a := &account{name: u.Username}
	a.uid, _ = strconv.Atoi(u.Uid)
	a.gid, _ = strconv.Atoi(u.Gid)
	if a.uid == 0 {
		return nil, invalidErr("server.user %q is root; name an unprivileged account, or \"\" to keep root", name)
	}
	ids, err := u.GroupIds()
	if err != nil {
		return nil, fmt.Errorf("server.user %q: groups: %w", name, err)
	}
	for _, id := range ids {
		if g, err := strconv.Atoi(id); err == nil {
			a.groups = append(a.groups, g)
		}
	}
	return a, nil
}

// storeOwner is the store.Owner of the account's files; nil for no account.
func (a *account) storeOwner() *store.Owner {
	if a == nil {
		return nil
	}
	return &store.Owner{UID: a.uid, GID: a.gid}
}

// canReach checks, while still root, that the account will be able to
// reach dir: every directory on the way must let it search. A store under
// a private directory (root's home, a 0700 temporary directory) would
// otherwise fail only after root is gone, with a bare "permission denied".
func (a *account) canReach(dir string) error {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		var bit os.FileMode
		switch {
		case int(st.Uid) == a.uid:
			bit = 0o100
		case int(st.Gid) == a.gid || slices.Contains(a.groups, int(st.Gid)):
			bit = 0o010
		default:
			bit = 0o001
		}
		if fi.Mode().Perm()&bit == 0 {
			return invalidErr("%s is out of reach of server.user %s (uid %d): %s has mode %04o; let it search there, or move the store", dir, a.name, a.uid, d, fi.Mode().Perm())
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

// drop gives up root for good, in every thread of the process: the
// account's groups, then its gid, then its uid, real, effective and saved
// alike, so that root cannot be taken back.
func (a *account) drop() error {
	if err := syscall.Setgroups(a.groups); err != nil {
		return fmt.Errorf("setgroups: %w", err)
	}
	if err := syscall.Setresgid(a.gid, a.gid, a.gid); err != nil {
		return fmt.Errorf("setresgid %d: %w", a.gid, err)
	}
	if err := syscall.Setresuid(a.uid, a.uid, a.uid); err != nil {
		return fmt.Errorf("setresuid %d: %w", a.uid, err)
	}
	if syscall.Setresuid(0, 0, 0) == nil {
		return fmt.Errorf("root could be taken back after dropping to uid %d", a.uid)
	}
	return nil
}

// giveAway hands files serve made as root to the account (a generated TLS
// pair); nil for no account.
func (a *account) giveAway(paths ...string) error {
	if a == nil {
		return nil
	}
	for _, p := range paths {
		if err := os.Lchown(p, a.uid, a.gid); err != nil {
			return err
		}
	}
	return nil
}
