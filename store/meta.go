package store

import (
	"bytes"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The metadata store: everything but message bodies, as ordered key-value
// buckets with transactions. It is the first of the two backend interfaces
// (the second is blobStore): a metadata backend for many machines (a
// replicated SQL database) implements metaStore and nothing above it changes.

type bucketID int

const (
	bMeta          bucketID = iota // schema version, id counters, partition fan-outs
	bDomains                       // domain name → domainRec
	bUsers                         // user id → userRec
	bUserNames                     // "joe@foo.com" → user id
	bAuthIDs                       // login → authIDRec
	bAuthIDsByUser                 // user id | login → ""
	bAuthMap                       // external name → user id
	bAdmins                        // user id | domain ("" for global) → ""
	bGroups                        // domain \0 group \0 user name → ""
	bGroupsByUser                  // user name \0 domain \0 group → ""
	bMailboxes                     // mailbox id → mailboxRec
	bMailboxNames                  // domain \0 canonical name → mailbox id
	bMessages                      // mailbox id | uid → msgRec
	bMsgCache                      // mailbox id | uid → parsed envelope and body structure
	bMsgNames                      // mailbox id | name → uid (every message's name in the mount)
	bSeen                          // mailbox id | user id | uid → "" (\Seen of readers other than the owner)
	bSubs                          // user id | domain \0 name → ""
	bQuota                         // domain \0 root → quotaRec
	bVanished                      // mailbox id | modseq | uid → "" (a tombstone per expunged message)
	numBuckets
)

var bucketNames = [numBuckets][]byte{
	bMeta: []byte("meta"), bDomains: []byte("domains"), bUsers: []byte("users"),
	bUserNames: []byte("usernames"), bAuthIDs: []byte("authids"), bAuthIDsByUser: []byte("authids-by-user"),
	bAuthMap: []byte("authmap"), bAdmins: []byte("admins"), bGroups: []byte("groups"), bGroupsByUser: []byte("groups-by-user"),
	bMailboxes: []byte("mailboxes"), bMailboxNames: []byte("mailbox-names"), bMessages: []byte("messages"),
	bMsgCache: []byte("message-cache"), bMsgNames: []byte("message-names"), bSeen: []byte("seen"), bSubs: []byte("subscriptions"),
	bQuota: []byte("quota"), bVanished: []byte("vanished"),
}

type metaStore interface {
	View(fn func(metaTx) error) error
	Update(fn func(metaTx) error) error
	Close() error
}

// metaTx is one transaction. Values returned by Get and Scan are valid only
// until the transaction ends.
type metaTx interface {
	Get(b bucketID, key []byte) []byte
	Put(b bucketID, key, value []byte) error
	Delete(b bucketID, key []byte) error
	// Scan visits the keys that start with prefix, in ascending order,
	// beginning at from when from sorts after prefix; it stops when fn
	// returns false. fn must not modify the bucket.
	Scan(b bucketID, prefix, from []byte, fn func(k, v []byte) bool)
	// ScanLast returns the last key and value under prefix, or nil.
	ScanLast(b bucketID, prefix []byte) (k, v []byte)
}

// boltMeta is the bbolt backend: one file, database/mstore.db.
type boltMeta struct{ db *bolt.DB }

func openBoltMeta(path string, noSync bool) (*boltMeta, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, FreelistType: bolt.FreelistMapType,
		// The free list is written with every commit (a page or two: the
		// store reuses what it frees), so that opening the database
		// reads it instead of walking every page to find the free ones,
		// which took seconds per hundred megabytes from a cold cache.
		NoFreelistSync: false,
		// Map a generous address range from the start: a growing database
		// is otherwise remapped again and again, each time stopping every
		// reader and writer.
		InitialMmapSize: 1 << 30})
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db.NoSync = noSync
	err = db.Update(func(tx *bolt.Tx) error {
		for _, n := range bucketNames {
			if _, err := tx.CreateBucketIfNotExists(n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("prepare database %s: %w", path, err)
	}
	return &boltMeta{db: db}, nil
}

func (m *boltMeta) View(fn func(metaTx) error) error {
	return m.db.View(func(tx *bolt.Tx) error { return fn(&boltTx{tx: tx}) })
}

func (m *boltMeta) Update(fn func(metaTx) error) error {
	return m.db.Update(func(tx *bolt.Tx) error { return fn(&boltTx{tx: tx}) })
}

func (m *boltMeta) Close() error { return m.db.Close() }

type boltTx struct {
	tx *bolt.Tx
	bk [numBuckets]*bolt.Bucket // looked up once per transaction
}

func (t *boltTx) b(b bucketID) *bolt.Bucket {
	if t.bk[b] == nil {
		t.bk[b] = t.tx.Bucket(bucketNames[b])
	}
	return t.bk[b]
}

func (t *boltTx) Get(b bucketID, key []byte) []byte { return t.b(b).Get(key) }

func (t *boltTx) Put(b bucketID, key, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	return t.b(b).Put(key, value)
}

func (t *boltTx) Delete(b bucketID, key []byte) error { return t.b(b).Delete(key) }

func (t *boltTx) Scan(b bucketID, prefix, from []byte, fn func(k, v []byte) bool) {
	c := t.b(b).Cursor()
	start := prefix
	if bytes.Compare(from, prefix) > 0 {
		start = from
	}
	for k, v := c.Seek(start); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if !fn(k, v) {
			return
		}
	}
}

func (t *boltTx) ScanLast(b bucketID, prefix []byte) ([]byte, []byte) {
	c := t.b(b).Cursor()
	// Seek to the first key past the prefix range, then step back.
	end := prefixEnd(prefix)
	var k, v []byte
	if end == nil {
		k, v = c.Last()
	} else if k, v = c.Seek(end); k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	if k == nil || !bytes.HasPrefix(k, prefix) {
		return nil, nil
	}
	return k, v
}

// prefixEnd is the smallest key greater than every key with the prefix, or
// nil when there is none (the prefix is all 0xff).
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// deletePrefix removes every key under prefix.
func deletePrefix(tx metaTx, b bucketID, prefix []byte) error {
	var keys [][]byte
	tx.Scan(b, prefix, nil, func(k, _ []byte) bool {
		keys = append(keys, bytes.Clone(k))
		return true
	})
	for _, k := range keys {
		if err := tx.Delete(b, k); err != nil {
			return err
		}
	}
	return nil
}
