// Package testenv gives the project's tests what they need from the
// machine: the real client programs they drive, installed from Debian's
// packages when missing, and root where a test mounts or adds accounts.
//
// A test that cannot get what it needs skips — on a developer's machine
// without root, say. Under MSTORE_TEST_STRICT=1, which .ci/run sets, it
// fails instead: CI is set up to run every test, so a skip there would be
// a test that passes without having run.
package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// StrictEnv is the variable that turns skips into failures.
const StrictEnv = "MSTORE_TEST_STRICT"

// Strict reports whether a test that cannot run must fail.
func Strict() bool { return os.Getenv(StrictEnv) == "1" }

// Skip skips the test, or fails it under MSTORE_TEST_STRICT=1.
func Skip(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if Strict() {
		t.Fatalf("%s (%s=1: a test that cannot run fails)", msg, StrictEnv)
	}
	t.Skip(msg)
}

// Root skips the test unless it runs as root; why says what needs it.
func Root(t testing.TB, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		Skip(t, "%s needs root", why)
	}
}

// Program returns the path of the program bin, installing the Debian
// package pkg when it is missing, as .ci/install-deps does for CI. With
// -short it installs nothing and skips instead.
func Program(t testing.TB, bin, pkg string) string {
	t.Helper()
	if p, ok := lookPath(bin); ok {
		return p
	}
	if testing.Short() {
		Skip(t, "%s not installed (-short: not installing %s)", bin, pkg)
	}
	if err := install(pkg); err != nil {
		Skip(t, "%s not installed: %v", bin, err)
	}
	p, ok := lookPath(bin)
	if !ok {
		Skip(t, "%s not found after installing %s", bin, pkg)
	}
	return p
}

// lookPath finds bin in $PATH or, for daemons such as postfix, in the
// system directories a non-root $PATH often lacks.
func lookPath(bin string) (string, bool) {
	if p, err := exec.LookPath(bin); err == nil {
		return p, true
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		if _, err := os.Stat(dir + "/" + bin); err == nil {
			return dir + "/" + bin, true
		}
	}
	return "", false
}

// preseed holds the debconf answers a package needs to install without
// questions. Postfix stays unconfigured: tests run private instances,
// never the system's.
var preseed = map[string]string{
	"postfix": "postfix postfix/main_mailer_type select No configuration",
}

// installMu keeps one package test binary from running apt-get twice at
// once; apt's own lock, waited on below, orders the test binaries.
var installMu sync.Mutex

func install(pkg string) error {
	installMu.Lock()
	defer installMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	run := func(name string, args ...string) error {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if answers, ok := preseed[pkg]; ok && name == "debconf-set-selections" {
			cmd.Stdin = strings.NewReader(answers + "\n")
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return nil
	}
	if _, ok := preseed[pkg]; ok {
		if err := run("debconf-set-selections"); err != nil {
			return err
		}
	}
	get := func(args ...string) error {
		return run("apt-get", append([]string{"-q", "-y", "-o", "DPkg::Lock::Timeout=300"}, args...)...)
	}
	if get("install", pkg) == nil {
		return nil
	}
	// The package lists may be missing or stale on a fresh machine.
	if err := get("update"); err != nil {
		return err
	}
	return get("install", pkg)
}

// AsRemote makes the connections a listener accepts report a peer address
// off this host (192.0.2.7, of TEST-NET-1, never dialled), so that the
// rules for remote clients — no plaintext password before TLS — apply to
// a test client on loopback.
func AsRemote(l net.Listener) net.Listener { return remoteListener{l} }

type remoteListener struct{ net.Listener }

func (l remoteListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return remoteConn{c}, nil
}

type remoteConn struct{ net.Conn }

func (remoteConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(192, 0, 2, 7), Port: 40000}
}

// LogBuffer collects what a server under test logs from its goroutines,
// for a test to search or to show when it fails.
type LogBuffer struct {
	mu sync.Mutex // protects b
	b  strings.Builder
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
