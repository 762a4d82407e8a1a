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
