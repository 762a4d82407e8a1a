package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"mstore/store"
)

func TestVerifiedCache(t *testing.T) {
	c := newVerifiedCache(time.Hour, 3)
	c.put("joe", "hash1", []byte("pw"))
	if !c.hit("joe", "hash1", []byte("pw")) {
		t.Error("no hit for what was put")
	}
	if c.hit("joe", "hash1", []byte("other")) {
		t.Error("hit with another password")
	}
	if c.hit("joe", "hash2", []byte("pw")) {
		t.Error("hit after the stored hash changed")
	}
	if c.hit("ann", "hash1", []byte("pw")) {
		t.Error("hit for another login")
	}
	for _, l := range []string{"a", "b", "c", "d", "e"} {
		c.put(l, "h", []byte("pw"))
	}
	if len(c.entries) > 3 {
		t.Errorf("cache grew to %d entries, bound 3", len(c.entries))
	}
	short := newVerifiedCache(time.Nanosecond, 10)
	short.put("joe", "h", []byte("pw"))
	time.Sleep(time.Millisecond)
	if short.hit("joe", "h", []byte("pw")) {
		t.Error("expired entry hit")
	}
}

// A password change takes effect at once, cache or not.
func TestLoginCacheFollowsPasswordChange(t *testing.T) {
	st, err := store.Open(t.TempDir(), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	st.AddDomain(ctx, store.System(), "foo.com")
	creds, _ := NewCredentials([]byte("old"), CredentialOptions{})
	if _, err := st.AddUser(ctx, store.System(), "joe@foo.com", store.UserOptions{Credentials: &creds}); err != nil {
		t.Fatal(err)
	}
	l := &Login{Store: st}
	for i := 0; i < 2; i++ {
		if u, err := l.CheckPassword(ctx, "joe@foo.com", []byte("old")); err != nil || u != "joe@foo.com" {
			t.Fatalf("login %d: %q %v", i, u, err)
		}
	}
	if !l.cache.hit("joe@foo.com", creds.Hash, []byte("old")) {
		t.Fatal("a verified password is not in the cache")
	}
	newCreds, _ := NewCredentials([]byte("new"), CredentialOptions{})
	if err := st.SetCredentials(ctx, store.System(), "joe@foo.com", newCreds); err != nil {
		t.Fatal(err)
	}
	if _, err := l.CheckPassword(ctx, "joe@foo.com", []byte("old")); !errors.Is(err, ErrAuthFailed) {
		t.Errorf("old password after the change: %v", err)
	}
	if _, err := l.CheckPassword(ctx, "joe@foo.com", []byte("new")); err != nil {
		t.Errorf("new password: %v", err)
	}
}
