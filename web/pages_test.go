package web

import (
	"net/http"
	"strings"
	"testing"

	"mstore/auth"
	"mstore/store"
)

func TestPagesRender(t *testing.T) {
	e := newEnv(t, Options{})
	sys := store.System()
	if _, err := e.st.CreateMailbox(e.ctx, sys, store.MailboxName{Domain: "foo.com", Name: "shared/staff"}, store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.AddGroupMember(e.ctx, sys, "foo.com", "staff", joeUser); err != nil {
		t.Fatal(err)
	}
	lim := int64(1000)
	if err := e.st.SetQuota(e.ctx, sys, "foo.com/users/joe", &lim, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.st.SetACL(e.ctx, sys, store.MailboxName{Domain: "foo.com", Name: "shared/staff"}, "group:staff", "lrs"); err != nil {
		t.Fatal(err)
	}
	c := e.client().login(rootUser)
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/domains", []string{"foo.com", "bar.com", "Add a domain", "delete everything it owns"}},
		{"/domains/foo.com", []string{joeUser, annUser, rootUser, "every domain", "group:staff", "Add a user"}},
		{"/domains/foo.com/users/joe", []string{"Mailboxes of joe@foo.com", "INBOX", "default", "Create a mailbox"}},
		{"/domains/foo.com/shared", []string{"Shared folders of foo.com", "staff"}},
		{"/mailbox?path=foo.com/shared/staff", []string{"foo.com/shared/staff", "group:staff", "lrs", "shared folder"}},
		{"/mailbox?path=foo.com/users/joe/INBOX", []string{"UIDVALIDITY", "foo.com/users/joe", "1000"}},
		{"/quotas", []string{"foo.com/users/joe", "0 KiB of 1000"}},
		{"/status", []string{e.st.Dir(), "Messages committed", "Admin page sessions"}},
	} {
		r := c.get(tc.path)
		expect(t, tc.path, r, http.StatusOK, tc.want...)
		if ct := r.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", tc.path, ct)
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("%s: Content-Security-Policy %q", tc.path, csp)
		}
		if strings.Contains(r.body, "<script") {
			t.Errorf("%s: the page has a script", tc.path)
		}
	}
	r := c.get("/")
	redirected(t, "/", r, "/domains")
	expect(t, "unknown page", c.get("/nothing/here"), http.StatusNotFound, "no such page")
	expect(t, "unknown domain", c.get("/domains/nope.com"), http.StatusNotFound, "Not found")
	expect(t, "unknown user", c.get("/domains/foo.com/users/nobody"), http.StatusNotFound, "Not found")
	expect(t, "unknown mailbox", c.get("/mailbox?path=foo.com/users/joe/nope"), http.StatusNotFound, "Not found")
	expect(t, "bad path", c.get("/mailbox?path=foo.com/users/joe//x"), http.StatusBadRequest, "Invalid input")
}

func TestDomainForms(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.client().login(rootUser)

	r := c.post("/domains/add", "name", "new.com")
	redirected(t, "add", r, "/domains")
	if !e.hasDomain("new.com") {
		t.Fatal("domain not added")
	}
	expect(t, "flash", c.get("/domains"), http.StatusOK, "Domain new.com added.")
	expect(t, "add again", c.post("/domains/add", "name", "new.com"), http.StatusConflict, "Already exists")
	expect(t, "add invalid", c.post("/domains/add", "name", "bad domain!"), http.StatusBadRequest, "Invalid input")

	// A domain with a user goes only with the box ticked.
	expect(t, "delete without force", c.post("/domains/delete", "name", "bar.com"), http.StatusConflict,
		"domain bar.com still has", "(tick “delete everything it owns”")
	if !e.hasDomain("bar.com") || !e.hasUser(bobUser) {
		t.Fatal("a refused delete removed something")
	}
	redirected(t, "delete with force", c.post("/domains/delete", "name", "bar.com", "force", "1"), "/domains")
	if e.hasDomain("bar.com") || e.hasUser(bobUser) || e.mailbox("bar.com/users/bob/INBOX") {
		t.Error("bar.com or its content is still there")
	}
	// An empty domain needs no box.
	redirected(t, "delete empty", c.post("/domains/delete", "name", "new.com"), "/domains")
	if e.hasDomain("new.com") {
		t.Error("new.com still there")
	}
	expect(t, "delete missing", c.post("/domains/delete", "name", "new.com"), http.StatusNotFound, "Not found")
}

func TestUserForms(t *testing.T) {
	e := newEnv(t, Options{Credentials: auth.CredentialOptions{CramMD5: true, ScramSHA256: true}})
	c := e.client().login(rootUser)

	r := c.post("/domains/foo.com/users/add", "user", "sue", "password", "sue-pw", "confirm", "sue-pw")
	redirected(t, "add", r, "/domains/foo.com")
	if !e.mailbox("foo.com/users/sue/INBOX") {
		t.Fatal("no INBOX for the new user")
	}
	if !e.passwordWorks("sue@foo.com", "sue-pw") {
		t.Fatal("the new user's password does not log in")
	}
	info, err := e.st.LookupLogin(e.ctx, "sue@foo.com")
	if err != nil || info.Credentials.CramMD5 == "" || info.Credentials.ScramSHA256 == "" {
		t.Errorf("login of the new user: %+v %v; want CRAM-MD5 and SCRAM secrets", info.Credentials, err)
	}
	expect(t, "domain page", c.get("/domains/foo.com"), http.StatusOK, "User sue@foo.com added.", "sue@foo.com")

	// Without a password: a user with no login; with no INBOX when asked.
	redirected(t, "add bare", c.post("/domains/foo.com/users/add", "user", "tim@foo.com", "noinbox", "1"), "/domains/foo.com")
	if !e.hasUser("tim@foo.com") || e.mailbox("foo.com/users/tim/INBOX") {
		t.Error("tim: want a user without INBOX")
	}
	if _, err := e.st.LookupLogin(e.ctx, "tim@foo.com"); store.KindOf(err) != store.KindNotFound {
		t.Errorf("tim has a login: %v", err)
	}

	expect(t, "passwords differ", c.post("/domains/foo.com/users/add", "user", "amy", "password", "a", "confirm", "b"),
		http.StatusBadRequest, "the two passwords differ")
	expect(t, "other domain", c.post("/domains/foo.com/users/add", "user", "amy@bar.com"), http.StatusBadRequest, "not of domain foo.com")
	expect(t, "exists", c.post("/domains/foo.com/users/add", "user", "joe"), http.StatusConflict, "Already exists")
	if e.hasUser("amy@foo.com") || e.hasUser("amy@bar.com") {
		t.Error("a refused add created amy")
	}

	// Setting a password: the new one works, the old one no longer.
	redirected(t, "password", c.post("/domains/foo.com/users/password", "user", joeUser, "password", "new-pw", "confirm", "new-pw"), "/domains/foo.com")
	if !e.passwordWorks(joeUser, "new-pw") || e.passwordWorks(joeUser, passwords[joeUser]) {
		t.Error("password change not in effect")
	}
	expect(t, "empty password", c.post("/domains/foo.com/users/password", "user", joeUser, "password", "", "confirm", ""),
		http.StatusBadRequest, "empty password")
	// A user without a login gets one.
	redirected(t, "password for tim", c.post("/domains/foo.com/users/password", "user", "tim", "password", "tim-pw", "confirm", "tim-pw"), "/domains/foo.com")
	if !e.passwordWorks("tim@foo.com", "tim-pw") {
		t.Error("tim's new login does not work")
	}

	// Deleting: a user with mailboxes goes only with the box ticked.
	expect(t, "delete without force", c.post("/domains/foo.com/users/delete", "user", "sue@foo.com"), http.StatusConflict, "user sue@foo.com still has", "(tick “delete everything it owns”")
	if !e.hasUser("sue@foo.com") {
		t.Fatal("a refused delete removed sue")
	}
	redirected(t, "delete with force", c.post("/domains/foo.com/users/delete", "user", "sue", "force", "1"), "/domains/foo.com")
	if e.hasUser("sue@foo.com") || e.mailbox("foo.com/users/sue/INBOX") || e.passwordWorks("sue@foo.com", "sue-pw") {
		t.Error("sue or her mailbox or login is still there")
	}
}

func TestAdminAndGroupForms(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.client().login(rootUser)
	admins := func() map[string]string {
		as, err := e.st.Admins(e.ctx, store.System())
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, a := range as {
			m[a.User] = a.Domain
		}
		return m
	}
	redirected(t, "admin add", c.post("/domains/foo.com/admins/add", "user", "joe"), "/domains/foo.com")
	if d, ok := admins()[joeUser]; !ok || d != "foo.com" {
		t.Errorf("joe: admin of %q, %v", d, ok)
	}
	// Remove on foo.com's page leaves joe's power over bar.com.
	if err := e.st.AddAdmin(e.ctx, store.System(), joeUser, "bar.com"); err != nil {
		t.Fatal(err)
	}
	redirected(t, "admin delete", c.post("/domains/foo.com/admins/delete", "user", joeUser), "/domains/foo.com")
	if d, ok := admins()[joeUser]; !ok || d != "bar.com" {
		t.Errorf("joe after removal from foo.com: admin of %q, %v; want bar.com alone", d, ok)
	}
	if err := e.st.DeleteAdmin(e.ctx, store.System(), joeUser, store.AllPowers); err != nil {
		t.Fatal(err)
	}
	expect(t, "admin delete again", c.post("/domains/foo.com/admins/delete", "user", joeUser), http.StatusNotFound)

	members := func() map[string][]string {
		g, err := e.st.Groups(e.ctx, store.System(), "foo.com")
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	redirected(t, "group add", c.post("/domains/foo.com/groups/add", "group", "group:staff", "user", "joe"), "/domains/foo.com")
	if m := members()["staff"]; len(m) != 1 || m[0] != joeUser {
		t.Errorf("staff: %v", m)
	}
	expect(t, "domain page", c.get("/domains/foo.com"), http.StatusOK, "group:staff", joeUser)
	redirected(t, "group delete", c.post("/domains/foo.com/groups/delete", "group", "staff", "user", joeUser), "/domains/foo.com")
	if m := members()["staff"]; len(m) != 0 {
		t.Errorf("staff after delete: %v", m)
	}
}

func TestMailboxForms(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.client().login(rootUser)
	const joe = "/domains/foo.com/users/joe"

	redirected(t, "create", c.post(joe+"/create", "name", "lists/go", "use", `\Archive`), joe)
	if !e.mailbox("foo.com/users/joe/lists/go") || !e.mailbox("foo.com/users/joe/lists") {
		t.Fatal("mailbox and its parent not created")
	}
	info, err := e.st.Mailbox(e.ctx, store.System(), store.MailboxName{Domain: "foo.com", Name: "user/joe/lists/go"})
	if err != nil || len(info.SpecialUse) != 1 || info.SpecialUse[0] != `\Archive` {
		t.Errorf("special use: %v %v", info.SpecialUse, err)
	}
	expect(t, "create again", c.post(joe+"/create", "name", "lists/go"), http.StatusConflict, "Already exists")
	expect(t, "create invalid", c.post(joe+"/create", "name", "a//b"), http.StatusBadRequest, "Invalid input")
	expect(t, "create empty", c.post(joe+"/create", "name", ""), http.StatusBadRequest, "give a mailbox name")
	expect(t, "bad special use", c.post(joe+"/create", "name", "x", "use", `\Bogus`), http.StatusBadRequest)
	if e.mailbox("foo.com/users/joe/x") {
		t.Error("created despite a bad special use")
	}

	redirected(t, "rename", c.post(joe+"/rename", "from", "lists", "to", "old/lists"), joe)
	if e.mailbox("foo.com/users/joe/lists/go") || !e.mailbox("foo.com/users/joe/old/lists/go") {
		t.Error("rename did not move the tree")
	}
	redirected(t, "delete", c.post(joe+"/delete", "name", "old/lists/go"), joe)
	if e.mailbox("foo.com/users/joe/old/lists/go") {
		t.Error("mailbox not deleted")
	}
	expect(t, "delete INBOX", c.post(joe+"/delete", "name", "INBOX"), http.StatusBadRequest, "Not possible")
	if !e.mailbox("foo.com/users/joe/INBOX") {
		t.Error("INBOX deleted")
	}
	expect(t, "delete missing", c.post(joe+"/delete", "name", "nope"), http.StatusNotFound)

	// Shared folders.
	const shared = "/domains/foo.com/shared"
	redirected(t, "create shared", c.post(shared+"/create", "name", "staff"), shared)
	if !e.mailbox("foo.com/shared/staff") {
		t.Error("shared folder not created")
	}
	expect(t, "shared page", c.get(shared), http.StatusOK, "Mailbox foo.com/shared/staff created.", ">staff</a>")
	redirected(t, "rename shared", c.post(shared+"/rename", "from", "staff", "to", "team"), shared)
	redirected(t, "delete shared", c.post(shared+"/delete", "name", "team"), shared)
	if e.mailbox("foo.com/shared/staff") || e.mailbox("foo.com/shared/team") {
		t.Error("shared folder left")
	}
}

func TestACLForms(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.client().login(rootUser)
	n := store.MailboxName{Domain: "foo.com", Name: "user/joe/INBOX"}
	acl := func() store.ACL {
		a, err := e.st.GetACL(e.ctx, store.System(), n)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	page := "/mailbox?path=foo.com%2Fusers%2Fjoe%2FINBOX"

	redirected(t, "set", c.post("/mailbox/acl/set", "path", n.Path(), "identifier", annUser, "rights", "lr"), page)
	if r, ok := acl().Get(annUser); !ok || r.String() != "lr" {
		t.Errorf("ann: %v %v", r, ok)
	}
	redirected(t, "add rights", c.post("/mailbox/acl/set", "path", n.Path(), "identifier", annUser, "rights", "+s"), page)
	if r, _ := acl().Get(annUser); r.String() != "lrs" {
		t.Errorf("ann after +s: %v", r)
	}
	redirected(t, "negative", c.post("/mailbox/acl/set", "path", n.Path(), "identifier", "-anyone", "rights", "w"), page)
	if _, ok := acl().Get("-anyone"); !ok {
		t.Error("no negative entry")
	}
	expect(t, "page", c.get(page), http.StatusOK, "Rights of -anyone set.", "-anyone", "lrs")
	expect(t, "bad rights", c.post("/mailbox/acl/set", "path", n.Path(), "identifier", annUser, "rights", "lr!"), http.StatusBadRequest)
	if r, _ := acl().Get(annUser); r.String() != "lrs" {
		t.Errorf("bad rights changed the entry: %v", r)
	}

	redirected(t, "delete", c.post("/mailbox/acl/delete", "path", n.Path(), "identifier", annUser), page)
	if _, ok := acl().Get(annUser); ok {
		t.Error("entry not deleted")
	}
	expect(t, "missing mailbox", c.post("/mailbox/acl/set", "path", "foo.com/users/joe/nope", "identifier", annUser, "rights", "l"), http.StatusNotFound)
}

func TestQuotaForms(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.client().login(rootUser)
	quota := func(root string) (store.QuotaInfo, bool) {
		q, err := e.st.Quota(e.ctx, store.System(), root)
		if store.KindOf(err) == store.KindNotFound {
			return q, false
		}
		if err != nil {
			t.Fatal(err)
		}
		return q, true
	}
	redirected(t, "set", c.post("/quotas/set", "root", "foo.com/users/joe", "storage", "2048", "messages", ""), "/quotas")
	if q, ok := quota("foo.com/users/joe"); !ok || q.StorageLimit != 2048 || q.MessageLimit >= 0 {
		t.Errorf("quota: %+v %v", q, ok)
	}
	redirected(t, "set both", c.post("/quotas/set", "root", "foo.com", "storage", "10", "messages", "5"), "/quotas")
	if q, ok := quota("foo.com"); !ok || q.StorageLimit != 10 || q.MessageLimit != 5 {
		t.Errorf("domain quota: %+v %v", q, ok)
	}
	expect(t, "list", c.get("/quotas"), http.StatusOK, "Limits of foo.com set.", "foo.com/users/joe", `value="2048"`)
	expect(t, "negative", c.post("/quotas/set", "root", "foo.com", "storage", "-1"), http.StatusBadRequest, "at least 0")
	expect(t, "not a number", c.post("/quotas/set", "root", "foo.com", "messages", "many"), http.StatusBadRequest)
	if q, _ := quota("foo.com"); q.StorageLimit != 10 || q.MessageLimit != 5 {
		t.Errorf("refused set changed the quota: %+v", q)
	}
	expect(t, "unknown root", c.post("/quotas/set", "root", "foo.com/users/nobody", "storage", "1"), http.StatusNotFound)

	redirected(t, "remove", c.post("/quotas/remove", "root", "foo.com/users/joe"), "/quotas")
	if _, ok := quota("foo.com/users/joe"); ok {
		t.Error("root not removed")
	}
	redirected(t, "set empty removes", c.post("/quotas/set", "root", "foo.com", "storage", "", "messages", ""), "/quotas")
	if _, ok := quota("foo.com"); ok {
		t.Error("domain root not removed")
	}
	expect(t, "remove missing", c.post("/quotas/remove", "root", "foo.com"), http.StatusNotFound)
}

// User data is escaped wherever it shows: a mailbox named <script> is text.
func TestTemplatesEscape(t *testing.T) {
	e := newEnv(t, Options{})
	n := store.MailboxName{Domain: "foo.com", Name: "user/joe/<script>alert(1)</script>"}
	if _, err := e.st.CreateMailbox(e.ctx, store.System(), n, store.CreateOptions{}); err != nil {
		t.Fatalf("the store refuses the name: %v", err)
	}
	c := e.client().login(rootUser)
	for _, path := range []string{"/domains/foo.com/users/joe", "/mailbox?path=" + strings.ReplaceAll(strings.ReplaceAll(n.Path(), "<", "%3C"), ">", "%3E")} {
		r := c.get(path)
		expect(t, path, r, http.StatusOK, "&lt;script&gt;alert(1)&lt;/script&gt;")
		if strings.Contains(r.body, "<script") {
			t.Errorf("%s: unescaped <script>\n%s", path, r.body)
		}
	}
	// In a link it is percent-encoded.
	if r := c.get("/domains/foo.com/users/joe"); !strings.Contains(r.body, "%3cscript%3e") && !strings.Contains(r.body, "%3Cscript%3E") {
		t.Errorf("link to the mailbox not percent-encoded:\n%s", r.body)
	}
}

// An administrator sees what a mailbox's owner has not read, not what they
// have not read themselves: their own \Seen there is kept apart.
func TestUnseenIsTheOwners(t *testing.T) {
	e := newEnv(t, Options{})
	inbox := store.MailboxName{Domain: "foo.com", Name: "user/joe/INBOX"}
	info, err := e.st.Mailbox(e.ctx, store.System(), inbox)
	if err != nil {
		t.Fatal(err)
	}
	var uids []uint32
	for i := 0; i < 3; i++ {
		res, err := e.st.Append(e.ctx, store.System(), inbox, strings.NewReader("Subject: s\r\n\r\nbody\r\n"), store.AppendOptions{})
		if err != nil {
			t.Fatal(err)
		}
		uids = append(uids, res.UID)
	}
	joe, err := e.st.CallerFor(e.ctx, joeUser)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.st.StoreFlags(e.ctx, joe, info.ID, uids[:1], store.FlagsAdd, []string{`\Seen`}, 0); err != nil {
		t.Fatal(err)
	}
	c := e.client().login(rootUser)
	expect(t, "mailbox page", c.get("/mailbox?path=foo.com/users/joe/INBOX"), http.StatusOK,
		"<tr><th>Unseen by joe@foo.com</th><td>2</td></tr>", "<tr><th>Unseen by you</th><td>3</td></tr>")
	expect(t, "mailboxes page", c.get("/domains/foo.com/users/joe"), http.StatusOK,
		`<td class="n">3</td>`+"\n"+`<td class="n">2</td>`)
}
