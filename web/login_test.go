package web

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mstore/store"
)

func TestLoginRefused(t *testing.T) {
	const delay = 150 * time.Millisecond
	e := newEnv(t, Options{FailedLoginDelay: delay})
	for _, tc := range []struct{ name, login, pw string }{
		{"not an administrator", joeUser, passwords[joeUser]},
		{"wrong password", rootUser, "not-the-password"},
		{"unknown login", "nobody@foo.com", "x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.client()
			start := time.Now()
			r := c.tryLogin(tc.login, tc.pw)
			expect(t, "login", r, http.StatusForbidden, "Login failed: wrong login or password, or not an administrator.")
			if d := time.Since(start); d < delay {
				t.Errorf("refused after %v, before the delay of %v", d, delay)
			}
			if c.loggedIn() {
				t.Error("a refused login opened a session")
			}
		})
	}
}

func TestLoginNeedsFormToken(t *testing.T) {
	e := newEnv(t, Options{})
	form := url.Values{"login": {rootUser}, "password": {passwords[rootUser]}}

	// No token at all, and no cookie: a form posted from elsewhere.
	c := e.client()
	expect(t, "no token", c.postRaw("/login", form), http.StatusForbidden, "not sent from this page")
	if c.loggedIn() {
		t.Error("a login without its form token opened a session")
	}

	// The cookie but not the field, then a field that is not the cookie's.
	c = e.client()
	c.get("/login")
	expect(t, "no field", c.postRaw("/login", form), http.StatusForbidden)
	form.Set("csrf", strings.Repeat("A", 43))
	expect(t, "wrong field", c.postRaw("/login", form), http.StatusForbidden)
	if c.loggedIn() {
		t.Error("a login with a wrong form token opened a session")
	}
}

func TestLoginAccepted(t *testing.T) {
	e := newEnv(t, Options{})
	for _, user := range []string{rootUser, annUser} {
		c := e.client()
		r := c.tryLogin(user, passwords[user])
		redirected(t, user, r, "/domains")
		var sc *http.Cookie
		for _, ck := range r.Cookies() {
			if ck.Name == sessionCookie {
				sc = ck
			}
		}
		// Over plain HTTP the cookie cannot be Secure; TestTLS checks it is.
		if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteStrictMode || sc.Secure || len(sc.Value) != tokenLen {
			t.Errorf("%s: session cookie %+v", user, sc)
		}
		expect(t, user, c.get("/domains"), http.StatusOK, user, "foo.com")
	}
	// A login identifier is case-insensitive and may be typed with spaces
	// around; the next page is honoured when it is ours, and not otherwise.
	c := e.client()
	page := c.get("/login?next=%2Fquotas")
	r := c.postRaw("/login", url.Values{"csrf": {formToken(t, page.body)}, "login": {" ROOT@foo.com "},
		"password": {passwords[rootUser]}, "next": {"/quotas"}})
	redirected(t, "login with next", r, "/quotas")
	c = e.client()
	page = c.get("/login")
	r = c.postRaw("/login", url.Values{"csrf": {formToken(t, page.body)}, "login": {rootUser},
		"password": {passwords[rootUser]}, "next": {"//evil.example/x"}})
	if r.Header.Get("Location") != "/domains" {
		t.Errorf("next //evil.example/x: went to %q", r.Header.Get("Location"))
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.client().login(rootUser)
	// Logging out is a form like any other: without the token it is refused.
	expect(t, "logout without token", c.postRaw("/logout", nil), http.StatusForbidden)
	if !c.loggedIn() {
		t.Fatal("a logout without the form token ended the session")
	}
	redirected(t, "logout", c.post("/logout"), "/login")
	redirected(t, "after logout", c.get("/domains/foo.com"), "/login?next=%2Fdomains%2Ffoo.com")
	redirected(t, "POST after logout", c.post("/domains/add", "name", "new.com"), "/login")
	if e.hasDomain("new.com") {
		t.Error("a form posted after logout was run")
	}
	if n := e.srv.sess.count(); n != 0 {
		t.Errorf("%d sessions after logout", n)
	}
}

func TestSessionExpires(t *testing.T) {
	const idle = 400 * time.Millisecond
	e := newEnv(t, Options{IdleTimeout: idle})
	c := e.client().login(rootUser)
	if !c.loggedIn() {
		t.Fatal("no session right after login")
	}
	time.Sleep(idle + 200*time.Millisecond)
	r := c.get("/quotas")
	redirected(t, "expired session", r, "/login?next=%2Fquotas")
	// The login page says why, and a new login works.
	expect(t, "login page", c.get(r.Header.Get("Location")), http.StatusOK, "Your session has ended")
	c.login(rootUser)
}

// Powers are read from the store on each request: an administrator who
// loses them is logged out at once.
func TestSessionEndsWithPowers(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.client().login(annUser)
	if err := e.st.DeleteAdmin(e.ctx, store.System(), annUser, store.AllPowers); err != nil {
		t.Fatal(err)
	}
	redirected(t, "after losing powers", c.get("/domains"), "/login")
	if n := e.srv.sess.count(); n != 0 {
		t.Errorf("%d sessions left", n)
	}
}

// etc/nologin keeps mail clients out, not administrators.
func TestNologinDoesNotApply(t *testing.T) {
	e := newEnv(t, Options{})
	if err := os.WriteFile(filepath.Join(e.st.Dir(), "etc", "nologin"), []byte("Down for maintenance\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := e.client().login(rootUser)
	expect(t, "status", c.get("/status"), http.StatusOK, "etc/nologin is present", "Down for maintenance")
}

func TestTLS(t *testing.T) {
	e := newEnv(t, Options{TLS: selfSigned(t)})
	if !strings.HasPrefix(e.base, "https://") {
		t.Fatal(e.base)
	}
	c := e.client()
	page := c.get("/login")
	if page.TLS == nil {
		t.Fatal("login page not over TLS")
	}
	for _, ck := range page.Cookies() {
		if ck.Name == loginCookie && !ck.Secure {
			t.Error("login cookie not Secure over TLS")
		}
	}
	r := c.postRaw("/login", url.Values{"csrf": {formToken(t, page.body)}, "login": {rootUser}, "password": {passwords[rootUser]}})
	redirected(t, "login over TLS", r, "/domains")
	found := false
	for _, ck := range r.Cookies() {
		if ck.Name == sessionCookie {
			found = true
			if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
				t.Errorf("session cookie over TLS: %+v", ck)
			}
		}
	}
	if !found {
		t.Fatal("no session cookie")
	}
	// Plain HTTP on the TLS port gets nowhere.
	plain := &http.Client{Timeout: 5 * time.Second}
	if resp, err := plain.Get("http://" + strings.TrimPrefix(e.base, "https://") + "/login"); err == nil {
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP served on the TLS listener")
		}
		resp.Body.Close()
	}
}

func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mstore test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}
