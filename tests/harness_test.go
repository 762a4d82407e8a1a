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
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a running "mstore serve".
type server struct {
	t     testing.TB
	dir   string // the store
	cmd   *exec.Cmd
	addrs map[string]string // door → address, from the readiness lines ("imap" → "127.0.0.1:41234")

	mu     sync.Mutex // protects stderr
	stderr strings.Builder
	done   chan struct{}
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
	args := []string{"serve", "--store", dir, "--imap", "127.0.0.1:0", "--pop3", "127.0.0.1:0",
		"--lmtp", "127.0.0.1:0", "--web", "", "--mount", ""}
	if config != "" {
		path := filepath.Join(t.TempDir(), "mstore.toml")
		if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--config", path)
	}
	args = append(args, extra...)
	s := &server{t: t, dir: dir, addrs: map[string]string{}, done: make(chan struct{})}
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
	if strings.Contains(s.log(), "level=WARN") || strings.Contains(s.log(), "level=ERROR") {
		s.t.Errorf("serve logged a warning or error:\n%s", s.log())
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
	cmd := exec.Command(bin, append([]string{"--store", s.dir}, args...)...)
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
