package tests

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// The admin page of a running server: an administrator made by the command
// line logs in, adds a user through a form, and that user logs in over
// IMAP with the password the form set.
func TestWebAdmin(t *testing.T) {
	s := startServer(t, "", "--web", "127.0.0.1:0")
	s.mstore("", "domain", "add", "foo.com")
	s.mstore("admin-pw\n", "user", "add", "admin@foo.com", "--password-stdin")
	s.mstore("", "admin", "add", "admin@foo.com", "--domain", "foo.com")
	base := "http://" + s.addr("web")

	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := hc.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	post := func(path string, form url.Values) (int, string) {
		t.Helper()
		resp, err := hc.PostForm(base+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	token := func(page string) string {
		t.Helper()
		m := csrfField.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no form token in:\n%s", page)
		}
		return m[1]
	}

	// Without a session every page leads to the login form.
	code, page := get("/domains/foo.com")
	if code != http.StatusOK || !strings.Contains(page, `name="password"`) {
		t.Fatalf("before login: %d\n%s", code, page)
	}
	code, page = post("/login", url.Values{"csrf": {token(page)}, "login": {"admin@foo.com"},
		"password": {"admin-pw"}, "next": {"/domains/foo.com"}})
	if code != http.StatusOK || !strings.Contains(page, "admin@foo.com") || !strings.Contains(page, "Add a user") {
		t.Fatalf("after login: %d\n%s", code, page)
	}

	code, page = post("/domains/foo.com/users/add", url.Values{"csrf": {token(page)}, "user": {"joe"},
		"password": {"joe-pw"}, "confirm": {"joe-pw"}})
	if code != http.StatusOK || !strings.Contains(page, "User joe@foo.com added.") {
		t.Fatalf("user add: %d\n%s", code, page)
	}
	if out := s.mstore("", "user", "list", "foo.com"); !strings.Contains(out, "joe@foo.com") {
		t.Errorf("user list after the form:\n%s", out)
	}
	ic := dialIMAP(t, s.addr("imap"))
	if _, r := ic.cmd("LOGIN joe@foo.com joe-pw"); !strings.HasPrefix(r, "OK") {
		t.Errorf("IMAP login with the password set on the page: %s", r)
	}

	// Logging out ends the session.
	code, page = post("/logout", url.Values{"csrf": {token(page)}})
	if code != http.StatusOK || !strings.Contains(page, `name="password"`) {
		t.Fatalf("logout: %d\n%s", code, page)
	}
	if _, page = get("/domains"); !strings.Contains(page, `name="password"`) {
		t.Errorf("a page after logout:\n%s", page)
	}
}
