package fs

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"

	"mstore/store"
)

func TestErrnoTable(t *testing.T) {
	want := map[store.Kind]syscall.Errno{
		store.KindNotFound:    syscall.ENOENT,
		store.KindExists:      syscall.EEXIST,
		store.KindNoPerm:      syscall.EACCES,
		store.KindOverQuota:   syscall.EDQUOT,
		store.KindTooBig:      syscall.EFBIG,
		store.KindExpunged:    syscall.ENOENT,
		store.KindInUse:       syscall.EBUSY,
		store.KindInvalid:     syscall.EINVAL,
		store.KindNotPossible: syscall.EPERM,
		store.KindTemporary:   syscall.EIO,
		store.KindInternal:    syscall.EIO,
	}
	for k, e := range want {
		err := fmt.Errorf("wrapped: %w", &store.Error{Kind: k, Msg: "x", Err: syscall.ENOSPC})
		if got := errnoOf(context.Background(), nil, "test", err); got != e {
			t.Errorf("%v: %v, want %v", k, got, e)
		}
	}
	// Every kind the store has is in the table: one left out would be EIO.
	for k := store.KindInternal; k <= store.KindTemporary; k++ {
		if _, ok := kindErrno[k]; !ok {
			t.Errorf("%v is not in the table", k)
		}
	}
	if len(kindErrno) != len(want) {
		t.Errorf("the table has %d kinds, the test %d", len(kindErrno), len(want))
	}
	if got := errnoOf(context.Background(), nil, "test", nil); got != 0 {
		t.Errorf("nil: %v", got)
	}
	if got := errnoOf(context.Background(), nil, "test", errors.New("plain")); got != syscall.EIO {
		t.Errorf("a plain error: %v", got)
	}
	if got := errnoOf(context.Background(), nil, "test", syscall.ENOTEMPTY); got != syscall.ENOTEMPTY {
		t.Errorf("an errno: %v", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got := errnoOf(ctx, nil, "test", &store.Error{Kind: store.KindTemporary}); got != syscall.EINTR {
		t.Errorf("a cancelled request: %v", got)
	}
}

func TestInodeLayout(t *testing.T) {
	for _, c := range []struct {
		kind inoKind
		id   uint64
		want uint64
	}{
		{kindDomain, 1, 0x0100000000000001},
		{kindUsers, 7, 0x0200000000000007},
		{kindShared, 7, 0x0300000000000007},
		{kindUser, 42, 0x040000000000002a},
		{kindMailbox, 1<<56 - 1, 0x05ffffffffffffff},
		{kindUpload, 3, 0x0700000000000003},
	} {
		got := ino(c.kind, c.id)
		if got != c.want {
			t.Errorf("ino(%d, %d) = %#x, want %#x", c.kind, c.id, got, c.want)
		}
		if k, id, uid := splitIno(got); k != c.kind || id != c.id || uid != 0 {
			t.Errorf("split %#x = %d %d %d", got, k, id, uid)
		}
	}
	if got := messageIno(5, 9); got != 0x8000000500000009 {
		t.Errorf("message ino %#x", got)
	}
	if k, id, uid := splitIno(messageIno(0x7fffffff, 0xffffffff-1)); k != kindMailbox || id != 0x7fffffff || uid != 0xfffffffe {
		t.Errorf("split message: %d %#x %#x", k, id, uid)
	}
	// Messages, mailboxes, users and domains never meet; nothing is the
	// root or all ones.
	seen := map[uint64]string{}
	add := func(n uint64, what string) {
		if n == rootIno || n == ^uint64(0) || n == 0 {
			t.Errorf("%s has the reserved number %#x", what, n)
		}
		if other, ok := seen[n]; ok {
			t.Errorf("%s and %s share %#x", what, other, n)
		}
		seen[n] = what
	}
	for id := uint64(1); id < 50; id++ {
		add(ino(kindDomain, id), fmt.Sprint("domain ", id))
		add(ino(kindUsers, id), fmt.Sprint("users ", id))
		add(ino(kindShared, id), fmt.Sprint("shared ", id))
		add(ino(kindUser, id), fmt.Sprint("user ", id))
		add(ino(kindMailbox, id), fmt.Sprint("mailbox ", id))
		add(folderIno(id, "user/joe/x"), fmt.Sprint("folder ", id))
		for uid := uint32(1); uid < 50; uid++ {
			add(messageIno(id, uid), fmt.Sprint("message ", id, uid))
		}
	}
	if folderIno(1, "shared/a") != folderIno(1, "shared/a") || folderIno(1, "shared/a") == folderIno(2, "shared/a") {
		t.Error("folder numbers are not a function of domain and name")
	}
}

func TestCallerMapping(t *testing.T) {
	st, err := store.Open(t.TempDir(), store.Options{NoSync: true})
	must(t, err)
	defer st.Close()
	ctx := context.Background()
	sys := store.System()
	must(t, st.AddDomain(ctx, sys, "foo.com"))
	_, err = st.AddUser(ctx, sys, "joe@foo.com", store.UserOptions{})
	must(t, err)
	must(t, st.AddAuthMap(ctx, sys, "jsmith", "joe@foo.com"))
	cs := newCallers(st, nil, 0)
	accounts := map[uint32]string{1000: "jsmith", 1001: "nobody-mapped"}
	cs.accountName = func(uid uint32) (string, error) {
		if n, ok := accounts[uid]; ok {
			return n, nil
		}
		return "", errors.New("no such account")
	}
	if c := cs.forUID(ctx, 0); !c.IsSystem() {
		t.Errorf("root is %v", c)
	}
	if c := cs.forUID(ctx, 1000); c.User() != "joe@foo.com" {
		t.Errorf("uid 1000 is %v", c)
	}
	for _, uid := range []uint32{1001, 1002} {
		if c := cs.forUID(ctx, uid); c.IsSystem() || c.User() != "" {
			t.Errorf("uid %d is %v, want anonymous", uid, c)
		}
	}
	// Remembered for the TTL (0 here: asked again each time).
	must(t, st.DeleteAuthMap(ctx, sys, "jsmith"))
	if c := cs.forUID(ctx, 1000); c.User() != "" {
		t.Errorf("after the mapping went: %v", c)
	}
}
