package store_test

import (
	"bytes"
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"mstore/store"
	"mstore/tools/testenv"
)

// A root process gives everything it makes in a store to the store's
// owner, and a store made before the owner was set is given to it whole
// at the next open, partitions outside the store directory included.
func TestOwnerGetsEveryFile(t *testing.T) {
	testenv.Root(t, "giving files away")
	owner := &store.Owner{UID: 4242, GID: 4343}
	ctx := context.Background()
	sys := store.System()
	fill := func(s *store.Store, user string) {
		t.Helper()
		if _, err := s.AddUser(ctx, sys, user, store.UserOptions{}); err != nil {
			t.Fatal(err)
		}
		local, _, _ := strings.Cut(user, "@")
		inbox := store.MailboxName{Domain: "foo.com", Name: "user/" + local + "/INBOX"}
		if _, err := s.Append(ctx, sys, inbox, bytes.NewReader([]byte("Subject: x\r\n\r\nbody\r\n")), store.AppendOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// notOwned lists the entries of a tree not owned by owner.
	notOwned := func(top string) []string {
		var bad []string
		filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				bad = append(bad, p+": "+err.Error())
				return nil
			}
			info, _ := d.Info()
			st := info.Sys().(*syscall.Stat_t)
			if int(st.Uid) != owner.UID || int(st.Gid) != owner.GID {
				bad = append(bad, p)
			}
			return nil
		})
		return bad
	}

	t.Run("made as root", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "store")
		s, err := store.Open(dir, store.Options{Owner: owner, NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AddDomain(ctx, sys, "foo.com"); err != nil {
			t.Fatal(err)
		}
		fill(s, "joe@foo.com")
		if bad := notOwned(dir); len(bad) > 0 {
			t.Errorf("not the owner's: %v", bad)
		}
		s.Close()
	})

	t.Run("adopted", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "store")
		far := filepath.Join(t.TempDir(), "far")
		parts := []store.PartitionConfig{{Name: "default", Path: "mailstore"}, {Name: "far", Path: far}}
		place := store.Placement{Rules: []store.PlacementRule{{User: "ann@foo.com", Partition: "far"}}}
		s, err := store.Open(dir, store.Options{Partitions: parts, Placement: place, NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AddDomain(ctx, sys, "foo.com"); err != nil {
			t.Fatal(err)
		}
		fill(s, "joe@foo.com")
		fill(s, "ann@foo.com")
		s.Close()
		if len(notOwned(dir)) == 0 || len(notOwned(far)) == 0 {
			t.Fatal("the store made without an owner is already the owner's")
		}
		s, err = store.Open(dir, store.Options{Partitions: parts, Placement: place, Owner: owner, NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for _, top := range []string{dir, far} {
			if bad := notOwned(top); len(bad) > 0 {
				t.Errorf("not adopted: %v", bad)
			}
		}
	})
}
