package store_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mstore/store"
)

// Partitions: placement rules choose a new mailbox's partition, files go
// under it with the fan-out it was created with, copies between partitions
// copy the body, and a partition that holds mailboxes cannot vanish from
// the configuration.
func TestPartitions(t *testing.T) {
	dir := t.TempDir()
	fast := filepath.Join(t.TempDir(), "fast")
	opts := store.Options{
		Partitions: []store.PartitionConfig{{Name: "default", Path: "mailstore"}, {Name: "fast", Path: fast}},
		Placement:  store.Placement{Rules: []store.PlacementRule{{Domain: "fast.com", Partition: "fast"}, {User: "vip@foo.com", Partition: "fast"}}},
		FanOut1:    7, FanOut2: 300,
	}
	s, err := store.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sys := store.System()
	for _, d := range []string{"foo.com", "fast.com"} {
		if err := s.AddDomain(ctx, sys, d); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]string{"joe@foo.com": "default", "vip@foo.com": "fast", "ann@fast.com": "fast"}
	for u := range want {
		if _, err := s.AddUser(ctx, sys, u, store.UserOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	inbox := func(u string) store.MailboxName {
		local, d, _ := strings.Cut(u, "@")
		return store.MailboxName{Domain: d, Name: "user/" + local + "/INBOX"}
	}
	for u, p := range want {
		info, err := s.Mailbox(ctx, sys, inbox(u))
		if err != nil || info.Partition != p {
			t.Errorf("%s's INBOX on %q, want %q (%v)", u, info.Partition, p, err)
		}
	}
	body := []byte("Subject: x\r\n\r\nhello\r\n")
	res, err := s.Append(ctx, sys, inbox("ann@fast.com"), bytes.NewReader(body), store.AppendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := s.BlobPath(res.MailboxID, res.UID)
	if !strings.HasPrefix(p, fast+"/") {
		t.Errorf("message of fast.com at %s, want under %s", p, fast)
	}
	// Fan-out: XX has 2 hex digits (7 ≤ 256), YY 3 (300 > 256).
	rel := strings.Split(strings.TrimPrefix(p, fast+"/"), "/")
	if len(rel) != 4 || len(rel[0]) != 2 || len(rel[1]) != 3 {
		t.Errorf("path %v does not follow the 7×300 fan-out", rel)
	}
	// A copy to the other partition copies the body.
	cr, err := s.Copy(ctx, sys, res.MailboxID, []uint32{res.UID}, inbox("joe@foo.com"))
	if err != nil {
		t.Fatal(err)
	}
	q := s.BlobPath(cr.MailboxID, cr.DstUIDs[0])
	if !strings.HasPrefix(q, filepath.Join(dir, "mailstore")+"/") {
		t.Errorf("copy at %s, want in the default partition", q)
	}
	b, err := s.OpenMessage(ctx, sys, cr.MailboxID, cr.DstUIDs[0])
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(b)
	b.Close()
	if !bytes.Equal(got, body) {
		t.Errorf("cross-partition copy differs")
	}
	s.Close()

	// The fan-out recorded at creation wins over a changed configuration.
	opts.FanOut1, opts.FanOut2 = 5, 20
	s, err = store.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.BlobPath(res.MailboxID, res.UID); got != p {
		t.Errorf("path changed with the configuration: %s, was %s", got, p)
	}
	s.Close()
	// A partition holding mailboxes may not disappear.
	opts.Partitions = opts.Partitions[:1]
	opts.Placement = store.Placement{}
	if _, err := store.Open(dir, opts); store.KindOf(err) != store.KindInvalid || !strings.Contains(err.Error(), "fast") {
		t.Errorf("open without the fast partition: %v", err)
	}
	os.RemoveAll(fast)
}

func TestRoundRobin(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(dir, store.Options{
		Partitions: []store.PartitionConfig{{Name: "a", Path: "pa"}, {Name: "b", Path: "pb"}},
		Placement:  store.Placement{Default: store.RoundRobin},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	s.AddDomain(ctx, store.System(), "foo.com")
	seen := map[string]int{}
	for _, u := range []string{"a@foo.com", "b@foo.com", "c@foo.com", "d@foo.com"} {
		if _, err := s.AddUser(ctx, store.System(), u, store.UserOptions{}); err != nil {
			t.Fatal(err)
		}
		local, _, _ := strings.Cut(u, "@")
		info, err := s.Mailbox(ctx, store.System(), store.MailboxName{Domain: "foo.com", Name: "user/" + local + "/INBOX"})
		if err != nil {
			t.Fatal(err)
		}
		seen[info.Partition]++
	}
	if seen["a"] != 2 || seen["b"] != 2 {
		t.Errorf("round robin spread %v", seen)
	}
}
