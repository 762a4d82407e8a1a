package main

import (
	"context"
	"strings"
	"testing"

	"mstore/store"
)

func TestDomain(t *testing.T) {
	dir := t.TempDir()
	if out := ok(t, dir, "", "domain", "list"); out != "" {
		t.Errorf("empty store lists %q", out)
	}
	if out := ok(t, dir, "", "domain", "list", "--json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("empty JSON list is %q, want []", out)
	}
	if out := ok(t, dir, "", "domain", "add", "Foo.COM"); out != "" {
		t.Errorf("domain add printed %q", out)
	}
	ok(t, dir, "", "domain", "add", "a-longer-name.org")
	fails(t, dir, "", exitExists, []string{"domain", "add", "foo.com"}, "foo.com", "already exists")
	fails(t, dir, "", exitInvalid, []string{"domain", "add", "foo..com"}, "foo..com")
	fails(t, dir, "", exitInvalid, []string{"domain", "add", "bad_name.com"})

	out := ok(t, dir, "", "domain", "list")
	checkColumns(t, out)
	if ls := lines(out); len(ls) != 3 || !strings.HasPrefix(ls[0], "DOMAIN") || !strings.HasPrefix(ls[1], "a-longer-name.org") || !strings.HasPrefix(ls[2], "foo.com ") {
		t.Errorf("domain list:\n%s", out)
	}
	ds := decodeJSON[[]store.DomainInfo](t, ok(t, dir, "", "domain", "list", "--json"))
	if len(ds) != 2 || ds[1].Name != "foo.com" || ds[1].Users != 0 {
		t.Errorf("JSON list %+v", ds)
	}

	// A domain with a user needs --force, which removes everything.
	ok(t, dir, "", "user", "add", "joe@foo.com")
	ok(t, dir, "", "mailbox", "create", "foo.com/shared/staff")
	fails(t, dir, "", exitInUse, []string{"domain", "del", "foo.com"}, "--force")
	withStore(t, dir, func(st *store.Store, ctx context.Context) {
		if _, err := st.User(ctx, store.System(), "joe@foo.com"); err != nil {
			t.Errorf("refused delete removed the user: %v", err)
		}
	})
	ok(t, dir, "", "domain", "del", "foo.com", "--force")
	fails(t, dir, "", exitNotFound, []string{"domain", "del", "foo.com"}, "foo.com")
	withStore(t, dir, func(st *store.Store, ctx context.Context) {
		ds, _ := st.Domains(ctx, store.System())
		if len(ds) != 1 || ds[0].Name != "a-longer-name.org" {
			t.Errorf("domains after delete: %+v", ds)
		}
		if mbs, _ := st.ListMailboxes(ctx, store.System(), store.ListQuery{}); len(mbs) != 0 {
			t.Errorf("mailboxes left: %+v", mbs)
		}
	})
	// An empty domain goes without --force.
	ok(t, dir, "", "domain", "del", "a-longer-name.org")
}
