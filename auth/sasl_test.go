package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// memSource is a CredentialSource over a map; fail, when set, is returned
// for every lookup, as a store outage would be.
type memSource struct {
	creds map[string]Credentials
	fail  error
}

func (m memSource) Credentials(_ context.Context, login string) (Credentials, error) {
	if m.fail != nil {
		return Credentials{}, m.fail
	}
	c, ok := m.creds[login]
	if !ok {
		return Credentials{}, fmt.Errorf("store lookup: %w", ErrUnknownLogin)
	}
	return c, nil
}

// Passwords of the test logins. Every login has every secret but "nocram"
// and "noscram", which lack one, and "nohash", which has no password hash.
const (
	joePW = "joe's password"
	timPW = "tanstaaftanstaaf"
)

var testCreds = sync.OnceValue(func() map[string]Credentials {
	all := CredentialOptions{CramMD5: true, ScramSHA256: true}
	mk := func(pw string, o CredentialOptions) Credentials {
		c, err := NewCredentials([]byte(pw), o)
		if err != nil {
			panic(err)
		}
		return c
	}
	joe := mk(joePW, all)
	bc, err := bcrypt.GenerateFromPassword([]byte("imported"), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return map[string]Credentials{
		"joe":      joe,
		"tim":      mk(timPW, CredentialOptions{CramMD5: true}),
		"nocram":   {Hash: joe.Hash, ScramSHA256: joe.ScramSHA256},
		"noscram":  {Hash: joe.Hash, CramMD5: joe.CramMD5},
		"nohash":   {CramMD5: joe.CramMD5, ScramSHA256: joe.ScramSHA256},
		"badhash":  {Hash: "$argon2id$v=19$broken"},
		"bcrypt":   {Hash: string(bc)},
		"with spc": joe,
	}
})

func testSource() memSource { return memSource{creds: testCreds()} }

func newTestServer(t *testing.T, mech string) Server {
	t.Helper()
	s, err := NewServer(mech, testSource(), ServerOptions{Hostname: "mail.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// step runs Next and fails the test on an error.
func step(t *testing.T, s Server, resp []byte) ([]byte, bool) {
	t.Helper()
	ch, done, err := s.Next(context.Background(), resp)
	if err != nil {
		t.Fatalf("Next(%q): %v", resp, err)
	}
	if done && ch != nil {
		t.Fatalf("Next(%q): done with challenge %q", resp, ch)
	}
	return ch, done
}

func TestMechanisms(t *testing.T) {
	for _, tc := range []struct {
		opts ServerOptions
		want []string
	}{
		{ServerOptions{}, []string{"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256"}},
		{ServerOptions{DisablePlain: true, DisableLogin: true}, []string{"CRAM-MD5", "SCRAM-SHA-256"}},
		{ServerOptions{DisableCRAMMD5: true}, []string{"PLAIN", "LOGIN", "SCRAM-SHA-256"}},
		{ServerOptions{DisableSCRAMSHA256: true}, []string{"PLAIN", "LOGIN", "CRAM-MD5"}},
		{ServerOptions{DisablePlain: true, DisableLogin: true, DisableCRAMMD5: true, DisableSCRAMSHA256: true}, nil},
	} {
		if got := Mechanisms(tc.opts); !slices.Equal(got, tc.want) {
			t.Errorf("Mechanisms(%+v) = %q, want %q", tc.opts, got, tc.want)
		}
	}
}

func TestNewServer(t *testing.T) {
	src := testSource()
	for _, name := range []string{"PLAIN", "plain", "Login", "cram-md5", "Scram-Sha-256"} {
		if _, err := NewServer(name, src, ServerOptions{}); err != nil {
			t.Errorf("NewServer(%q): %v", name, err)
		}
	}
	for _, tc := range []struct {
		name string
		opts ServerOptions
	}{
		{"DIGEST-MD5", ServerOptions{}},
		{"SCRAM-SHA-1", ServerOptions{}},
		{"SCRAM-SHA-256-PLUS", ServerOptions{}},
		{"", ServerOptions{}},
		{"\u017fcram-sha-256", ServerOptions{}}, // long s, which Unicode upper-cases to S
		{"plain", ServerOptions{DisablePlain: true}},
		{"LOGIN", ServerOptions{DisableLogin: true}},
		{"CRAM-MD5", ServerOptions{DisableCRAMMD5: true}},
		{"SCRAM-SHA-256", ServerOptions{DisableSCRAMSHA256: true}},
	} {
		if _, err := NewServer(tc.name, src, tc.opts); !errors.Is(err, ErrUnknownMechanism) {
			t.Errorf("NewServer(%q, %+v) error %v, want ErrUnknownMechanism", tc.name, tc.opts, err)
		}
	}
	if _, err := NewServer("PLAIN", nil, ServerOptions{}); err == nil {
		t.Error("NewServer accepted a nil CredentialSource")
	}
}

func plainMsg(authzid, authcid, pw string) []byte {
	return []byte(authzid + "\x00" + authcid + "\x00" + pw)
}

func TestPlain(t *testing.T) {
	for _, tc := range []struct {
		name             string
		msg              []byte
		authcid, authzid string
	}{
		{"no authzid", plainMsg("", "joe", joePW), "joe", ""},
		{"authzid", plainMsg("shared@example.org", "joe", joePW), "joe", "shared@example.org"},
		{"space in login", plainMsg("", "with spc", joePW), "with spc", ""},
		{"bcrypt hash", plainMsg("", "bcrypt", "imported"), "bcrypt", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// With the message as initial response.
			s := newTestServer(t, "PLAIN")
			if _, done := step(t, s, tc.msg); !done {
				t.Fatal("not done after the PLAIN message")
			}
			if c, z := s.Identity(); c != tc.authcid || z != tc.authzid {
				t.Errorf("Identity() = %q, %q; want %q, %q", c, z, tc.authcid, tc.authzid)
			}
			if _, _, err := s.Next(context.Background(), nil); err == nil {
				t.Error("Next after done did not fail")
			}

			// Without: an empty challenge asks for it.
			s = newTestServer(t, "PLAIN")
			ch, done := step(t, s, nil)
			if done || ch == nil || len(ch) != 0 {
				t.Fatalf("first step: challenge %q (nil: %v), done %v; want empty, false", ch, ch == nil, done)
			}
			if _, done := step(t, s, tc.msg); !done {
				t.Fatal("not done after the PLAIN message")
			}
			if c, z := s.Identity(); c != tc.authcid || z != tc.authzid {
				t.Errorf("Identity() = %q, %q; want %q, %q", c, z, tc.authcid, tc.authzid)
			}
		})
	}
}

func TestPlainRefused(t *testing.T) {
	hard := errors.New("database unavailable")
	for _, tc := range []struct {
		name  string
		msg   []byte
		src   CredentialSource
		is    error // the error kind the door sees
		cause error // also matched, for the log
	}{
		{"wrong password", plainMsg("", "joe", "not joe's password"), nil, ErrAuthFailed, errWrongPassword},
		{"password case", plainMsg("", "joe", "Joe's password"), nil, ErrAuthFailed, errWrongPassword},
		{"authzid does not help", plainMsg("joe", "tim", joePW), nil, ErrAuthFailed, errWrongPassword},
		{"unknown login", plainMsg("", "nobody", joePW), nil, ErrAuthFailed, ErrUnknownLogin},
		{"no password hash", plainMsg("", "nohash", joePW), nil, ErrAuthFailed, nil},
		{"damaged hash", plainMsg("", "badhash", joePW), nil, ErrAuthFailed, ErrMalformedHash},
		{"store down", plainMsg("", "joe", joePW), memSource{fail: hard}, hard, nil},
		{"no NUL", []byte("joe" + joePW), nil, ErrMalformed, nil},
		{"one NUL", []byte("joe\x00" + joePW), nil, ErrMalformed, nil},
		{"three NULs", []byte("\x00joe\x00joe's\x00password"), nil, ErrMalformed, nil},
		{"empty message", []byte{}, nil, ErrMalformed, nil},
		{"empty authcid", plainMsg("", "", joePW), nil, ErrMalformed, nil},
		{"empty password", plainMsg("", "joe", ""), nil, ErrMalformed, nil},
		{"authcid not UTF-8", plainMsg("", "jo\xffe", joePW), nil, ErrMalformed, nil},
		{"authzid not UTF-8", plainMsg("\xff", "joe", joePW), nil, ErrMalformed, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := tc.src
			if src == nil {
				src = testSource()
			}
			s, err := NewServer("PLAIN", src, ServerOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ch, done, err := s.Next(context.Background(), tc.msg)
			if done || ch != nil {
				t.Errorf("got challenge %q, done %v; want neither", ch, done)
			}
			if !errors.Is(err, tc.is) {
				t.Fatalf("error %v, want %v", err, tc.is)
			}
			if tc.cause != nil && !errors.Is(err, tc.cause) {
				t.Errorf("error %v does not wrap the cause %v", err, tc.cause)
			}
			if tc.is != ErrAuthFailed && errors.Is(err, ErrAuthFailed) {
				t.Errorf("error %v claims authentication failed", err)
			}
			if c, z := s.Identity(); c != "" || z != "" {
				t.Errorf("Identity() = %q, %q after a failure", c, z)
			}
			if _, _, err := s.Next(context.Background(), plainMsg("", "joe", joePW)); err == nil {
				t.Error("a second try on the same exchange did not fail")
			}
		})
	}
}

func TestLogin(t *testing.T) {
	s := newTestServer(t, "LOGIN")
	ch, done := step(t, s, nil)
	if done || string(ch) != "Username:" {
		t.Fatalf("first challenge %q, done %v; want Username:", ch, done)
	}
	ch, done = step(t, s, []byte("joe"))
	if done || string(ch) != "Password:" {
		t.Fatalf("second challenge %q, done %v; want Password:", ch, done)
	}
	if _, done = step(t, s, []byte(joePW)); !done {
		t.Fatal("not done after the password")
	}
	if c, z := s.Identity(); c != "joe" || z != "" {
		t.Errorf("Identity() = %q, %q; want joe, empty", c, z)
	}
	if _, _, err := s.Next(context.Background(), []byte(joePW)); err == nil {
		t.Error("Next after done did not fail")
	}

	// The user name as initial response skips the first prompt.
	s = newTestServer(t, "LOGIN")
	if ch, _ := step(t, s, []byte("bcrypt")); string(ch) != "Password:" {
		t.Fatalf("challenge after an initial user name: %q, want Password:", ch)
	}
	if _, done := step(t, s, []byte("imported")); !done {
		t.Fatal("not done after the password")
	}
	if c, _ := s.Identity(); c != "bcrypt" {
		t.Errorf("authcid %q, want bcrypt", c)
	}
}

func TestLoginRefused(t *testing.T) {
	for _, tc := range []struct {
		name       string
		user, pass []byte
		is         error
	}{
		{"wrong password", []byte("joe"), []byte("joe's Password"), ErrAuthFailed},
		{"empty password", []byte("joe"), []byte{}, ErrAuthFailed},
		{"unknown login", []byte("nobody"), []byte(joePW), ErrAuthFailed},
		{"empty user", []byte{}, nil, ErrMalformed},
		{"user not UTF-8", []byte("\xc3"), nil, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t, "LOGIN")
			step(t, s, nil)
			ch, done, err := s.Next(context.Background(), tc.user)
			if tc.pass != nil {
				if err != nil || string(ch) != "Password:" {
					t.Fatalf("after the user name: %q, %v", ch, err)
				}
				ch, done, err = s.Next(context.Background(), tc.pass)
			}
			if done || ch != nil || !errors.Is(err, tc.is) {
				t.Errorf("got %q, %v, %v; want no challenge, not done, %v", ch, done, err, tc.is)
			}
			if c, _ := s.Identity(); c != "" {
				t.Errorf("authcid %q after a failure", c)
			}
		})
	}
}

// The error text for the log names the login and the cause; a door shows
// the client nothing of it, but the log must be useful.
func TestAuthFailedText(t *testing.T) {
	s := newTestServer(t, "PLAIN")
	_, _, err := s.Next(context.Background(), plainMsg("", "no\nbody", "x"))
	if err == nil {
		t.Fatal("unknown login accepted")
	}
	msg := err.Error()
	for _, want := range []string{"authentication failed", `"no\nbody"`, "unknown login"} {
		if !bytes.Contains([]byte(msg), []byte(want)) {
			t.Errorf("error text %q lacks %q", msg, want)
		}
	}
}
