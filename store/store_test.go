package store_test

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	bolt "go.etcd.io/bbolt"

	"mstore/store"
	"mstore/store/storetest"
)

func openStore(t testing.TB, dir string) *store.Store {
	s, err := store.Open(dir, store.Options{})
	if err != nil {
		if t == nil {
			panic(err)
		}
		t.Fatal(err)
	}
	return s
}

// loseIndex deletes a mailbox's entries from the message and cache buckets
// of a closed store's database.
func loseIndex(t testing.TB, dir string, mailbox uint64) {
	db, err := bolt.Open(filepath.Join(dir, "database", "mstore.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	prefix := binary.BigEndian.AppendUint64(nil, mailbox)
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{"messages", "message-cache"} {
			c := tx.Bucket([]byte(name)).Cursor()
			for k, _ := c.Seek(prefix); k != nil && len(k) >= 8 && string(k[:8]) == string(prefix); k, _ = c.Seek(prefix) {
				if err := c.Delete(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMain(m *testing.M) {
	storetest.RunCrashChild(openStore)
	os.Exit(m.Run())
}

func TestStore(t *testing.T) {
	storetest.SetIndexLoser(loseIndex)
	storetest.All(t, openStore)
}

// A probe of the lock must never make an Open fail.
func TestLockHolderDoesNotTakeTheLock(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir)
	st.Close()
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		for !stop.Load() {
			store.LockHolder(dir)
		}
	}()
	for i := 0; i < 300; i++ {
		st, err := store.Open(dir, store.Options{NoSync: true})
		if err != nil {
			stop.Store(true)
			t.Fatalf("open %d failed while only LockHolder probed: %v", i, err)
		}
		if got := store.LockHolder(dir); got != os.Getpid() {
			t.Errorf("LockHolder = %d while open, want %d", got, os.Getpid())
		}
		st.Close()
	}
	stop.Store(true)
	<-done
}

// TestFreeListIsWritten: a commit writes bbolt's list of free pages, so
// that opening the database reads it instead of walking every page of the
// file (seconds per hundred megabytes when nothing is cached).
func TestFreeListIsWritten(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	ctx := t.Context()
	if err := s.AddDomain(ctx, store.System(), "foo.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddUser(ctx, store.System(), "joe@foo.com", store.UserOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "database", "mstore.db"))
	if err != nil {
		t.Fatal(err)
	}
	// The two meta pages start the file; each is a 16-byte page header,
	// then magic, version, page size and flags (4 bytes each), the root
	// bucket (16), the free list's page, the high-water page and the
	// transaction ID (8 each). The newer transaction is the current one.
	le := binary.LittleEndian
	pageSize := int(le.Uint32(b[24:]))
	meta := func(page int) (freelist, txid uint64) {
		m := b[page*pageSize+16:]
		return le.Uint64(m[32:]), le.Uint64(m[48:])
	}
	free0, tx0 := meta(0)
	free1, tx1 := meta(1)
	free := free0
	if tx1 > tx0 {
		free = free1
	}
	if free == ^uint64(0) {
		t.Fatalf("the current meta page has no free list (transactions %d, %d)", tx0, tx1)
	}
}
