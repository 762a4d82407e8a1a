package main

import (
	"context"
	"strings"
	"testing"

	"mstore/store"
)

func TestQuota(t *testing.T) {
	dir := setup(t)
	ok(t, dir, "", "quota", "set", "foo.com/users/joe", "--storage", "100", "--messages", "10")
	ok(t, dir, "", "quota", "set", "foo.com", "--messages", "1000")
	ok(t, dir, "Subject: x\n\nhello\n", "deliver", "joe@foo.com")

	out := ok(t, dir, "", "quota", "get", "foo.com/users/joe")
	if !strings.Contains(out, "storage   1 KiB of 100 KiB") || !strings.Contains(out, "messages  1 of 10") {
		t.Errorf("quota get:\n%s", out)
	}
	q := decodeJSON[store.QuotaInfo](t, ok(t, dir, "", "quota", "get", "foo.com", "--json"))
	if q.Root != "foo.com" || q.MessageLimit != 1000 || q.StorageLimit >= 0 || q.MessagesUsed != 1 {
		t.Errorf("quota get foo.com --json: %+v", q)
	}
	if out := ok(t, dir, "", "quota", "get", "foo.com"); !strings.Contains(out, "of unlimited") {
		t.Errorf("no storage limit shows as:\n%s", out)
	}
	list := ok(t, dir, "", "quota", "list")
	checkColumns(t, list)
	if ls := lines(list); len(ls) != 3 || strings.Join(strings.Fields(ls[1]), " ") != "foo.com 1 - 1 1000" ||
		strings.Join(strings.Fields(ls[2]), " ") != "foo.com/users/joe 1 100 1 10" {
		t.Errorf("quota list:\n%s", list)
	}
	if qs := decodeJSON[[]store.QuotaInfo](t, ok(t, dir, "", "quota", "list", "--json")); len(qs) != 2 {
		t.Errorf("quota list --json: %+v", qs)
	}

	fails(t, dir, "", exitInvalid, []string{"quota", "set", "foo.com/users/joe", "--storage", "-5"}, "below zero")
	fails(t, dir, "", exitInvalid, []string{"quota", "set", "foo.com/users/joe", "--messages=-1"}, "below zero")
	fails(t, dir, "", exitNotFound, []string{"quota", "set", "foo.com/users/nobody", "--storage", "5"}, "nobody")
	fails(t, dir, "", exitNotFound, []string{"quota", "set", "nosuch.com", "--storage", "5"}, "nosuch.com")
	fails(t, dir, "", exitInvalid, []string{"quota", "set", "foo.com/other/x", "--storage", "5"})
	fails(t, dir, "", exitInvalid, []string{"quota", "get", "foo.com/users/a//b"})
	withStore(t, dir, func(st *store.Store, ctx context.Context) {
		q, _ := st.Quota(ctx, store.System(), "foo.com/users/joe")
		if q.StorageLimit != 100 || q.MessageLimit != 10 {
			t.Errorf("a refused set changed the root: %+v", q)
		}
	})

	// Neither option removes the root.
	ok(t, dir, "", "quota", "set", "foo.com/users/joe")
	fails(t, dir, "", exitNotFound, []string{"quota", "get", "foo.com/users/joe"}, "foo.com/users/joe")
	fails(t, dir, "", exitNotFound, []string{"quota", "set", "foo.com/users/joe"}, "does not exist")
	if ls := lines(ok(t, dir, "", "quota", "list")); len(ls) != 2 {
		t.Errorf("quota list after removal: %q", ls)
	}
	// A mailbox can be a root.
	ok(t, dir, "", "mailbox", "create", "foo.com/shared/big")
	ok(t, dir, "", "quota", "set", "foo.com/shared/big", "--storage", "0")
	if q := decodeJSON[store.QuotaInfo](t, ok(t, dir, "", "quota", "get", "foo.com/shared/big", "--json")); q.StorageLimit != 0 {
		t.Errorf("limit 0: %+v", q)
	}
}
