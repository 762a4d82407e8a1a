package auth

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mstore/tools/testenv"
)

// startProxy serves a proxy on accounts files in a temporary directory.
func startProxy(t *testing.T, passwd, shadow string) ProxyClient {
	return startProxyWith(t, passwd, shadow, func(*ProxyServer) {})
}

func startProxyWith(t *testing.T, passwd, shadow string, set func(*ProxyServer)) ProxyClient {
	t.Helper()
	if !cryptAvailable {
		testenv.Skip(t, "built without cgo: no libcrypt")
	}
	dir := t.TempDir()
	pw := filepath.Join(dir, "passwd")
	sh := filepath.Join(dir, "shadow")
	os.WriteFile(pw, []byte(passwd), 0o644)
	os.WriteFile(sh, []byte(shadow), 0o600)
	sock := filepath.Join(dir, "authproxy")
	p := &ProxyServer{Shadow: sh, Passwd: pw, AllowUID: os.Getuid(), FailDelay: time.Millisecond}
	set(p)
	if err := p.Listen(sock, -1, -1); err != nil {
		t.Fatal(err)
	}
	go p.Serve()
	t.Cleanup(func() { p.Close() })
	return ProxyClient{Socket: sock}
}

func opensslHash(t *testing.T, alg, password string) string {
	openssl := testenv.Program(t, "openssl", "openssl")
	out, err := exec.Command(openssl, "passwd", alg, password).Output()
	if err != nil {
		t.Fatalf("openssl passwd %s: %v", alg, err)
	}
	return strings.TrimSpace(string(out))
}

func TestProxyChecksShadowHashes(t *testing.T) {
	sha512 := opensslHash(t, "-6", "kimpass")
	sha256 := opensslHash(t, "-5", "leopass")
	pc := startProxy(t,
		"root:x:0:0::/root:/bin/sh\nkim:x:1001:1001::/home/kim:/bin/sh\nleo:x:1002:1002::/:/bin/sh\nlocked:x:1003:1003::/:/bin/sh\n",
		"root:"+sha512+":1::::::\nkim:"+sha512+":1::::::\nleo:"+sha256+":1::::::\nlocked:!"+sha512+":1::::::\n")
	ctx := context.Background()
	for _, tc := range []struct {
		user, pass string
		want       bool
	}{
		{"kim", "kimpass", true},
		{"kim", "wrong", false},
		{"leo", "leopass", true},
		{"root", "kimpass", false},   // never root
		{"locked", "kimpass", false}, // a locked account
		{"nobody", "x", false},
		{"kim:x", "kimpass", false},
	} {
		got, err := pc.CheckSystemPassword(ctx, tc.user, tc.pass)
		if err != nil || got != tc.want {
			t.Errorf("%s/%s: %v, %v; want %v", tc.user, tc.pass, got, err, tc.want)
		}
	}
}

// With system accounts off the proxy runs only to unmount: it refuses
// every password, and it unmounts nothing but a FUSE mount at its one
// directory. (tests/ unmounts a real mount through it.)
func TestProxyRefusesWhatItWasNotStartedFor(t *testing.T) {
	sha512 := opensslHash(t, "-6", "kimpass")
	notMounted := t.TempDir()
	pc := startProxyWith(t, "kim:x:1001:1001::/home/kim:/bin/sh\n", "kim:"+sha512+":1::::::\n",
		func(p *ProxyServer) { p.NoPasswords = true; p.Mount = notMounted })
	ctx := context.Background()
	if ok, err := pc.CheckSystemPassword(ctx, "kim", "kimpass"); ok || err != nil {
		t.Errorf("a password checked with system accounts off: %v, %v", ok, err)
	}
	if err := pc.Unmount(ctx); err == nil || !strings.Contains(err.Error(), "is not mounted") {
		t.Errorf("unmount of a plain directory: %v", err)
	}
	if _, err := pc.ask(ctx, proxyRequest{Op: "reboot"}); err == nil || !strings.Contains(err.Error(), "unknown op") {
		t.Errorf("unknown op: %v", err)
	}

	pc = startProxy(t, "kim:x:1001:1001::/home/kim:/bin/sh\n", "kim:"+sha512+":1::::::\n")
	if err := pc.Unmount(ctx); err == nil || !strings.Contains(err.Error(), "no mount") {
		t.Errorf("unmount with no mount: %v", err)
	}
	if ok, err := pc.CheckSystemPassword(ctx, "kim", "kimpass"); !ok || err != nil {
		t.Errorf("a password with system accounts on: %v, %v", ok, err)
	}
}

func TestProxyNotRunning(t *testing.T) {
	pc := ProxyClient{Socket: filepath.Join(t.TempDir(), "none")}
	if _, err := pc.CheckSystemPassword(context.Background(), "kim", "x"); err == nil || !strings.Contains(err.Error(), ErrNoProxy.Error()) {
		t.Errorf("err = %v, want ErrNoProxy", err)
	}
}

// TestProxyRealAccount checks a system account made with useradd and
// chpasswd, whose hash is whatever the system writes (yescrypt on Debian).
func TestProxyRealAccount(t *testing.T) {
	testenv.Root(t, "adding an account")
	if !cryptAvailable {
		testenv.Skip(t, "built without cgo: no libcrypt")
	}
	name := "mstproxy" + strings.ReplaceAll(time.Now().Format("150405.000"), ".", "")
	if out, err := exec.Command("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name).CombinedOutput(); err != nil {
		t.Fatalf("useradd: %v %s", err, out)
	}
	defer exec.Command("userdel", name).Run()
	cmd := exec.Command("chpasswd")
	cmd.Stdin = strings.NewReader(name + ":real-secret\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chpasswd: %v %s", err, out)
	}
	sock := filepath.Join(t.TempDir(), "authproxy")
	p := &ProxyServer{AllowUID: -1, FailDelay: time.Millisecond}
	if err := p.Listen(sock, -1, -1); err != nil {
		t.Fatal(err)
	}
	go p.Serve()
	defer p.Close()
	pc := ProxyClient{Socket: sock}
	if ok, err := pc.CheckSystemPassword(context.Background(), name, "real-secret"); !ok || err != nil {
		t.Errorf("right password: %v %v", ok, err)
	}
	if ok, _ := pc.CheckSystemPassword(context.Background(), name, "wrong"); ok {
		t.Error("wrong password accepted")
	}
}

// TestProxyIdleConnection: the proxy closes a connection left idle, quietly,
// and the passthrough client dials again for its next request.
func TestProxyIdleConnection(t *testing.T) {
	var logs testenv.LogBuffer
	pc := startProxyWith(t, "", "", func(p *ProxyServer) {
		p.IdleTimeout = 50 * time.Millisecond
		p.Log = slog.New(slog.NewTextHandler(&logs, nil))
	})
	b := &Backing{Socket: pc.Socket}
	defer b.Shut()
	for i := range 2 {
		if _, err := b.ask(proxyRequest{Op: "reboot"}, -1); err == nil || !strings.Contains(err.Error(), "unknown op") {
			t.Fatalf("request %d: %v", i, err)
		}
		time.Sleep(200 * time.Millisecond) // the proxy closes the connection meanwhile
	}
	if strings.Contains(logs.String(), "panic") {
		t.Errorf("the proxy logged a panic:\n%s", logs.String())
	}
}
