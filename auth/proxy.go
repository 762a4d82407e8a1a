package auth

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// The authentication proxy is the one part of mstore that keeps root. It
// does the two things the server cannot do once it has given root up:
// check passwords of system accounts, since only root reads /etc/shadow
// (the server maps an account it accepts to a store user through the
// authmap), and unmount the store's mount, which root made. The server
// talks to it over a UNIX socket (<store>/ipc/authproxy).
//
// The protocol is one JSON object per line each way:
//
//	→ {"user":"kim","password":"..."}
//	← {"ok":true}  or  {"ok":false}  or  {"error":"..."}
//	→ {"op":"unmount"}
//	← {"ok":true}  or  {"error":"..."}
//
// The proxy answers only for accounts with a password in the shadow file,
// never for root (uid 0), and waits a second after each refusal. It
// unmounts only the directory it was started with, and only while a
// FUSE filesystem is mounted there.

// ProxyServer answers password checks for system accounts.
type ProxyServer struct {
	// Shadow and Passwd are the account files (default /etc/shadow and
	// /etc/passwd); tests point them elsewhere.
	Shadow, Passwd string
	// AllowUID, when non-negative, is the only peer uid the proxy serves
	// besides root: the unprivileged server's.
	AllowUID int
	// FailDelay is waited after each refusal (default 1s).
	FailDelay time.Duration
	// NoPasswords refuses every password check: system accounts are off,
	// and the proxy runs only to unmount.
	NoPasswords bool
	// Mount is the one directory the proxy unmounts when asked; "" when
	// the server has no mount.
	Mount string
	// IdleTimeout closes a connection that sent nothing for that long
	// (default a minute); a client dials again when it needs to.
	IdleTimeout time.Duration
	Log         *slog.Logger

	mu   sync.Mutex // protects l
	l    net.Listener
	fuse fuseDevice // for passthrough (proxy_fuse.go)
}

type proxyRequest struct {
	Op       string `json:"op,omitempty"` // "" checks a password
	User     string `json:"user,omitempty"`
	Password string `json:"password,omitempty"`
	ID       int32  `json:"id,omitempty"` // backing-close
}

type proxyResponse struct {
	OK    bool   `json:"ok"`
	ID    int32  `json:"id,omitempty"` // backing-open
	Error string `json:"error,omitempty"`
}

// Listen makes the proxy's UNIX socket at path (mode 0600, given to uid
// and gid where they are ≥ 0): a client may connect once it returns, and
// is answered when Serve runs.
func (p *ProxyServer) Listen(path string, uid, gid int) error {
	if !cryptAvailable {
		return errors.New("auth proxy: built without libcrypt (cgo)")
	}
	os.Remove(path)
	l, err := net.Listen("unix", path)
	if err != nil {
		return err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return err
	}
	if uid >= 0 || gid >= 0 {
		if err := os.Lchown(path, uid, gid); err != nil {
			l.Close()
			return err
		}
	}
	p.mu.Lock()
	p.l = l
	p.mu.Unlock()
	return nil
}

// Serve answers on the socket Listen made until Close.
func (p *ProxyServer) Serve() error {
	p.mu.Lock()
	l := p.l
	p.mu.Unlock()
	if l == nil {
		return errors.New("auth proxy: Serve before Listen")
	}
	for {
		c, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		go p.handle(c)
	}
}

// Close stops Serve.
func (p *ProxyServer) Close() error {
	p.closeFUSE()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.l != nil {
		return p.l.Close()
	}
	return nil
}

func (p *ProxyServer) handle(c net.Conn) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		c.Close()
		return
	}
	m := &msgConn{c: uc}
	defer m.close()
	defer func() {
		if r := recover(); r != nil && p.Log != nil {
			p.Log.Error("panic in auth proxy", "panic", r)
		}
	}()
	enc := json.NewEncoder(c)
	if uid, err := PeerUID(c); err != nil || (uid != 0 && uid != p.AllowUID) {
		enc.Encode(proxyResponse{Error: "not allowed"})
		return
	}
	for {
		idle := p.IdleTimeout
		if idle == 0 {
			idle = time.Minute
		}
		c.SetReadDeadline(time.Now().Add(idle))
		line, fds, err := m.readLine()
		if err != nil {
			return
		}
		var req proxyRequest
		if err := json.Unmarshal(line, &req); err != nil {
			closeFDs(fds)
			enc.Encode(proxyResponse{Error: "malformed request"})
			return
		}
		var resp proxyResponse
		switch req.Op {
		case "":
			closeFDs(fds)
			resp.OK = !p.NoPasswords && p.check(req.User, req.Password)
			if !resp.OK {
				d := p.FailDelay
				if d == 0 {
					d = time.Second
				}
				time.Sleep(d)
			}
		case "unmount":
			closeFDs(fds)
			resp.OK = true
			if err := p.unmount(); err != nil {
				resp = proxyResponse{Error: err.Error()}
			}
			if p.Log != nil {
				p.Log.Info("auth proxy: unmount", "dir", p.Mount, "err", resp.Error)
			}
		default:
			resp = p.fuseOp(req, fds)
		}
		if err := enc.Encode(resp); err != nil {
			return
		}
	}
}

func closeFDs(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// unmount takes down the mount at p.Mount, detaching it lazily when it is
// busy. The last name is not followed and the filesystem there must be
// FUSE, so that whoever can rename entries in the store cannot point the
// proxy at another mount.
func (p *ProxyServer) unmount() error {
	if p.Mount == "" {
		return errors.New("no mount to unmount")
	}
	var sfs unix.Statfs_t
	if err := unix.Statfs(p.Mount, &sfs); err != nil {
		return err
	}
	if sfs.Type != unix.FUSE_SUPER_MAGIC {
		return fmt.Errorf("%s is not mounted", p.Mount)
	}
	err := unix.Unmount(p.Mount, unix.UMOUNT_NOFOLLOW)
	if errors.Is(err, unix.EBUSY) {
		err = unix.Unmount(p.Mount, unix.UMOUNT_NOFOLLOW|unix.MNT_DETACH)
	}
	return err
}

// check verifies a system account's password from the shadow file.
func (p *ProxyServer) check(name, password string) bool {
	if name == "" || strings.ContainsAny(name, ":\n\x00") {
		return false
	}
	if uid, ok := lookupUID(p.passwd(), name); !ok || uid == 0 {
		return false
	}
	hash, ok := shadowHash(p.shadow(), name)
	if !ok || hash == "" || hash[0] == '!' || hash[0] == '*' {
		return false
	}
	good, known := cryptCheck(password, hash)
	if !known && p.Log != nil {
		p.Log.Warn("auth proxy: unknown hash scheme", "account", name)
	}
	return good
}

func (p *ProxyServer) shadow() string {
	if p.Shadow != "" {
		return p.Shadow
	}
	return "/etc/shadow"
}

func (p *ProxyServer) passwd() string {
	if p.Passwd != "" {
		return p.Passwd
	}
	return "/etc/passwd"
}

// shadowHash finds an account's password field.
func shadowHash(path, name string) (string, bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.SplitN(sc.Text(), ":", 3)
		if len(fields) >= 2 && fields[0] == name {
			return fields[1], true
		}
	}
	return "", false
}

// lookupUID finds an account's uid in a passwd file.
func lookupUID(path, name string) (int, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) >= 3 && fields[0] == name {
			var uid int
			if _, err := fmt.Sscan(fields[2], &uid); err == nil {
				return uid, true
			}
		}
	}
	return 0, false
}

// ProxyClient asks a ProxyServer.
type ProxyClient struct {
	Socket string
}

// ErrNoProxy says no proxy answers at the socket: system accounts are not
// available, which is not a failed login.
var ErrNoProxy = errors.New("auth proxy not running")

// CheckSystemPassword asks the proxy whether password is the account's.
func (pc ProxyClient) CheckSystemPassword(ctx context.Context, account, password string) (bool, error) {
	return pc.ask(ctx, proxyRequest{User: account, Password: password})
}

// Unmount asks the proxy to unmount the store's mount.
func (pc ProxyClient) Unmount(ctx context.Context) error {
	_, err := pc.ask(ctx, proxyRequest{Op: "unmount"})
	return err
}

func (pc ProxyClient) ask(ctx context.Context, req proxyRequest) (bool, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", pc.Socket)
	if err != nil {
		return false, fmt.Errorf("%w: %v", ErrNoProxy, err)
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	} else {
		c.SetDeadline(time.Now().Add(30 * time.Second))
	}
	if err := json.NewEncoder(c).Encode(req); err != nil {
		return false, err
	}
	var resp proxyResponse
	if err := json.NewDecoder(c).Decode(&resp); err != nil {
		return false, err
	}
	if resp.Error != "" {
		return false, errors.New("auth proxy: " + resp.Error)
	}
	return resp.OK, nil
}
