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
)

// The authentication proxy checks passwords of system accounts. It is the
// one part of mstore that keeps root, since only root reads /etc/shadow;
// the server talks to it over a UNIX socket (<store>/ipc/authproxy) and
// maps an account it accepts to a store user through the authmap.
//
// The protocol is one JSON object per line each way:
//
//	→ {"user":"kim","password":"..."}
//	← {"ok":true}  or  {"ok":false}  or  {"error":"..."}
//
// The proxy answers only for accounts with a password in the shadow file,
// never for root (uid 0), and waits a second after each refusal.

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
	Log       *slog.Logger

	mu sync.Mutex // protects l
	l  net.Listener
}

type proxyRequest struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

type proxyResponse struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// Serve answers on a UNIX socket at path (mode 0600, owned by owner when
// owner ≥ 0) until Close.
func (p *ProxyServer) Serve(path string, owner int) error {
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
	if owner >= 0 {
		if err := os.Chown(path, owner, -1); err != nil {
			l.Close()
			return err
		}
	}
	p.mu.Lock()
	p.l = l
	p.mu.Unlock()
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
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.l != nil {
		return p.l.Close()
	}
	return nil
}

func (p *ProxyServer) handle(c net.Conn) {
	defer c.Close()
	defer func() {
		if r := recover(); r != nil && p.Log != nil {
			p.Log.Error("panic in auth proxy", "panic", r)
		}
	}()
	if uid, err := PeerUID(c); err != nil || (uid != 0 && uid != p.AllowUID) {
		json.NewEncoder(c).Encode(proxyResponse{Error: "not allowed"})
		return
	}
	br := bufio.NewReaderSize(c, 4096)
	enc := json.NewEncoder(c)
	for {
		c.SetReadDeadline(time.Now().Add(time.Minute))
		line, err := br.ReadSlice('\n')
		if err != nil {
			return
		}
		var req proxyRequest
		if err := json.Unmarshal(line, &req); err != nil {
			enc.Encode(proxyResponse{Error: "malformed request"})
			return
		}
		ok := p.check(req.User, req.Password)
		if !ok {
			d := p.FailDelay
			if d == 0 {
				d = time.Second
			}
			time.Sleep(d)
		}
		if err := enc.Encode(proxyResponse{OK: ok}); err != nil {
			return
		}
	}
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
	if err := json.NewEncoder(c).Encode(proxyRequest{User: account, Password: password}); err != nil {
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
