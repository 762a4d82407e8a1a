package store_test

import (
	"context"
	"testing"

	"mstore/store"
)

// DeleteAdmin takes away the powers its scope names and no other, and a
// domain administrator cannot take away more than their own domain.
func TestDeleteAdminScopes(t *testing.T) {
	s, ann := fooAndBar(t)
	ctx := context.Background()
	sys := store.System()
	powers := func() map[string]bool {
		as, err := s.Admins(ctx, sys)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]bool{}
		for _, a := range as {
			if a.User == "joe@foo.com" {
				m[a.Domain] = true
			}
		}
		return m
	}
	for _, d := range []string{"", "foo.com", "bar.com"} {
		if err := s.AddAdmin(ctx, sys, "joe@foo.com", d); err != nil {
			t.Fatal(err)
		}
	}

	// ann administers foo.com only: she may take that power away and no
	// other, and asking for all of joe's powers changes nothing.
	if err := s.DeleteAdmin(ctx, ann, "joe@foo.com", store.AllPowers); store.KindOf(err) != store.KindNoPerm {
		t.Errorf("ann takes every power: %v, want no permission", err)
	}
	if got := powers(); len(got) != 3 {
		t.Errorf("after a refused removal joe holds %v", got)
	}
	if err := s.DeleteAdmin(ctx, ann, "joe@foo.com", store.AdminScope{Domain: "bar.com"}); store.KindOf(err) != store.KindNoPerm {
		t.Errorf("ann takes bar.com: %v, want no permission", err)
	}
	if err := s.DeleteAdmin(ctx, ann, "joe@foo.com", store.AdminScope{Domain: "FOO.com"}); err != nil {
		t.Fatal(err)
	}
	if got := powers(); got["foo.com"] || !got[""] || !got["bar.com"] {
		t.Errorf("after removing foo.com joe holds %v", got)
	}
	if err := s.DeleteAdmin(ctx, ann, "joe@foo.com", store.AdminScope{Domain: "foo.com"}); store.KindOf(err) != store.KindNotFound {
		t.Errorf("removing foo.com twice: %v, want not found", err)
	}

	// The global power alone, then everything left.
	if err := s.DeleteAdmin(ctx, sys, "joe@foo.com", store.AdminScope{}); err != nil {
		t.Fatal(err)
	}
	if got := powers(); got[""] || !got["bar.com"] {
		t.Errorf("after removing the global power joe holds %v", got)
	}
	if err := s.DeleteAdmin(ctx, sys, "joe@foo.com", store.AllPowers); err != nil {
		t.Fatal(err)
	}
	if got := powers(); len(got) != 0 {
		t.Errorf("after removing all joe holds %v", got)
	}
	if err := s.DeleteAdmin(ctx, sys, "joe@foo.com", store.AllPowers); store.KindOf(err) != store.KindNotFound {
		t.Errorf("removing all twice: %v, want not found", err)
	}
}
