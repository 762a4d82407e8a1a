package lmtp

import (
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
)

// SocketOptions set who may connect to the UNIX socket.
type SocketOptions struct {
	Mode  os.FileMode // default 0660
	Owner string      // user name or uid; "" keeps the server's
	Group string      // group name or gid; "" keeps the server's
}

// ListenSocket listens on a UNIX socket at path (the store's ipc/lmtp) with
// the given mode, owner and group. The socket is made under a temporary
// name and renamed into place once its permissions are set, so that no
// client ever finds it more open than asked, and a socket left by a server
// that died is replaced. Closing the listener removes the socket.
//
// The MTA must also be able to reach the socket's directory: with a group
// set, give that group search permission on ipc/ and the directories above.
func ListenSocket(path string, opts SocketOptions) (net.Listener, error) {
	if opts.Mode == 0 {
		opts.Mode = 0o660
	}
	uid, gid, err := lookupOwner(opts.Owner, opts.Group)
	if err != nil {
		return nil, err
	}
	tmp := filepath.Join(filepath.Dir(path), fmt.Sprintf(".%s.%d", filepath.Base(path), os.Getpid()))
	os.Remove(tmp)
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	if err != nil {
		return nil, err
	}
	// The socket outlives its first name; Close removes the final one.
	l.SetUnlinkOnClose(false)
	fail := func(err error) (net.Listener, error) {
		l.Close()
		os.Remove(tmp)
		return nil, err
	}
	if err := os.Chmod(tmp, opts.Mode); err != nil {
		return fail(err)
	}
	if uid >= 0 || gid >= 0 {
		if err := os.Lchown(tmp, uid, gid); err != nil {
			return fail(err)
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return fail(err)
	}
	return &socketListener{UnixListener: l, path: path}, nil
}

// lookupOwner turns names or numbers into ids; -1 leaves one unchanged.
func lookupOwner(owner, group string) (uid, gid int, err error) {
	uid, gid = -1, -1
	if owner != "" {
		if uid, err = strconv.Atoi(owner); err != nil {
			u, err := user.Lookup(owner)
			if err != nil {
				return 0, 0, fmt.Errorf("lmtp socket owner: %w", err)
			}
			uid, _ = strconv.Atoi(u.Uid)
		}
	}
	if group != "" {
		if gid, err = strconv.Atoi(group); err != nil {
			g, err := user.LookupGroup(group)
			if err != nil {
				return 0, 0, fmt.Errorf("lmtp socket group: %w", err)
			}
			gid, _ = strconv.Atoi(g.Gid)
		}
	}
	return uid, gid, nil
}

// socketListener removes its socket file on Close.
type socketListener struct {
	*net.UnixListener
	path string
	once sync.Once
}

func (l *socketListener) Close() error {
	err := l.UnixListener.Close()
	l.once.Do(func() { os.Remove(l.path) })
	return err
}
