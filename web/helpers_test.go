package web

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"mstore/auth"
	"mstore/store"
	"mstore/tools/testenv"
)

// The store every test starts from: two domains; a global administrator,
// an administrator of foo.com, and a plain user in each domain.
const (
	rootUser = "root@foo.com" // global administrator
	annUser  = "ann@foo.com"  // administers foo.com
	joeUser  = "joe@foo.com"  // no powers
	bobUser  = "bob@bar.com"  // no powers
)

var passwords = map[string]string{rootUser: "root-pw", annUser: "ann-pw", joeUser: "joe-pw", bobUser: "bob-pw"}

// env is a real store in a temporary directory and the admin page on a
// loopback port.
type env struct {
	t    *testing.T
	ctx  context.Context
	st   *store.Store
	srv  *Server
	base string // "http://127.0.0.1:PORT"
	tls  bool
	logs *testenv.LogBuffer
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if opts.FailedLoginDelay == 0 {
		opts.FailedLoginDelay = 20 * time.Millisecond
	}
	logs := &testenv.LogBuffer{}
	srv := New(st, opts, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	scheme := "http"
	if opts.TLS != nil {
		scheme = "https"
	}
	e := &env{t: t, ctx: context.Background(), st: st, srv: srv, base: scheme + "://" + l.Addr().String(), tls: opts.TLS != nil, logs: logs}
	e.seed()
	return e
}

func (e *env) seed() {
	t, ctx, sys := e.t, e.ctx, store.System()
	for _, d := range []string{"foo.com", "bar.com"} {
		if err := e.st.AddDomain(ctx, sys, d); err != nil {
			t.Fatal(err)
		}
	}
	for user, pw := range passwords {
		creds, err := auth.NewCredentials([]byte(pw), auth.CredentialOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.AddUser(ctx, sys, user, store.UserOptions{Credentials: &creds}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.st.AddAdmin(ctx, sys, rootUser, ""); err != nil {
		t.Fatal(err)
	}
	if err := e.st.AddAdmin(ctx, sys, annUser, "foo.com"); err != nil {
		t.Fatal(err)
	}
}

// mailbox reports whether a mailbox exists, as the store's System sees it.
func (e *env) mailbox(path string) bool {
	e.t.Helper()
	n, err := store.ParsePath(path)
	if err != nil {
		e.t.Fatal(err)
	}
	_, err = e.st.Mailbox(e.ctx, store.System(), n)
	if err != nil && store.KindOf(err) != store.KindNotFound {
		e.t.Fatal(err)
	}
	return err == nil
}

func (e *env) hasDomain(name string) bool {
	e.t.Helper()
	ds, err := e.st.Domains(e.ctx, store.System())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, d := range ds {
		if d.Name == name {
			return true
		}
	}
	return false
}

func (e *env) hasUser(name string) bool {
	e.t.Helper()
	_, err := e.st.User(e.ctx, store.System(), name)
	if err != nil && store.KindOf(err) != store.KindNotFound {
		e.t.Fatal(err)
	}
	return err == nil
}

// passwordWorks checks a password the way every door does.
func (e *env) passwordWorks(login, pw string) bool {
	l := &auth.Login{Store: e.st}
	_, err := l.CheckPassword(e.ctx, login, []byte(pw))
	return err == nil
}

// client is a browser: a cookie jar, redirects not followed so that tests
// see them, and the session's CSRF token once logged in.
type client struct {
	t    *testing.T
	e    *env
	hc   *http.Client
	csrf string
}

func (e *env) client() *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	hc := &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	if e.tls {
		hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	}
	return &client{t: e.t, e: e, hc: hc}
}

// response is an answer with its body read.
type response struct {
	*http.Response
	body string
}

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return response{resp, string(b)}
}

func (c *client) get(path string) response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.e.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

// postRaw sends a form as it is.
func (c *client) postRaw(path string, form url.Values) response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.e.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// post sends a form with the session's CSRF token, as the page's forms do.
func (c *client) post(path string, kv ...string) response {
	c.t.Helper()
	form := url.Values{"csrf": {c.csrf}}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Add(kv[i], kv[i+1])
	}
	return c.postRaw(path, form)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// formToken returns the CSRF token of the forms of a page.
func formToken(t *testing.T, body string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%s", body)
	}
	return m[1]
}

// tryLogin fills in the login form and returns the answer.
func (c *client) tryLogin(login, pw string) response {
	c.t.Helper()
	page := c.get("/login")
	if page.StatusCode != http.StatusOK {
		c.t.Fatalf("GET /login: %d", page.StatusCode)
	}
	return c.postRaw("/login", url.Values{"csrf": {formToken(c.t, page.body)}, "login": {login}, "password": {pw}})
}

// login logs in and keeps the session's CSRF token.
func (c *client) login(user string) *client {
	c.t.Helper()
	r := c.tryLogin(user, passwords[user])
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/domains" {
		c.t.Fatalf("login %s: %d %s\n%s", user, r.StatusCode, r.Header.Get("Location"), r.body)
	}
	page := c.get("/domains")
	if page.StatusCode != http.StatusOK {
		c.t.Fatalf("GET /domains after login: %d\n%s", page.StatusCode, page.body)
	}
	c.csrf = formToken(c.t, page.body)
	return c
}

// loggedIn reports whether the client's session still opens a page.
func (c *client) loggedIn() bool {
	c.t.Helper()
	r := c.get("/domains")
	switch {
	case r.StatusCode == http.StatusOK:
		return true
	case r.StatusCode == http.StatusSeeOther && strings.HasPrefix(r.Header.Get("Location"), "/login"):
		return false
	}
	c.t.Fatalf("GET /domains: %d %s", r.StatusCode, r.Header.Get("Location"))
	return false
}

// expect checks an answer's status and that its body holds each of want.
func expect(t *testing.T, what string, r response, status int, want ...string) {
	t.Helper()
	if r.StatusCode != status {
		t.Errorf("%s: status %d, want %d\n%s", what, r.StatusCode, status, r.body)
		return
	}
	for _, w := range want {
		if !strings.Contains(r.body, w) {
			t.Errorf("%s: page lacks %q\n%s", what, w, r.body)
		}
	}
	if strings.Contains(r.body, "goroutine ") || strings.Contains(r.body, "panic") {
		t.Errorf("%s: a stack trace on the page\n%s", what, r.body)
	}
}

// redirected checks a 303 to a place starting with prefix.
func redirected(t *testing.T, what string, r response, prefix string) {
	t.Helper()
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), prefix) {
		t.Errorf("%s: %d to %q, want 303 to %s…\n%s", what, r.StatusCode, r.Header.Get("Location"), prefix, r.body)
	}
}
