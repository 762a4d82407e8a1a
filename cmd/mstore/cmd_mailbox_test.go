package main

import (
	"context"
	"strings"
	"testing"

	"mstore/store"
)

// badPaths are refused at every verb that takes a mailbox path.
var badPaths = map[string]string{
	"empty level":   "foo.com/users/joe//x",
	"trailing /":    "foo.com/users/joe/x/",
	"dot-dot":       "foo.com/users/joe/../x",
	"control char":  "foo.com/users/joe/a\x01b",
	"DEL char":      "foo.com/users/joe/a\x7fb",
	"leading /":     "/foo.com/users/joe/x",
	"long level":    "foo.com/users/joe/" + strings.Repeat("a", 256),
	"wildcard":      "foo.com/users/joe/a*",
	"no namespace":  "foo.com/joe/x",
	"domain only":   "foo.com",
	"no mailbox":    "foo.com/users/joe",
	"bad domain":    "foo..com/users/joe/x",
	"empty":         "",
	"users nothing": "foo.com/users/",
}

func TestMailboxBadPaths(t *testing.T) {
	dir := setup(t)
	for what, p := range badPaths {
		for _, args := range [][]string{
			{"mailbox", "create", p},
			{"mailbox", "delete", p},
			{"mailbox", "status", p},
			{"mailbox", "rename", "foo.com/users/joe/INBOX", p},
			{"acl", "get", p},
			{"acl", "set", p, "anyone", "l"},
			{"reconstruct", p},
		} {
			r := cli(t, dir, "", args...)
			if r.code != exitInvalid || !strings.HasPrefix(r.stderr, "mstore: ") {
				if p == "" && r.code == exitUsage && args[0] == "reconstruct" {
					continue // an empty PATH is no PATH
				}
				t.Errorf("%s: mstore %q: %s", what, args, r)
			}
		}
	}
	// A level of exactly 255 bytes is fine.
	ok(t, dir, "", "mailbox", "create", "foo.com/users/joe/"+strings.Repeat("a", 255))
	fails(t, dir, "", exitInvalid, []string{"mailbox", "create", "/foo.com/users/joe/x"}, "must not start with")
	fails(t, dir, "", exitInvalid, []string{"mailbox", "create", "foo.com/users/joe/a/../b"}, "\"..\"")
	fails(t, dir, "", exitInvalid, []string{"mailbox", "create", "foo.com/users/joe/a//b"}, "empty level")
	fails(t, dir, "", exitInvalid, []string{"mailbox", "create", "foo.com/users/joe/a\tb"}, "control character")
	fails(t, dir, "", exitInvalid, []string{"mailbox", "create", "foo.com/users/joe/" + strings.Repeat("b", 256)}, "255")
	withStore(t, dir, func(st *store.Store, ctx context.Context) {
		mbs, _ := st.ListMailboxes(ctx, store.System(), store.ListQuery{})
		if len(mbs) != 2 {
			t.Errorf("bad paths created mailboxes: %d mailboxes", len(mbs))
		}
	})
}

func TestMailboxCreateDeleteRename(t *testing.T) {
	dir := setup(t)
	ok(t, dir, "", "mailbox", "create", "foo.com/users/joe/Sent", "--special-use", `\Sent`)
	ok(t, dir, "", "mailbox", "create", "foo.com/users/joe/lists/go/nuts", "--special-use", "archive", "--special-use", `\Flagged`)
	ok(t, dir, "", "mailbox", "create", "foo.com/shared/staff")
	fails(t, dir, "", exitExists, []string{"mailbox", "create", "foo.com/users/joe/Sent"}, "already exists")
	fails(t, dir, "", exitExists, []string{"mailbox", "create", "foo.com/users/joe/inbox"}, "INBOX")
	fails(t, dir, "", exitInvalid, []string{"mailbox", "create", "foo.com/users/joe/X", "--special-use", `\Bogus`}, "special-use")
	fails(t, dir, "", exitNotFound, []string{"mailbox", "create", "foo.com/users/nobody/X"}, "nobody@foo.com")
	fails(t, dir, "", exitNotFound, []string{"mailbox", "create", "nosuch.com/shared/X"}, "nosuch.com")
	withStore(t, dir, func(st *store.Store, ctx context.Context) {
		m, err := st.Mailbox(ctx, store.System(), store.MailboxName{Domain: "foo.com", Name: "user/joe/lists/go/nuts"})
		if err != nil || strings.Join(m.SpecialUse, " ") != `\Archive \Flagged` {
			t.Errorf("nuts: %+v, %v", m.SpecialUse, err)
		}
		if _, err := st.Mailbox(ctx, store.System(), store.MailboxName{Domain: "foo.com", Name: "user/joe/lists"}); err != nil {
			t.Errorf("parent not created: %v", err)
		}
	})

	ok(t, dir, "", "mailbox", "rename", "foo.com/users/joe/lists", "foo.com/users/joe/archive/lists")
	fails(t, dir, "", exitExists, []string{"mailbox", "rename", "foo.com/users/joe/Sent", "foo.com/users/joe/INBOX"}, "already exists")
	fails(t, dir, "", exitNotFound, []string{"mailbox", "rename", "foo.com/users/joe/nope", "foo.com/users/joe/x"}, "nope")
	fails(t, dir, "", exitInvalid, []string{"mailbox", "rename", "foo.com/users/joe/Sent", "bar.com/users/joe/Sent"}, "another domain")
	withStore(t, dir, func(st *store.Store, ctx context.Context) {
		if _, err := st.Mailbox(ctx, store.System(), store.MailboxName{Domain: "foo.com", Name: "user/joe/archive/lists/go/nuts"}); err != nil {
			t.Errorf("rename did not move the children: %v", err)
		}
	})

	ok(t, dir, "", "mailbox", "delete", "foo.com/shared/staff")
	fails(t, dir, "", exitNotFound, []string{"mailbox", "delete", "foo.com/shared/staff"}, "staff")
	fails(t, dir, "", exitInvalid, []string{"mailbox", "delete", "foo.com/users/joe/INBOX"}, "INBOX")
	withStore(t, dir, func(st *store.Store, ctx context.Context) {
		if _, err := st.Mailbox(ctx, store.System(), store.MailboxName{Domain: "foo.com", Name: "shared/staff"}); store.KindOf(err) != store.KindNotFound {
			t.Errorf("deleted mailbox still there: %v", err)
		}
	})
}

func TestMailboxListAndStatus(t *testing.T) {
	dir := setup(t)
	ok(t, dir, "", "domain", "add", "bar.org")
	ok(t, dir, "", "user", "add", "ann@bar.org")
	ok(t, dir, "", "user", "add", "amy@foo.com")
	ok(t, dir, "", "mailbox", "create", "foo.com/users/joe/Sent")
	ok(t, dir, "", "mailbox", "create", "foo.com/shared/staff")
	ok(t, dir, "Subject: one\n\nbody\n", "deliver", "joe@foo.com")
	ok(t, dir, "Subject: two\n\nbody two\n", "deliver", "joe@foo.com")

	out := ok(t, dir, "", "mailbox", "list")
	checkColumns(t, out)
	want := []string{"bar.org/users/ann/INBOX", "foo.com/shared/staff", "foo.com/users/amy/INBOX", "foo.com/users/joe/INBOX", "foo.com/users/joe/Sent"}
	got := lines(out)
	if len(got) != len(want)+1 || !strings.HasPrefix(got[0], "MAILBOX") {
		t.Fatalf("mailbox list:\n%s", out)
	}
	for i, w := range want {
		if f := strings.Fields(got[i+1]); f[0] != w {
			t.Errorf("row %d is %q, want %s", i, got[i+1], w)
		}
	}
	if f := strings.Fields(got[4]); strings.Join(f[1:], " ") != "2 2 48 default" {
		t.Errorf("joe's INBOX row: %q", got[4])
	}

	prefixes := map[string][]string{
		"foo.com":               {"foo.com/shared/staff", "foo.com/users/amy/INBOX", "foo.com/users/joe/INBOX", "foo.com/users/joe/Sent"},
		"foo.com/":              {"foo.com/shared/staff", "foo.com/users/amy/INBOX", "foo.com/users/joe/INBOX", "foo.com/users/joe/Sent"},
		"FOO.com/users":         {"foo.com/users/amy/INBOX", "foo.com/users/joe/INBOX", "foo.com/users/joe/Sent"},
		"foo.com/users/joe":     {"foo.com/users/joe/INBOX", "foo.com/users/joe/Sent"},
		"foo.com/users/joe/":    {"foo.com/users/joe/INBOX", "foo.com/users/joe/Sent"},
		"foo.com/users/joe/Sen": {},
		"foo.com/shared":        {"foo.com/shared/staff"},
		"bar.org":               {"bar.org/users/ann/INBOX"},
	}
	for p, want := range prefixes {
		mbs := decodeJSON[[]store.MailboxInfo](t, ok(t, dir, "", "mailbox", "list", p, "--json"))
		var got []string
		for _, m := range mbs {
			got = append(got, m.Path)
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("mailbox list %s = %v, want %v", p, got, want)
		}
	}
	fails(t, dir, "", exitNotFound, []string{"mailbox", "list", "nosuch.com"}, "nosuch.com")
	fails(t, dir, "", exitInvalid, []string{"mailbox", "list", "/foo.com"})
	fails(t, dir, "", exitInvalid, []string{"mailbox", "list", "foo.com/other"})
	fails(t, dir, "", exitInvalid, []string{"mailbox", "list", "foo.com/users/../x"})

	// The JSON list carries the counters.
	raw := decodeJSON[[]map[string]any](t, ok(t, dir, "", "mailbox", "list", "foo.com/users/joe", "--json"))
	for _, k := range []string{"path", "messages", "unseen", "size", "uidvalidity", "uidnext", "partition"} {
		if _, ok := raw[0][k]; !ok {
			t.Errorf("mailbox list --json lacks %q: %v", k, raw[0])
		}
	}

	st := ok(t, dir, "", "mailbox", "status", "foo.com/users/joe/INBOX")
	fields := map[string]string{}
	for _, l := range lines(st) {
		f := strings.Fields(l)
		fields[f[0]] = strings.Join(f[1:], " ")
	}
	for k, v := range map[string]string{"path": "foo.com/users/joe/INBOX", "messages": "2", "unseen": "2", "size": "48",
		"uidnext": "3", "partition": "default", "owner": "joe@foo.com"} {
		if fields[k] != v {
			t.Errorf("status %s = %q, want %q\n%s", k, fields[k], v, st)
		}
	}
	if fields["uidvalidity"] == "" || fields["uidvalidity"] == "0" {
		t.Errorf("status has no uidvalidity:\n%s", st)
	}
	m := decodeJSON[store.MailboxInfo](t, ok(t, dir, "", "mailbox", "status", "foo.com/users/joe/INBOX", "--json"))
	if m.Messages != 2 || m.Unseen != 2 || m.Size != 48 || m.UIDNext != 3 || m.UIDValidity == 0 || m.Partition != "default" {
		t.Errorf("status --json: %+v", m)
	}
	fails(t, dir, "", exitNotFound, []string{"mailbox", "status", "foo.com/users/joe/nope"}, "nope")
}
