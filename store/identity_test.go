package store_test

import (
	"context"
	"testing"

	"mstore/store"
)

// Domain answers an administrator of the domain, and refuses anyone else
// before telling whether the domain exists.
func TestDomainLookup(t *testing.T) {
	s, ann := fooAndBar(t)
	ctx := context.Background()
	sys := store.System()
	info, err := s.Domain(ctx, ann, "FOO.com")
	if err != nil || info.Name != "foo.com" || info.Users != 2 || info.ID == 0 || info.Created.IsZero() {
		t.Errorf("foo.com for its administrator: %+v, %v", info, err)
	}
	for _, d := range []string{"bar.com", "nosuch.com"} {
		if _, err := s.Domain(ctx, ann, d); store.KindOf(err) != store.KindNoPerm {
			t.Errorf("%s for foo.com's administrator: %v, want no permission", d, err)
		}
	}
	if _, err := s.Domain(ctx, sys, "nosuch.com"); store.KindOf(err) != store.KindNotFound {
		t.Errorf("a missing domain: %v, want not found", err)
	}
	if _, err := s.Domain(ctx, sys, "bad domain!"); store.KindOf(err) != store.KindInvalid {
		t.Errorf("a bad name: %v, want invalid", err)
	}
}

// fooAndBar opens a store with the domains foo.com and bar.com and the
// users joe and ann of foo.com, ann its administrator; it returns ann.
func fooAndBar(t *testing.T) (*store.Store, store.Caller) {
	t.Helper()
	s := openStore(t, t.TempDir())
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	sys := store.System()
	for _, d := range []string{"foo.com", "bar.com"} {
		if err := s.AddDomain(ctx, sys, d); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []string{"joe@foo.com", "ann@foo.com"} {
		if _, err := s.AddUser(ctx, sys, u, store.UserOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddAdmin(ctx, sys, "ann@foo.com", "foo.com"); err != nil {
		t.Fatal(err)
	}
	ann, err := s.CallerFor(ctx, "ann@foo.com")
	if err != nil {
		t.Fatal(err)
	}
	return s, ann
}
