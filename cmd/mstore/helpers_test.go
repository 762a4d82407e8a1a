package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mstore/store"
	"mstore/tools/testenv"
)

// result is what one run of the command line produced.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return "exit " + strconv.Itoa(r.code) + "\nstdout:\n" + r.stdout + "stderr:\n" + r.stderr
}

// cli runs mstore in-process on the store at dir.
func cli(t *testing.T, dir, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append(args, "--store", dir), strings.NewReader(stdin), &out, &errb)
	return result{code, out.String(), errb.String()}
}

// ok runs a command that must succeed and returns its stdout.
func ok(t *testing.T, dir, stdin string, args ...string) string {
	t.Helper()
	r := cli(t, dir, stdin, args...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("mstore %s: %s", strings.Join(args, " "), r)
	}
	return r.stdout
}

// fails runs a command that must fail with code, and checks that stderr is
// one "mstore: " line containing each of want.
func fails(t *testing.T, dir, stdin string, code int, args []string, want ...string) result {
	t.Helper()
	r := cli(t, dir, stdin, args...)
	if r.code != code {
		t.Errorf("mstore %s: exit %d, want %d\n%s", strings.Join(args, " "), r.code, code, r)
	}
	if !strings.HasPrefix(r.stderr, "mstore: ") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("mstore %s: stderr %q is not one \"mstore: \" line", strings.Join(args, " "), r.stderr)
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("mstore %s: stderr %q lacks %q", strings.Join(args, " "), r.stderr, w)
		}
	}
	if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic") {
		t.Errorf("stack trace on stderr: %s", r.stderr)
	}
	return r
}

// withStore opens the store at dir (no server may hold it) to check its
// state, and closes it again.
func withStore(t *testing.T, dir string, fn func(st *store.Store, ctx context.Context)) {
	t.Helper()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fn(st, context.Background())
}

// setup makes a store with domain foo.com and user joe@foo.com (password
// "secret", an INBOX).
func setup(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ok(t, dir, "", "domain", "add", "foo.com")
	ok(t, dir, "secret\n", "user", "add", "joe@foo.com", "--password-stdin")
	return dir
}

func decodeJSON[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad JSON %q: %v", s, err)
	}
	return v
}

// lines splits output into lines without the last newline.
func lines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// checkColumns checks that a table's columns start at the same offsets on
// every line (single-word cells).
func checkColumns(t *testing.T, out string) {
	t.Helper()
	ls := lines(out)
	if len(ls) < 2 {
		t.Fatalf("table %q has no rows", out)
	}
	starts := func(l string) []int {
		var s []int
		for i := range l {
			if l[i] != ' ' && (i == 0 || l[i-1] == ' ') {
				s = append(s, i)
			}
		}
		return s
	}
	want := starts(ls[0])
	for _, l := range ls[1:] {
		got := starts(l)
		if len(got) != len(want) {
			t.Errorf("table line %q: %d columns, header has %d", l, len(got), len(want))
			continue
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("table not aligned:\n%s", out)
				return
			}
		}
	}
}

// server is an in-process "mstore serve".
type server struct {
	dir    string
	cancel context.CancelFunc
	done   chan int
	stderr *testenv.LogBuffer
}

// noDoors keeps a test's serve off the default ports, which another test
// or a running server may hold.
var noDoors = []string{"--imap", "", "--imaps", "", "--pop3", "", "--pop3s", "", "--lmtp", "", "--web", "", "--mount", ""}

// startServer runs serve on dir in a goroutine and waits for its
// readiness line.
func startServer(t *testing.T, dir string, extra ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{dir: dir, cancel: cancel, done: make(chan int, 1), stderr: &testenv.LogBuffer{}}
	args := append(append([]string{"serve", "--store", dir}, noDoors...), extra...)
	go func() { s.done <- runContext(ctx, args, strings.NewReader(""), &bytes.Buffer{}, s.stderr) }()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(s.stderr.String(), "mstore: control on ") {
		select {
		case code := <-s.done:
			t.Fatalf("serve exited with %d: %s", code, s.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not ready: %s", s.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stop ends the server as SIGTERM would and checks it stopped cleanly.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	select {
	case code := <-s.done:
		if code != 0 {
			t.Errorf("serve exited with %d: %s", code, s.stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	if pid := store.LockHolder(s.dir); pid != 0 {
		t.Errorf("store still held by %d after serve stopped", pid)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "ipc", "control")); err == nil {
		t.Error("control socket left behind")
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
