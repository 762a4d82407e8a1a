package main

import (
	"context"
	"strings"
	"testing"

	"mstore/store"
)

func TestACL(t *testing.T) {
	dir := setup(t)
	p := "foo.com/users/joe/INBOX"
	ok(t, dir, "", "user", "add", "bob@foo.com")
	ok(t, dir, "", "acl", "set", p, "bob@foo.com", "lr")
	ok(t, dir, "", "acl", "set", p, "bob", "+s") // the mailbox's domain is implied
	ok(t, dir, "", "acl", "set", p, "anyone", "lrp")
	ok(t, dir, "", "acl", "set", p, "anyone", "-r")      // rights starting with "-" take away
	ok(t, dir, "", "acl", "set", p, "-bob@foo.com", "s") // a negative entry
	ok(t, dir, "", "acl", "set", p, "group:staff", "lrswi")
	fails(t, dir, "", exitInvalid, []string{"acl", "set", p, "bob@foo.com", "lrz"}, "unknown right", "z")
	fails(t, dir, "", exitInvalid, []string{"acl", "set", p, "bob@foo.com", "+Q"}, "unknown right")
	fails(t, dir, "", exitInvalid, []string{"acl", "set", p, "bad user@foo.com", "l"})
	fails(t, dir, "", exitNotFound, []string{"acl", "set", "foo.com/users/joe/nope", "bob", "l"}, "nope")

	out := ok(t, dir, "", "acl", "get", p)
	checkColumns(t, out)
	want := []string{"IDENTIFIER", "-bob@foo.com s", "anyone lp", "bob@foo.com lrs", "group:staff lrswi", "joe@foo.com lrswipkxtea"}
	got := lines(out)
	for i := range got {
		got[i] = strings.Join(strings.Fields(got[i]), " ")
	}
	if strings.Join(got[1:], "|") != strings.Join(want[1:], "|") {
		t.Errorf("acl get:\n%s", out)
	}
	entries := decodeJSON[[]aclJSON](t, ok(t, dir, "", "acl", "get", p, "--json"))
	if len(entries) != 5 || entries[0] != (aclJSON{Identifier: "-bob@foo.com", Negative: true, Rights: "s"}) {
		t.Errorf("acl get --json: %+v", entries)
	}
	withStore(t, dir, func(st *store.Store, ctx context.Context) {
		acl, _ := st.GetACL(ctx, store.System(), store.MailboxName{Domain: "foo.com", Name: "user/joe/INBOX"})
		if r, _ := acl.Get("bob@foo.com"); r.String() != "lrs" {
			t.Errorf("bob's rights in the store: %q", r)
		}
	})

	ok(t, dir, "", "acl", "del", p, "-bob@foo.com")
	ok(t, dir, "", "acl", "del", p, "anyone")
	fails(t, dir, "", exitNotFound, []string{"acl", "del", p, "anyone"}, "anyone")
	fails(t, dir, "", exitNotFound, []string{"acl", "get", "foo.com/users/joe/nope"}, "nope")
	if n := len(lines(ok(t, dir, "", "acl", "get", p))); n != 4 {
		t.Errorf("acl get after two deletes has %d lines", n)
	}
}
