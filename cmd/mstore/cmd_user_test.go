package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mstore/auth"
	"mstore/store"
)

func TestUserAdd(t *testing.T) {
	dir := setup(t)
	withStore(t, dir, func(st *store.Store, ctx context.Context) {
		li, err := st.LookupLogin(ctx, "joe@foo.com")
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := auth.VerifyPassword(li.Credentials.Hash, []byte("secret")); !ok || err != nil {
			t.Errorf("password not set from stdin: %v %v", ok, err)
		}
		if li.Credentials.CramMD5 == "" || li.Credentials.ScramSHA256 == "" {
			t.Errorf("CRAM-MD5 and SCRAM secrets missing: %+v", li.Credentials)
		}
		if _, err := st.Mailbox(ctx, store.System(), store.MailboxName{Domain: "foo.com", Name: "user/joe/INBOX"}); err != nil {
			t.Errorf("no INBOX: %v", err)
		}
	})

	// Without a password, no login; with --no-inbox, no INBOX.
	ok(t, dir, "", "user", "add", "ann@foo.com", "--no-inbox")
	withStore(t, dir, func(st *store.Store, ctx context.Context) {
		u, err := st.User(ctx, store.System(), "ann@foo.com")
		if err != nil || len(u.Logins) != 0 || u.Mailboxes != 0 {
			t.Errorf("ann = %+v, %v; want no login and no mailbox", u, err)
		}
	})

	// The password is the first line only, without its CRLF.
	ok(t, dir, "pass word\r\nsecond line\n", "user", "add", "bob@foo.com", "--password-stdin")
	withStore(t, dir, func(st *store.Store, ctx context.Context) {
		li, _ := st.LookupLogin(ctx, "bob@foo.com")
		if ok, _ := auth.VerifyPassword(li.Credentials.Hash, []byte("pass word")); !ok {
			t.Error("password is not the first line")
		}
	})

	fails(t, dir, "x\n", exitExists, []string{"user", "add", "joe@foo.com", "--password-stdin"}, "joe@foo.com")
	fails(t, dir, "", exitNotFound, []string{"user", "add", "joe@nosuch.com"}, "nosuch.com")
	fails(t, dir, "", exitInvalid, []string{"user", "add", "joe"}, "LOCAL@DOMAIN")
	fails(t, dir, "", exitInvalid, []string{"user", "add", "carl@foo.com", "--password-stdin"}, "no password")
	fails(t, dir, "\n", exitInvalid, []string{"user", "add", "carl@foo.com", "--password-stdin"}, "no password")
	withStore(t, dir, func(st *store.Store, ctx context.Context) {
		if _, err := st.User(ctx, store.System(), "carl@foo.com"); store.KindOf(err) != store.KindNotFound {
			t.Errorf("a refused user add created the user: %v", err)
		}
	})
}

// auth.cram_md5 = false keeps no CRAM-MD5 secret.
func TestUserAddHonoursAuthConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(t.TempDir(), "mstore.toml")
	os.WriteFile(cfg, []byte("[auth]\ncram_md5 = false\n"), 0o644)
	ok(t, dir, "", "domain", "add", "foo.com")
	ok(t, dir, "pw\n", "user", "add", "joe@foo.com", "--password-stdin", "--config", cfg)
	out := ok(t, dir, "", "authid", "list")
	if !strings.Contains(out, "joe@foo.com  joe@foo.com  no        yes") {
		t.Errorf("authid list:\n%s", out)
	}
}

func TestUserListAndDelete(t *testing.T) {
	dir := setup(t)
	ok(t, dir, "", "domain", "add", "bar.org")
	ok(t, dir, "", "user", "add", "zed@bar.org", "--no-inbox")
	out := ok(t, dir, "", "user", "list")
	checkColumns(t, out)
	if ls := lines(out); len(ls) != 3 || !strings.HasPrefix(ls[1], "joe@foo.com ") || !strings.HasPrefix(ls[2], "zed@bar.org ") {
		t.Errorf("user list:\n%s", out)
	}
	if !strings.Contains(lines(out)[2], " - ") {
		t.Errorf("a user without logins shows no dash: %q", lines(out)[2])
	}
	us := decodeJSON[[]store.UserInfo](t, ok(t, dir, "", "user", "list", "bar.org", "--json"))
	if len(us) != 1 || us[0].Name != "zed@bar.org" || us[0].Logins == nil {
		t.Errorf("user list bar.org --json: %+v", us)
	}
	fails(t, dir, "", exitNotFound, []string{"user", "list", "nosuch.com"}, "nosuch.com")

	// joe has an INBOX and a login: --force needed.
	fails(t, dir, "", exitInUse, []string{"user", "del", "joe@foo.com"}, "--force")
	ok(t, dir, "", "user", "del", "joe@foo.com", "--force")
	ok(t, dir, "", "user", "del", "zed@bar.org") // nothing to lose
	fails(t, dir, "", exitNotFound, []string{"user", "del", "joe@foo.com"}, "joe@foo.com")
	withStore(t, dir, func(st *store.Store, ctx context.Context) {
		if us, _ := st.Users(ctx, store.System(), ""); len(us) != 0 {
			t.Errorf("users left: %+v", us)
		}
		if _, err := st.LookupLogin(ctx, "joe@foo.com"); store.KindOf(err) != store.KindNotFound {
			t.Errorf("login left: %v", err)
		}
		if mbs, _ := st.ListMailboxes(ctx, store.System(), store.ListQuery{}); len(mbs) != 0 {
			t.Errorf("mailboxes left: %+v", mbs)
		}
	})
}

func TestUserPasswd(t *testing.T) {
	dir := setup(t)
	ok(t, dir, "new-secret\n", "user", "passwd", "joe@foo.com", "--password-stdin")
	// A user created without a login gets one named like them.
	ok(t, dir, "", "user", "add", "ann@foo.com")
	ok(t, dir, "ann-pw", "user", "passwd", "ann@foo.com", "--password-stdin")
	withStore(t, dir, func(st *store.Store, ctx context.Context) {
		for login, pw := range map[string]string{"joe@foo.com": "new-secret", "ann@foo.com": "ann-pw"} {
			li, err := st.LookupLogin(ctx, login)
			if err != nil {
				t.Fatal(err)
			}
			if ok, _ := auth.VerifyPassword(li.Credentials.Hash, []byte(pw)); !ok {
				t.Errorf("%s: password not changed", login)
			}
		}
	})
	fails(t, dir, "pw\n", exitNotFound, []string{"user", "passwd", "nobody@foo.com", "--password-stdin"}, "nobody@foo.com")
	fails(t, dir, "", exitInvalid, []string{"user", "passwd", "joe@foo.com", "--password-stdin"}, "no password")
}

func TestAuthID(t *testing.T) {
	dir := setup(t)
	ok(t, dir, "other\n", "authid", "add", "joe", "joe@foo.com", "--password-stdin")
	ok(t, dir, "", "authid", "add", "j.nopass", "joe@foo.com")
	fails(t, dir, "", exitExists, []string{"authid", "add", "joe", "joe@foo.com"}, "joe")
	fails(t, dir, "", exitNotFound, []string{"authid", "add", "x", "nobody@foo.com"}, "nobody@foo.com")
	fails(t, dir, "", exitInvalid, []string{"authid", "add", "has space", "joe@foo.com"})

	out := ok(t, dir, "", "authid", "list", "joe@foo.com")
	checkColumns(t, out)
	if ls := lines(out); len(ls) != 4 || !strings.HasPrefix(ls[0], "LOGIN") {
		t.Errorf("authid list:\n%s", out)
	}
	ids := decodeJSON[[]store.AuthIDInfo](t, ok(t, dir, "", "authid", "list", "--json"))
	byLogin := map[string]store.AuthIDInfo{}
	for _, id := range ids {
		byLogin[id.Login] = id
	}
	if len(ids) != 3 || byLogin["joe"].User != "joe@foo.com" || !byLogin["joe"].Scram || byLogin["j.nopass"].Scram {
		t.Errorf("authid list --json: %+v", ids)
	}
	fails(t, dir, "", exitNotFound, []string{"authid", "list", "nobody@foo.com"})
	withStore(t, dir, func(st *store.Store, ctx context.Context) {
		li, _ := st.LookupLogin(ctx, "joe")
		if ok, _ := auth.VerifyPassword(li.Credentials.Hash, []byte("other")); !ok || li.User != "joe@foo.com" {
			t.Errorf("login joe: %+v", li)
		}
	})

	ok(t, dir, "", "authid", "del", "joe")
	fails(t, dir, "", exitNotFound, []string{"authid", "del", "joe"}, "joe")
	withStore(t, dir, func(st *store.Store, ctx context.Context) {
		if _, err := st.LookupLogin(ctx, "joe"); store.KindOf(err) != store.KindNotFound {
			t.Errorf("deleted login still there: %v", err)
		}
	})
}

func TestAuthMap(t *testing.T) {
	dir := setup(t)
	ok(t, dir, "", "authmap", "add", "jdoe", "joe@foo.com")
	fails(t, dir, "", exitExists, []string{"authmap", "add", "jdoe", "joe@foo.com"}, "jdoe")
	fails(t, dir, "", exitNotFound, []string{"authmap", "add", "x", "nobody@foo.com"}, "nobody@foo.com")
	out := ok(t, dir, "", "authmap", "list")
	if ls := lines(out); len(ls) != 2 || !strings.HasPrefix(ls[1], "jdoe      joe@foo.com") {
		t.Errorf("authmap list:\n%s", out)
	}
	m := decodeJSON[[]store.AuthMapEntry](t, ok(t, dir, "", "authmap", "list", "--json"))
	if len(m) != 1 || m[0] != (store.AuthMapEntry{External: "jdoe", User: "joe@foo.com"}) {
		t.Errorf("authmap --json: %+v", m)
	}
	withStore(t, dir, func(st *store.Store, ctx context.Context) {
		if u, err := st.ResolveExternal(ctx, "jdoe"); u != "joe@foo.com" || err != nil {
			t.Errorf("ResolveExternal = %q, %v", u, err)
		}
	})
	// A user with an authmap entry needs --force too.
	ok(t, dir, "", "authid", "del", "joe@foo.com")
	ok(t, dir, "", "authmap", "del", "jdoe")
	fails(t, dir, "", exitNotFound, []string{"authmap", "del", "jdoe"}, "jdoe")
	if out := ok(t, dir, "", "authmap", "list"); out != "" {
		t.Errorf("authmap list after delete: %q", out)
	}
}

func TestAdmin(t *testing.T) {
	dir := setup(t)
	ok(t, dir, "", "domain", "add", "bar.org")
	ok(t, dir, "", "user", "add", "ann@bar.org")
	ok(t, dir, "", "admin", "add", "joe@foo.com")
	ok(t, dir, "", "admin", "add", "ann@bar.org", "--domain", "bar.org")
	fails(t, dir, "", exitExists, []string{"admin", "add", "joe@foo.com"}, "already")
	fails(t, dir, "", exitNotFound, []string{"admin", "add", "nobody@foo.com"}, "nobody@foo.com")
	fails(t, dir, "", exitNotFound, []string{"admin", "add", "ann@bar.org", "--domain", "nosuch.com"}, "nosuch.com")
	out := ok(t, dir, "", "admin", "list")
	checkColumns(t, out)
	if ls := lines(out); len(ls) != 3 || !strings.HasPrefix(ls[1], "ann@bar.org  bar.org") || !strings.HasPrefix(ls[2], "joe@foo.com  *") {
		t.Errorf("admin list:\n%s", out)
	}
	as := decodeJSON[[]store.AdminEntry](t, ok(t, dir, "", "admin", "list", "--json"))
	if len(as) != 2 || as[1] != (store.AdminEntry{User: "joe@foo.com"}) {
		t.Errorf("admin list --json: %+v", as)
	}
	withStore(t, dir, func(st *store.Store, ctx context.Context) {
		c, _ := st.CallerFor(ctx, "ann@bar.org")
		if !c.IsAdmin("bar.org") || c.IsAdmin("foo.com") {
			t.Errorf("ann's powers: %v", c)
		}
	})
	// One power at a time, then all of them.
	ok(t, dir, "", "admin", "add", "joe@foo.com", "--domain", "bar.org")
	ok(t, dir, "", "admin", "del", "joe@foo.com", "--domain", "bar.org")
	fails(t, dir, "", exitNotFound, []string{"admin", "del", "joe@foo.com", "--domain", "bar.org"}, "not an administrator of bar.org")
	if ls := lines(ok(t, dir, "", "admin", "list")); len(ls) != 3 || !strings.HasPrefix(ls[2], "joe@foo.com  *") {
		t.Errorf("admin list after deleting one power: %q", ls)
	}
	fails(t, dir, "", exitUsage, []string{"admin", "del", "joe@foo.com", "--domain", "bar.org", "--global"}, "can't be used together")
	ok(t, dir, "", "admin", "add", "joe@foo.com", "--domain", "bar.org")
	ok(t, dir, "", "admin", "del", "joe@foo.com", "--global")
	if ls := lines(ok(t, dir, "", "admin", "list")); len(ls) != 3 || !strings.HasPrefix(ls[2], "joe@foo.com  bar.org") {
		t.Errorf("admin list after deleting the global power: %q", ls)
	}
	ok(t, dir, "", "admin", "del", "joe@foo.com")
	fails(t, dir, "", exitNotFound, []string{"admin", "del", "joe@foo.com"}, "not an administrator")
	if ls := lines(ok(t, dir, "", "admin", "list")); len(ls) != 2 {
		t.Errorf("admin list after delete: %q", ls)
	}
}

func TestGroup(t *testing.T) {
	dir := setup(t)
	ok(t, dir, "", "user", "add", "ann@foo.com")
	ok(t, dir, "", "group", "add", "foo.com", "staff", "joe@foo.com")
	ok(t, dir, "", "group", "add", "foo.com", "staff", "ann@foo.com")
	ok(t, dir, "", "group", "add", "foo.com", "admins", "ann@foo.com")
	fails(t, dir, "", exitExists, []string{"group", "add", "foo.com", "staff", "joe@foo.com"}, "staff")
	fails(t, dir, "", exitNotFound, []string{"group", "add", "nosuch.com", "staff", "joe@foo.com"}, "nosuch.com")
	fails(t, dir, "", exitNotFound, []string{"group", "add", "foo.com", "staff", "nobody@foo.com"}, "nobody@foo.com")
	out := ok(t, dir, "", "group", "list", "foo.com")
	checkColumns(t, out)
	want := []string{"GROUP   USER", "admins  ann@foo.com", "staff   ann@foo.com", "staff   joe@foo.com"}
	if got := lines(out); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("group list:\n%s", out)
	}
	gs := decodeJSON[[]groupJSON](t, ok(t, dir, "", "group", "list", "foo.com", "--json"))
	if len(gs) != 2 || gs[1].Group != "staff" || len(gs[1].Members) != 2 {
		t.Errorf("group list --json: %+v", gs)
	}
	ok(t, dir, "", "group", "del", "foo.com", "staff", "joe@foo.com")
	fails(t, dir, "", exitNotFound, []string{"group", "del", "foo.com", "staff", "joe@foo.com"}, "staff")
	fails(t, dir, "", exitNotFound, []string{"group", "list", "nosuch.com"}, "nosuch.com")
	withStore(t, dir, func(st *store.Store, ctx context.Context) {
		g, _ := st.Groups(ctx, store.System(), "foo.com")
		if len(g["staff"]) != 1 || g["staff"][0] != "ann@foo.com" {
			t.Errorf("groups: %v", g)
		}
	})
}
