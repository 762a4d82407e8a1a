package storetest

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"mstore/store"
)

// Lock: a second open of the same store is refused, naming the holder.
func Lock(t *testing.T, open Opener) {
	dir := t.TempDir()
	s := open(t, dir)
	defer s.Close()
	_, err := store.Open(dir, store.Options{})
	wantKind(t, err, store.KindInUse, "second open")
	if !strings.Contains(err.Error(), fmt.Sprint(os.Getpid())) {
		t.Errorf("lock error %q does not name pid %d", err, os.Getpid())
	}
	if got := store.LockHolder(dir); got != os.Getpid() {
		t.Errorf("LockHolder = %d, want %d", got, os.Getpid())
	}
	s.Close()
	if got := store.LockHolder(dir); got != 0 {
		t.Errorf("LockHolder after close = %d, want 0", got)
	}
	s2 := open(t, dir)
	s2.Close()
}

// Identities: domains, users, logins, the authmap, administrators, groups.
func Identities(t *testing.T, open Opener) {
	f := setup(t, open)
	s := f.s
	wantKind(t, s.AddDomain(ctx, sys, "FOO.com"), store.KindExists, "duplicate domain")
	_, err := s.AddUser(ctx, sys, "joe@foo.com", store.UserOptions{})
	wantKind(t, err, store.KindExists, "duplicate user")
	_, err = s.AddUser(ctx, sys, "x@nowhere.com", store.UserOptions{})
	wantKind(t, err, store.KindNotFound, "user of unknown domain")

	// A user may exist with neither mailbox nor login.
	bare, err := s.AddUser(ctx, sys, "bare@foo.com", store.UserOptions{NoInbox: true})
	must(t, err)
	if bare.Mailboxes != 0 || len(bare.Logins) != 0 {
		t.Errorf("bare user has %d mailboxes and logins %v", bare.Mailboxes, bare.Logins)
	}
	// A user with a password gets a login named like them.
	creds := store.Credentials{Hash: "$argon2id$fake"}
	kim, err := s.AddUser(ctx, sys, "Kim@Foo.com", store.UserOptions{Credentials: &creds})
	must(t, err)
	if kim.Name != "kim@foo.com" || len(kim.Logins) != 1 || kim.Logins[0] != "kim@foo.com" || kim.Mailboxes != 1 {
		t.Errorf("kim = %+v", kim)
	}
	// Several logins per user, each resolving to it.
	must(t, s.AddAuthID(ctx, sys, "KIMMY", "kim@foo.com", store.Credentials{Hash: "h2"}))
	wantKind(t, s.AddAuthID(ctx, sys, "kimmy", "joe@foo.com", creds), store.KindExists, "duplicate login")
	li, err := s.LookupLogin(ctx, "Kimmy")
	must(t, err)
	if li.User != "kim@foo.com" || li.Credentials.Hash != "h2" {
		t.Errorf("lookup kimmy = %+v", li)
	}
	must(t, s.SetCredentials(ctx, sys, "kimmy", store.Credentials{Hash: "h3", CramMD5: "c"}))
	if li, _ = s.LookupLogin(ctx, "kimmy"); li.Credentials.Hash != "h3" || li.Credentials.CramMD5 != "c" {
		t.Errorf("after SetCredentials: %+v", li.Credentials)
	}
	// A user changes their own password; another user may not.
	kc := caller(t, s, "kim@foo.com")
	must(t, s.SetCredentials(ctx, kc, "kim@foo.com", store.Credentials{Hash: "own"}))
	wantKind(t, s.SetCredentials(ctx, f.ann, "kim@foo.com", store.Credentials{Hash: "x"}), store.KindNoPerm, "password of another user")
	ids, err := s.AuthIDs(ctx, sys, "kim@foo.com")
	must(t, err)
	if len(ids) != 2 {
		t.Errorf("kim's logins = %+v", ids)
	}
	must(t, s.DeleteAuthID(ctx, sys, "kimmy"))
	_, err = s.LookupLogin(ctx, "kimmy")
	wantKind(t, err, store.KindNotFound, "deleted login")

	// Authmap.
	must(t, s.AddAuthMap(ctx, sys, "kim", "kim@foo.com"))
	wantKind(t, s.AddAuthMap(ctx, sys, "kim", "joe@foo.com"), store.KindExists, "duplicate authmap")
	if u, err := s.ResolveExternal(ctx, "kim"); err != nil || u != "kim@foo.com" {
		t.Errorf("resolve kim = %q, %v", u, err)
	}

	// Administrators: a domain admin manages only their domain.
	must(t, s.AddAdmin(ctx, sys, "ann@foo.com", "foo.com"))
	ann := caller(t, s, "ann@foo.com")
	if !ann.IsAdmin("foo.com") || ann.IsAdmin("bar.com") || ann.IsGlobalAdmin() {
		t.Errorf("ann's powers wrong: %v %v %v", ann.IsAdmin("foo.com"), ann.IsAdmin("bar.com"), ann.IsGlobalAdmin())
	}
	if _, err := s.AddUser(ctx, ann, "new@foo.com", store.UserOptions{}); err != nil {
		t.Errorf("domain admin adding a user: %v", err)
	}
	_, err = s.AddUser(ctx, ann, "new@bar.com", store.UserOptions{})
	wantKind(t, err, store.KindNoPerm, "domain admin in another domain")
	wantKind(t, s.AddDomain(ctx, ann, "baz.com"), store.KindNoPerm, "domain admin adding a domain")
	wantKind(t, s.AddAdmin(ctx, ann, "joe@foo.com", ""), store.KindNoPerm, "domain admin making a global admin")
	admins, err := s.Admins(ctx, sys)
	must(t, err)
	if len(admins) != 1 || admins[0] != (store.AdminEntry{User: "ann@foo.com", Domain: "foo.com"}) {
		t.Errorf("admins = %+v", admins)
	}
	doms, err := s.Domains(ctx, ann)
	must(t, err)
	if len(doms) != 1 || doms[0].Name != "foo.com" {
		t.Errorf("ann sees domains %+v", doms)
	}

	// Groups.
	must(t, s.AddGroupMember(ctx, sys, "foo.com", "staff", "joe@foo.com"))
	wantKind(t, s.AddGroupMember(ctx, sys, "foo.com", "staff", "joe@foo.com"), store.KindExists, "duplicate member")
	groups, err := s.Groups(ctx, sys, "foo.com")
	must(t, err)
	if len(groups["staff"]) != 1 || groups["staff"][0] != "joe@foo.com" {
		t.Errorf("groups = %v", groups)
	}

	// Deleting a user that owns things needs force, which removes them.
	wantKind(t, s.DeleteUser(ctx, sys, "kim@foo.com", false), store.KindInUse, "delete kim without force")
	must(t, s.DeleteUser(ctx, sys, "bare@foo.com", false))
	must(t, s.DeleteUser(ctx, sys, "kim@foo.com", true))
	_, err = s.LookupLogin(ctx, "kim@foo.com")
	wantKind(t, err, store.KindNotFound, "login of deleted user")
	_, err = s.ResolveExternal(ctx, "kim")
	wantKind(t, err, store.KindNotFound, "authmap of deleted user")
	_, err = s.Mailbox(ctx, sys, path(t, "foo.com/users/kim/INBOX"))
	wantKind(t, err, store.KindNotFound, "INBOX of deleted user")

	// Deleting a domain with users needs force.
	wantKind(t, s.DeleteDomain(ctx, sys, "bar.com", false), store.KindInUse, "delete bar.com without force")
	appendMsg(t, s, sys, f.zedInbox, message(1, 500))
	must(t, s.DeleteDomain(ctx, sys, "bar.com", true))
	_, err = s.User(ctx, sys, "zed@bar.com")
	wantKind(t, err, store.KindNotFound, "user of deleted domain")
	users, err := s.Users(ctx, sys, "")
	must(t, err)
	for _, u := range users {
		if strings.HasSuffix(u.Name, "@bar.com") {
			t.Errorf("user %s survived its domain", u.Name)
		}
	}
}

// BadInput: every malformed argument gets a clear error of kind invalid,
// and nothing changes.
func BadInput(t *testing.T, open Opener) {
	f := setup(t, open)
	s := f.s
	before, err := s.ListMailboxes(ctx, sys, store.ListQuery{})
	must(t, err)
	long := strings.Repeat("x", 256)
	for _, name := range []string{"user/joe//x", "user/joe/../x", "user/joe/a\x03", "/user/joe/x", "user/joe/" + long, "user/joe/", "user/joe", "other/x"} {
		_, err := s.CreateMailbox(ctx, sys, store.MailboxName{Domain: "foo.com", Name: name}, store.CreateOptions{})
		wantKind(t, err, store.KindInvalid, "create "+fmt.Sprintf("%q", name))
	}
	_, err = s.CreateMailbox(ctx, sys, store.MailboxName{Domain: "nowhere.com", Name: "shared/x"}, store.CreateOptions{})
	wantKind(t, err, store.KindNotFound, "create in unknown domain")
	wantKind(t, s.SetACL(ctx, sys, f.joeInbox, "ann", "lrz"), store.KindInvalid, "rights with unknown letter")
	wantKind(t, s.SetACL(ctx, sys, f.joeInbox, "", "lr"), store.KindInvalid, "empty identifier")
	neg := int64(-1)
	wantKind(t, s.SetQuota(ctx, sys, "foo.com/users/joe", &neg, nil), store.KindInvalid, "negative quota")
	wantKind(t, s.SetQuota(ctx, sys, "foo.com/users/nobody", nil, &neg), store.KindInvalid, "negative message quota")
	wantKind(t, s.AddDomain(ctx, sys, "bad_domain"), store.KindInvalid, "bad domain")
	_, err = s.AddUser(ctx, sys, "no-at-sign", store.UserOptions{})
	wantKind(t, err, store.KindInvalid, "user without domain")
	_, err = s.Append(ctx, f.joe, f.joeInbox, strings.NewReader("x"), store.AppendOptions{Flags: []string{`\Bogus`}})
	wantKind(t, err, store.KindInvalid, "append with unknown system flag")

	after, err := s.ListMailboxes(ctx, sys, store.ListQuery{})
	must(t, err)
	if len(after) != len(before) {
		t.Errorf("bad input changed the mailboxes: %d before, %d after", len(before), len(after))
	}
	acl, err := s.GetACL(ctx, sys, f.joeInbox)
	must(t, err)
	if len(acl) != 1 {
		t.Errorf("bad input changed the ACL: %+v", acl)
	}
	qs, err := s.Quotas(ctx, sys)
	must(t, err)
	if len(qs) != 0 {
		t.Errorf("bad input made quota roots: %+v", qs)
	}
	if st := status(t, s, sys, f.joeInbox); st.Messages != 0 {
		t.Errorf("bad append stored %d messages", st.Messages)
	}
}
