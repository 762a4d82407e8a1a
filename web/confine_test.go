package web

import (
	"net/http"
	"strings"
	"testing"

	"mstore/store"
)

// A domain administrator sees and changes their own domain and nothing of
// another: every refusal comes from the store, as 403 or 404.
func TestDomainAdminConfined(t *testing.T) {
	e := newEnv(t, Options{})
	bobInbox := store.MailboxName{Domain: "bar.com", Name: "user/bob/INBOX"}
	for _, name := range []string{"shared/news", "user/bob/Sent"} {
		if _, err := e.st.CreateMailbox(e.ctx, store.System(), store.MailboxName{Domain: "bar.com", Name: name}, store.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	c := e.client().login(annUser)

	r := c.get("/domains")
	expect(t, "domains", r, http.StatusOK, "foo.com")
	if strings.Contains(r.body, "bar.com") || strings.Contains(r.body, "Add a domain") {
		t.Errorf("a domain administrator sees bar.com or the add form:\n%s", r.body)
	}
	expect(t, "own domain", c.get("/domains/foo.com"), http.StatusOK, joeUser)
	expect(t, "own user", c.get("/domains/foo.com/users/joe"), http.StatusOK, "INBOX")
	if r := c.get("/quotas"); strings.Contains(r.body, "bar.com") {
		t.Errorf("quotas of bar.com shown:\n%s", r.body)
	}
	if r := c.get("/domains/foo.com"); strings.Contains(r.body, "Status") {
		t.Error("status page linked for a domain administrator")
	}

	// Pages of bar.com.
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/domains/bar.com", http.StatusForbidden},
		{"/domains/bar.com/users/bob", http.StatusForbidden},
		{"/domains/bar.com/shared", http.StatusForbidden},
		{"/mailbox?path=bar.com/users/bob/INBOX", http.StatusNotFound},
		{"/mailbox?path=bar.com/shared/news", http.StatusNotFound},
		{"/status", http.StatusForbidden},
	} {
		r := c.get(tc.path)
		expect(t, tc.path, r, tc.status)
		if strings.Contains(r.body, bobUser) {
			t.Errorf("%s shows %s", tc.path, bobUser)
		}
	}

	// Forms against bar.com: each refused, the store unchanged.
	for _, tc := range []struct {
		path string
		kv   []string
	}{
		{"/domains/add", []string{"name", "evil.com"}},
		{"/domains/delete", []string{"name", "bar.com", "force", "1"}},
		{"/domains/bar.com/users/add", []string{"user", "eve", "password", "x", "confirm", "x"}},
		{"/domains/bar.com/users/delete", []string{"user", "bob", "force", "1"}},
		{"/domains/bar.com/users/password", []string{"user", "bob", "password", "x", "confirm", "x"}},
		{"/domains/bar.com/admins/add", []string{"user", annUser}},
		{"/domains/bar.com/groups/add", []string{"group", "g", "user", bobUser}},
		{"/domains/bar.com/users/bob/create", []string{"name", "stolen"}},
		{"/domains/bar.com/users/bob/rename", []string{"from", "INBOX", "to", "moved"}},
		{"/domains/bar.com/users/bob/delete", []string{"name", "Sent"}},
		{"/domains/bar.com/shared/create", []string{"name", "planted"}},
		{"/domains/bar.com/shared/delete", []string{"name", "news"}},
		{"/mailbox/acl/set", []string{"path", "bar.com/users/bob/INBOX", "identifier", annUser, "rights", "lr"}},
		{"/mailbox/acl/delete", []string{"path", "bar.com/users/bob/INBOX", "identifier", bobUser}},
		{"/quotas/set", []string{"root", "bar.com", "storage", "1"}},
		{"/quotas/set", []string{"root", "bar.com/users/bob", "messages", "1"}},
	} {
		r := c.post(tc.path, tc.kv...)
		if r.StatusCode != http.StatusForbidden && r.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s %v: status %d, want 403 or 404\n%s", tc.path, tc.kv, r.StatusCode, r.body)
		}
	}
	if e.hasDomain("evil.com") || !e.hasDomain("bar.com") || !e.hasUser(bobUser) || e.hasUser("eve@bar.com") {
		t.Error("domains or users of bar.com changed")
	}
	if !e.passwordWorks(bobUser, passwords[bobUser]) || e.passwordWorks(bobUser, "x") {
		t.Error("bob's password changed")
	}
	if !e.mailbox("bar.com/users/bob/INBOX") || !e.mailbox("bar.com/users/bob/Sent") || !e.mailbox("bar.com/shared/news") ||
		e.mailbox("bar.com/users/bob/stolen") || e.mailbox("bar.com/users/bob/moved") || e.mailbox("bar.com/shared/planted") {
		t.Error("mailboxes of bar.com changed")
	}
	if acl, err := e.st.GetACL(e.ctx, store.System(), bobInbox); err != nil {
		t.Fatal(err)
	} else if _, ok := acl.Get(annUser); ok {
		t.Error("ann gave herself rights on bob's INBOX")
	}
	if qs, err := e.st.Quotas(e.ctx, store.System()); err != nil || len(qs) != 0 {
		t.Errorf("quotas: %v %v", qs, err)
	}
	if g, err := e.st.Groups(e.ctx, store.System(), "bar.com"); err != nil || len(g) != 0 {
		t.Errorf("groups of bar.com: %v %v", g, err)
	}
	c2 := e.client().login(rootUser)
	if r := c2.get("/domains/bar.com"); strings.Contains(r.body, annUser) {
		t.Error("ann made herself an administrator of bar.com")
	}

	// Her own domain she can change.
	redirected(t, "own add", c.post("/domains/foo.com/users/add", "user", "kim", "password", "kim-pw", "confirm", "kim-pw"), "/domains/foo.com")
	if !e.passwordWorks("kim@foo.com", "kim-pw") {
		t.Error("ann could not add a user to foo.com")
	}
}

// A form without the session's CSRF token changes nothing.
func TestCSRF(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.client().login(rootUser)
	other := e.client().login(rootUser)

	for _, tc := range []struct {
		name  string
		token string
	}{
		{"missing", ""},
		{"wrong", strings.Repeat("x", 43)},
		{"another session's", other.csrf},
	} {
		saved := c.csrf
		c.csrf = tc.token
		expect(t, tc.name+" domain add", c.post("/domains/add", "name", "csrf.com"), http.StatusForbidden, "nothing was changed")
		expect(t, tc.name+" domain delete", c.post("/domains/delete", "name", "bar.com", "force", "1"), http.StatusForbidden)
		expect(t, tc.name+" mailbox create", c.post("/domains/foo.com/users/joe/create", "name", "csrf"), http.StatusForbidden)
		expect(t, tc.name+" password", c.post("/domains/foo.com/users/password", "user", joeUser, "password", "p", "confirm", "p"), http.StatusForbidden)
		c.csrf = saved
	}
	if e.hasDomain("csrf.com") || !e.hasDomain("bar.com") || e.mailbox("foo.com/users/joe/csrf") || !e.passwordWorks(joeUser, passwords[joeUser]) {
		t.Error("a form without the right token changed the store")
	}
	// The token in the query instead of the body does not count either.
	r := c.postRaw("/domains/add?csrf="+c.csrf, map[string][]string{"name": {"csrf.com"}})
	expect(t, "token in query", r, http.StatusForbidden)
	if e.hasDomain("csrf.com") {
		t.Error("token in the query accepted")
	}
	// With the token, the same form works.
	redirected(t, "with token", c.post("/domains/add", "name", "csrf.com"), "/domains")
}
