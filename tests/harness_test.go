// Package tests holds mstore's end-to-end tests: the real binary, real
// clients, every door at once. It uses nothing of the project but the
// binary, built once by TestMain.
package tests

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// bin is the mstore binary under test.
var bin string

// runUser is the account serve gives root up for, when the tests run as
// root: made for the tests, so that every end-to-end test runs the server
// as it runs in production.
const runUser = "mstore-e2e"

// ensureRunUser makes runUser when it is missing and reports whether it
// did, so that TestMain removes only what it made.
func ensureRunUser() (made bool, err error) {
	if os.Geteuid() != 0 {
		return false, nil
	}
	if exec.Command("id", "-u", runUser).Run() == nil {
		return false, nil
	}
	out, err := exec.Command("useradd", "--system", "--no-create-home", "--home-dir", "/", "--shell", "/usr/sbin/nologin", runUser).CombinedOutput()
	if err != nil {
		return false, fmt.Errorf("useradd %s: %v %s", runUser, err, out)
	}
	return true, nil
}

// writeConfig writes a test's configuration, run as runUser, to a file.
func writeConfig(t testing.TB, config string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mstore.toml")
	if err := os.WriteFile(path, []byte("[server]\nuser = \""+runUser+"\"\n\n"+config), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// reachable opens the directories from dir up to the system's temporary
// directory to everyone's search, as a store's path must be for the
// account serve runs as (a test's temporary directory is private).
func reachable(t testing.TB, dir string) {
	t.Helper()
	top := filepath.Clean(os.TempDir())
	for d := filepath.Clean(dir); strings.HasPrefix(d, top+"/"); d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(d, fi.Mode().Perm()|0o011); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mstore-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "mstore")
	build := exec.Command("go", "build", "-o", bin, "../cmd/mstore")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building mstore:", err)
		os.Exit(1)
	}
	made, err := ensureRunUser()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	if made {
		exec.Command("userdel", runUser).Run()
	}
	os.Exit(code)
}

// server is a running "mstore serve".
type server struct {
	t      testing.TB
	dir    string // the store
	config string // the configuration file, which admin commands read too
	cmd    *exec.Cmd
	addrs  map[string]string // door → address, from the readiness lines ("imap" → "127.0.0.1:41234")

	mu     sync.Mutex // protects stderr
	stderr strings.Builder
	done   chan struct{}
	// warnOK is a warning this test expects serve to log; stop fails on
	// any other.
	warnOK string
}

var announce = regexp.MustCompile(`^mstore: (\w+) on (\S+)$`)

// startServer runs serve on a new store with every door on a free
// loopback port (the mount only when mount is set), waits for the
// readiness lines, and stops it at the end of the test. config, when not
// empty, is written as the configuration file.
func startServer(t testing.TB, config string, extra ...string) *server {
	t.Helper()
	dir := t.TempDir()
	return startServerIn(t, dir, config, extra...)
}

func startServerIn(t testing.TB, dir, config string, extra ...string) *server {
	t.Helper()
	reachable(t, dir)
	s := &server{t: t, dir: dir, config: writeConfig(t, config), addrs: map[string]string{}, done: make(chan struct{})}
	args := []string{"serve", "--store", dir, "--config", s.config, "--imap", "127.0.0.1:0", "--pop3", "127.0.0.1:0",
		"--lmtp", "127.0.0.1:0", "--web", "", "--mount", ""}
	args = append(args, extra...)
	s.cmd = exec.Command(bin, args...)
	pipe, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.stderr.WriteString(line + "\n")
			if m := announce.FindStringSubmatch(line); m != nil {
				s.addrs[m[1]] = m[2]
			}
			s.mu.Unlock()
			if line == "mstore: ready" {
				close(ready)
			}
		}
		io.Copy(io.Discard, pipe)
	}()
	select {
	case <-ready:
	case <-s.done:
		t.Fatalf("serve exited: %s", s.log())
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		t.Fatalf("serve not ready: %s", s.log())
	}
	t.Cleanup(s.stop)
	return s
}

func (s *server) log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

func (s *server) addr(door string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.addrs[door]
	if !ok {
		s.t.Fatalf("no %s door announced: %s", door, s.stderr.String())
	}
	return a
}

// stop sends SIGTERM and checks a clean exit.
func (s *server) stop() {
	if s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		s.t.Errorf("serve did not stop on SIGTERM: %s", s.log())
	}
	if err := s.cmd.Wait(); err != nil {
		s.t.Errorf("serve exited with %v: %s", err, s.log())
	}
	for _, l := range strings.Split(s.log(), "\n") {
		if (strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR")) && (s.warnOK == "" || !strings.Contains(l, s.warnOK)) {
			s.t.Errorf("serve logged a warning or error:\n%s", s.log())
			break
		}
	}
}

// mstore runs an admin command against the server's store and returns its
// stdout; a non-zero exit fails the test.
func (s *server) mstore(stdin string, args ...string) string {
	s.t.Helper()
	out, errOut, code := s.mstoreCode(stdin, args...)
	if code != 0 {
		s.t.Fatalf("mstore %v: exit %d: %s%s", args, code, errOut, out)
	}
	return out
}

func (s *server) mstoreCode(stdin string, args ...string) (stdout, stderr string, code int) {
	cmd := exec.Command(bin, append([]string{"--store", s.dir, "--config", s.config}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return o.String(), e.String(), ee.ExitCode()
	}
	if err != nil {
		s.t.Fatal(err)
	}
	return o.String(), e.String(), 0
}
