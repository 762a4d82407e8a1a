// Package storetest is the store's conformance suite: a named set of checks
// that any store constructor must pass, whatever its metadata and blob
// backends. The store's own tests run it on the bbolt and file backends; a
// later backend runs the same suite. The crash check runs a child process
// and kills it mid-append.
package storetest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"mstore/store"
)

// Opener opens (creating if needed) the store at dir. t is nil in the
// crash child, where a failure should simply exit.
type Opener func(t testing.TB, dir string) *store.Store

// loseIndex, when a backend sets it with SetIndexLoser, deletes a mailbox's
// message index (not its record) from a closed store, for Reconstruct.
var loseIndex func(t testing.TB, dir string, mailbox uint64)

// SetIndexLoser tells the suite how to damage this backend's index.
func SetIndexLoser(fn func(t testing.TB, dir string, mailbox uint64)) { loseIndex = fn }

// All runs every check.
func All(t *testing.T, open Opener) {
	for _, c := range []struct {
		name string
		fn   func(*testing.T, Opener)
	}{
		{"Lock", Lock},
		{"Identities", Identities},
		{"BadInput", BadInput},
		{"Mailboxes", Mailboxes},
		{"RenameHierarchy", RenameHierarchy},
		{"AppendRead", AppendRead},
		{"Flags", Flags},
		{"SharedSeen", SharedSeen},
		{"ExpungeCopyMove", ExpungeCopyMove},
		{"Vanished", Vanished},
		{"Rights", Rights},
		{"MessageNames", MessageNames},
		{"Batch", Batch},
		{"FetchMany", FetchMany},
		{"Leaks", Leaks},
		{"Quota", Quota},
		{"DomainQuota", DomainQuota},
		{"QuotaConcurrent", QuotaConcurrent},
		{"Deliver", Deliver},
		{"Events", Events},
		{"Reconstruct", Reconstruct},
		{"VanishedReconstruct", VanishedReconstruct},
		{"Crash", Crash},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open) })
	}
}

var ctx = context.Background()

var sys = store.System()

// fixture is a store with domain foo.com, users joe and ann (each with an
// INBOX), and domain bar.com with user zed.
type fixture struct {
	s         *store.Store
	dir       string
	joe, ann  store.Caller
	zed       store.Caller
	joeInbox  store.MailboxName
	annInbox  store.MailboxName
	zedInbox  store.MailboxName
	joeInboxI store.MailboxInfo
}

func setup(t testing.TB, open Opener) *fixture {
	t.Helper()
	dir := t.TempDir()
	s := open(t, dir)
	t.Cleanup(func() { s.Close() })
	f := &fixture{s: s, dir: dir}
	must(t, s.AddDomain(ctx, sys, "foo.com"))
	must(t, s.AddDomain(ctx, sys, "bar.com"))
	for _, u := range []string{"joe@foo.com", "ann@foo.com", "zed@bar.com"} {
		if _, err := s.AddUser(ctx, sys, u, store.UserOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	f.joe = caller(t, s, "joe@foo.com")
	f.ann = caller(t, s, "ann@foo.com")
	f.zed = caller(t, s, "zed@bar.com")
	f.joeInbox = path(t, "foo.com/users/joe/INBOX")
	f.annInbox = path(t, "foo.com/users/ann/INBOX")
	f.zedInbox = path(t, "bar.com/users/zed/INBOX")
	var err error
	if f.joeInboxI, err = s.Mailbox(ctx, sys, f.joeInbox); err != nil {
		t.Fatal(err)
	}
	return f
}

func caller(t testing.TB, s *store.Store, user string) store.Caller {
	t.Helper()
	c, err := s.CallerFor(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func path(t testing.TB, p string) store.MailboxName {
	t.Helper()
	n, err := store.ParsePath(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantKind fails unless err is of the kind.
func wantKind(t testing.TB, err error, kind store.Kind, what string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: succeeded, want %v", what, kind)
	}
	if got := store.KindOf(err); got != kind {
		t.Fatalf("%s: error %q is %v, want %v", what, err, got, kind)
	}
}

// message makes a distinct, valid message of about size octets.
func message(i, size int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: Sender %d <sender%d@example.net>\r\nTo: joe@foo.com\r\nSubject: message %d\r\n", i, i, i)
	fmt.Fprintf(&b, "Date: Mon, 2 Jan 2006 15:04:05 -0700\r\nMessage-ID: <%d@example.net>\r\n\r\n", i)
	line := []byte("The quick brown fox jumps over the lazy dog 0123456789.\r\n")
	for b.Len() < size {
		b.Write(line)
	}
	return b.Bytes()
}

func appendMsg(t testing.TB, s *store.Store, c store.Caller, n store.MailboxName, body []byte, flags ...string) store.Result {
	t.Helper()
	res, err := s.Append(ctx, c, n, bytes.NewReader(body), store.AppendOptions{Flags: flags})
	if err != nil {
		t.Fatalf("append to %s: %v", n, err)
	}
	return res
}

func readMsg(t testing.TB, s *store.Store, c store.Caller, mbox uint64, uid uint32) []byte {
	t.Helper()
	b, err := s.OpenMessage(ctx, c, mbox, uid)
	if err != nil {
		t.Fatalf("open message %d: %v", uid, err)
	}
	defer b.Close()
	data, err := io.ReadAll(b)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func status(t testing.TB, s *store.Store, c store.Caller, n store.MailboxName) store.MailboxInfo {
	t.Helper()
	info, err := s.Mailbox(ctx, c, n)
	if err != nil {
		t.Fatalf("status %s: %v", n, err)
	}
	return info
}

func flagsOf(t testing.TB, s *store.Store, c store.Caller, mbox uint64, uid uint32) []string {
	t.Helper()
	m, err := s.Message(ctx, c, mbox, uid)
	if err != nil {
		t.Fatal(err)
	}
	return m.Flags
}

func waitEvents(t testing.TB, w *store.Watcher, n int) []store.Event {
	t.Helper()
	var got []store.Event
	deadline := time.After(5 * time.Second)
	for len(got) < n {
		select {
		case <-w.C:
			got = append(got, w.Next()...)
		case <-deadline:
			t.Fatalf("got %d events, want %d: %+v", len(got), n, got)
		}
	}
	return got
}

func sameFile(a, b string) bool {
	if a == "" || b == "" {
		return true // a backend without files: nothing to compare
	}
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}
