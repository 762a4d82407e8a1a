package fs

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mstore/store"
	"mstore/tools/testenv"
)

// Tier-3 tests: the store mounted on t.TempDir() with every cache on,
// driven with Go's os functions only (a process serving a mount must not
// fork). They need root and /dev/fuse, as CI has.

func needFUSE(t testing.TB) {
	t.Helper()
	testenv.Root(t, "mounting")
	if _, err := os.Stat("/dev/fuse"); err != nil {
		testenv.Skip(t, "no /dev/fuse")
	}
}

// fixture is a store with domain foo.com, users joe and bob (each with an
// INBOX), and a mount of it.
type fixture struct {
	t     *testing.T
	st    *store.Store
	dir   string // the store
	mnt   string // the mount point
	m     *Mounted
	log   *testenv.LogBuffer
	opts  Options
	ctx   context.Context
	joe   store.Caller
	bob   store.Caller
	inbox store.MailboxName // joe's
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	needFUSE(t)
	f := &fixture{t: t, dir: t.TempDir(), log: &testenv.LogBuffer{}, opts: opts, ctx: context.Background()}
	f.mnt = filepath.Join(t.TempDir(), "mnt")
	st, err := store.Open(f.dir, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	f.st = st
	t.Cleanup(func() { st.Close() })
	sys := store.System()
	must(t, st.AddDomain(f.ctx, sys, "foo.com"))
	for _, u := range []string{"joe@foo.com", "bob@foo.com"} {
		if _, err := st.AddUser(f.ctx, sys, u, store.UserOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	f.joe = f.caller("joe@foo.com")
	f.bob = f.caller("bob@foo.com")
	f.inbox = store.MailboxName{Domain: "foo.com", Name: "user/joe/INBOX"}
	f.mount()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("mount log:\n%s", f.log)
		}
	})
	return f
}

func (f *fixture) caller(user string) store.Caller {
	c, err := f.st.CallerFor(f.ctx, user)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *fixture) mount() {
	f.t.Helper()
	m, err := Mount(f.st, f.mnt, f.opts, slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		f.t.Fatal(err)
	}
	f.m = m
	f.t.Cleanup(func() { m.Close() })
}

func (f *fixture) unmount() {
	f.t.Helper()
	if err := f.m.Close(); err != nil {
		f.t.Fatal(err)
	}
}

// as makes every request come from c until the returned function runs.
func (f *fixture) as(c store.Caller) func() {
	f.m.callers.as.Store(&c)
	return func() { f.m.callers.as.Store(nil) }
}

func (f *fixture) path(p ...string) string {
	return filepath.Join(append([]string{f.mnt}, p...)...)
}

// appendMsg stores a message through the store, as any other door would.
func (f *fixture) appendMsg(mb store.MailboxName, body string, date time.Time) store.Result {
	f.t.Helper()
	res, err := f.st.Append(f.ctx, store.System(), mb, strings.NewReader(body), store.AppendOptions{Date: date})
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

func message(i int) string {
	return fmt.Sprintf("From: a@b.example\r\nSubject: message %d\r\nMessage-ID: <%d@b.example>\r\n\r\nbody %d\r\n", i, i, i)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func readDirNames(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("readdir %s: %v", dir, err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// waitFor polls cond for up to a second: for what a store event changes in
// the kernel's cache, which happens just after the store call returns.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	waitWithin(t, time.Second, what, cond)
}

func waitWithin(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", d, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
