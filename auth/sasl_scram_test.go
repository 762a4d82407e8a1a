package auth

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/xdg-go/scram"
)

// scramRun drives a server with xdg-go/scram's client until the server is
// done or fails, and returns the server's last error.
func scramRun(t *testing.T, s Server, user, pw, authzid string) error {
	t.Helper()
	client, err := scram.SHA256.NewClient(user, pw, authzid)
	if err != nil {
		t.Fatal(err)
	}
	conv := client.NewConversation()
	ctx := context.Background()

	// No initial response: the server asks with an empty challenge.
	ch, done, err := s.Next(ctx, nil)
	if err != nil || done || ch == nil || len(ch) != 0 {
		t.Fatalf("first step: %q, %v, %v; want an empty challenge", ch, done, err)
	}
	for i := 0; i < 5; i++ {
		resp, cerr := conv.Step(string(ch))
		if cerr != nil {
			t.Fatalf("client step %d on %q: %v", i, ch, cerr)
		}
		ch, done, err = s.Next(ctx, []byte(resp))
		if err != nil {
			return err
		}
		if done {
			if !conv.Valid() {
				t.Error("server done, but the client did not accept the server signature")
			}
			return nil
		}
	}
	t.Fatal("exchange did not end")
	return nil
}

func TestScramEndToEnd(t *testing.T) {
	for _, tc := range []struct{ user, authzid string }{
		{"joe", ""},
		{"joe", "shared@example.org"},
		{"with spc", ""},
	} {
		s := newTestServer(t, "SCRAM-SHA-256")
		if err := scramRun(t, s, tc.user, joePW, tc.authzid); err != nil {
			t.Fatalf("%+v: %v", tc, err)
		}
		if c, z := s.Identity(); c != tc.user || z != tc.authzid {
			t.Errorf("Identity() = %q, %q; want %q, %q", c, z, tc.user, tc.authzid)
		}
		if _, _, err := s.Next(context.Background(), nil); err == nil {
			t.Error("Next after done did not fail")
		}
	}
}

func TestScramRefused(t *testing.T) {
	for _, tc := range []struct {
		name, user, pw string
		cause          error
	}{
		{"wrong password", "joe", "joe's Password", errWrongPassword},
		{"unknown login", "nobody", joePW, ErrUnknownLogin},
		{"no SCRAM secret", "noscram", joePW, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t, "SCRAM-SHA-256")
			err := scramRun(t, s, tc.user, tc.pw, "")
			if !errors.Is(err, ErrAuthFailed) {
				t.Fatalf("error %v, want ErrAuthFailed", err)
			}
			if tc.cause != nil && !errors.Is(err, tc.cause) {
				t.Errorf("error %v does not wrap %v", err, tc.cause)
			}
			if c, _ := s.Identity(); c != "" {
				t.Errorf("authcid %q after a failure", c)
			}
		})
	}
}

// serverFirst sends a client-first message and returns the server-first.
func serverFirst(t *testing.T, src CredentialSource, user string) (string, error) {
	t.Helper()
	s, err := NewServer("SCRAM-SHA-256", src, ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ch, _, err := s.Next(context.Background(), []byte("n,,n="+user+",r=clientnonce"))
	return string(ch), err
}

func saltOf(t *testing.T, serverFirst string) string {
	t.Helper()
	for _, f := range strings.Split(serverFirst, ",") {
		if strings.HasPrefix(f, "s=") {
			return f
		}
	}
	t.Fatalf("no salt in %q", serverFirst)
	return ""
}

// An unknown login gets a server-first message like any other, with a salt
// that stays the same, so the exchange does not reveal that it is unknown.
func TestScramUnknownLoginLooksKnown(t *testing.T) {
	src := testSource()
	var salts []string
	for _, user := range []string{"nobody", "nobody", "noscram", "someone"} {
		sf, err := serverFirst(t, src, user)
		if err != nil {
			t.Fatalf("%s: server-first failed: %v", user, err)
		}
		if !strings.Contains(sf, ",i=4096") {
			t.Errorf("%s: server-first %q lacks i=4096", user, sf)
		}
		salts = append(salts, saltOf(t, sf))
	}
	if salts[0] != salts[1] {
		t.Errorf("the made-up salt changed between tries: %s, %s", salts[0], salts[1])
	}
	if salts[0] == salts[3] || salts[0] == salts[2] {
		t.Errorf("different logins share a made-up salt: %q", salts)
	}
}

// RFC 7677's example exchange, with the server nonce fixed.
func TestScramRFC7677(t *testing.T) {
	k, err := newScramKeys([]byte("pencil"), rfc7677Salt, 4096)
	if err != nil {
		t.Fatal(err)
	}
	src := memSource{creds: map[string]Credentials{"user": {ScramSHA256: k.String()}}}
	s, err := NewServer("scram-sha-256", src, ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.(*scramServer).nonce = func() string { return "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0" }

	// The client-first message as initial response.
	ch, _ := step(t, s, []byte("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"))
	if want := "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"; string(ch) != want {
		t.Fatalf("server-first %q, want %q", ch, want)
	}
	ch, done := step(t, s, []byte("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="))
	if want := "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="; done || string(ch) != want {
		t.Fatalf("server-final %q (done %v), want %q", ch, done, want)
	}
	if c, _ := s.Identity(); c != "" {
		t.Errorf("identity %q before the exchange is done", c)
	}
	if _, done = step(t, s, []byte{}); !done {
		t.Fatal("not done after the empty answer")
	}
	if c, z := s.Identity(); c != "user" || z != "" {
		t.Errorf("Identity() = %q, %q; want user, empty", c, z)
	}
}

func TestScramMalformed(t *testing.T) {
	ctx := context.Background()
	for _, first := range []string{
		"", "garbage", "n,,n=joe", "x,,n=joe,r=abc", "n,,n=jo=ZZe,r=abc",
		"p=tls-unique,,n=joe,r=abc", // channel binding is not offered
	} {
		s := newTestServer(t, "SCRAM-SHA-256")
		step(t, s, nil)
		if _, _, err := s.Next(ctx, []byte(first)); !errors.Is(err, ErrMalformed) {
			t.Errorf("client-first %q: error %v, want ErrMalformed", first, err)
		}
	}

	// A broken client-final is ErrMalformed for known and unknown logins
	// alike, so the kind of error tells nothing about the login.
	for _, user := range []string{"joe", "nobody"} {
		for _, final := range []string{"", "c=biws", "c=biws,r=wrongnonce,p=AAAA", "c=!!,r=x,p=AAAA"} {
			s := newTestServer(t, "SCRAM-SHA-256")
			if _, _, err := s.Next(ctx, []byte("n,,n="+user+",r=abc")); err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.Next(ctx, []byte(final)); !errors.Is(err, ErrMalformed) {
				t.Errorf("%s, client-final %q: error %v, want ErrMalformed", user, final, err)
			}
		}
	}
}

func TestScramStoreDown(t *testing.T) {
	hard := errors.New("database unavailable")
	_, err := serverFirst(t, memSource{fail: hard}, "joe")
	if !errors.Is(err, hard) || errors.Is(err, ErrAuthFailed) {
		t.Errorf("error %v, want the store's error and not ErrAuthFailed", err)
	}
}

// The server signature is sent as a challenge; anything but an empty answer
// to it is a protocol error, and the exchange is not done.
func TestScramNonEmptyFinalAnswer(t *testing.T) {
	client, err := scram.SHA256.NewClient("joe", joePW, "")
	if err != nil {
		t.Fatal(err)
	}
	conv := client.NewConversation()
	s := newTestServer(t, "SCRAM-SHA-256")
	c1, _ := conv.Step("")
	s1, _ := step(t, s, []byte(c1))
	c2, err := conv.Step(string(s1))
	if err != nil {
		t.Fatal(err)
	}
	step(t, s, []byte(c2))
	ch, done, err := s.Next(context.Background(), []byte("extra"))
	if done || ch != nil || !errors.Is(err, ErrMalformed) {
		t.Errorf("got %q, %v, %v; want no challenge, not done, ErrMalformed", ch, done, err)
	}
	if c, _ := s.Identity(); c != "" {
		t.Errorf("authcid %q after a failed exchange", c)
	}
}
