package auth

import (
	"context"
	"encoding/hex"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
)

const (
	rfc2195Challenge = "<1896.697170952@postoffice.reston.mci.net>"
	rfc2195Response  = "tim b913a602c7eda7a495b4e6e7334d3890"
)

// cramWithChallenge starts a CRAM-MD5 exchange whose challenge is fixed.
func cramWithChallenge(t *testing.T, src CredentialSource, challenge string) Server {
	t.Helper()
	s, err := NewServer("CRAM-MD5", src, ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.(*cramServer).challenge = []byte(challenge)
	ch, done := step(t, s, nil)
	if done || string(ch) != challenge {
		t.Fatalf("challenge %q, want %q", ch, challenge)
	}
	return s
}

// RFC 2195's worked example, checked against the stored intermediate keys.
func TestCramMD5RFC2195(t *testing.T) {
	for _, resp := range []string{rfc2195Response, rfc2195Response[:4] + strings.ToUpper(rfc2195Response[4:])} {
		s := cramWithChallenge(t, testSource(), rfc2195Challenge)
		if _, done := step(t, s, []byte(resp)); !done {
			t.Fatal("not done after the response")
		}
		if c, z := s.Identity(); c != "tim" || z != "" {
			t.Errorf("Identity() = %q, %q; want tim, empty", c, z)
		}
	}
}

func TestCramMD5FreshChallenge(t *testing.T) {
	s := newTestServer(t, "CRAM-MD5")
	ch, done := step(t, s, nil)
	if done || !regexp.MustCompile(`^<[0-9]+\.[0-9]+@mail\.example\.org>$`).Match(ch) {
		t.Fatalf("challenge %q, done %v; want <random.time@mail.example.org>", ch, done)
	}
	resp := "joe " + hex.EncodeToString(hmacMD5([]byte(joePW), ch))
	if _, done := step(t, s, []byte(resp)); !done {
		t.Fatal("not done after the response")
	}
	if c, _ := s.Identity(); c != "joe" {
		t.Errorf("authcid %q, want joe", c)
	}

	s2 := newTestServer(t, "CRAM-MD5")
	ch2, _ := step(t, s2, nil)
	if string(ch2) == string(ch) {
		t.Errorf("two exchanges got the same challenge %q", ch)
	}

	// The old answer does not fit a new challenge.
	if _, _, err := s2.Next(context.Background(), []byte(resp)); !errors.Is(err, ErrAuthFailed) {
		t.Errorf("replayed response: error %v, want ErrAuthFailed", err)
	}

	// Without a configured host name, the system's.
	s3, err := NewServer("CRAM-MD5", testSource(), ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	if ch3, _ := step(t, s3, nil); !strings.HasSuffix(string(ch3), "@"+host+">") {
		t.Errorf("challenge %q does not end in @%s>", ch3, host)
	}
}

// A secret imported from Dovecot works as it is.
func TestCramMD5DovecotSecret(t *testing.T) {
	src := memSource{creds: map[string]Credentials{
		"dove": {CramMD5: "{CRAM-MD5}9186d855e11eba527a7a52ca82b313e180d62234f0acc9051b527243d41e2740"},
	}}
	const chal = "<7.8@imported>"
	s := cramWithChallenge(t, src, chal)
	resp := "dove " + hex.EncodeToString(hmacMD5([]byte("password"), []byte(chal)))
	if _, done := step(t, s, []byte(resp)); !done {
		t.Fatal("not done after the response")
	}
}

func TestCramMD5Refused(t *testing.T) {
	hard := errors.New("database unavailable")
	good := hex.EncodeToString(hmacMD5([]byte(joePW), []byte(rfc2195Challenge)))
	for _, tc := range []struct {
		name  string
		resp  string
		src   CredentialSource
		is    error
		cause error
	}{
		{"wrong digest", "tim b913a602c7eda7a495b4e6e7334d3891", nil, ErrAuthFailed, errWrongPassword},
		{"other user's digest", "joe b913a602c7eda7a495b4e6e7334d3890", nil, ErrAuthFailed, errWrongPassword},
		{"unknown login", "nobody " + good, nil, ErrAuthFailed, ErrUnknownLogin},
		{"no CRAM-MD5 secret", "nocram " + good, nil, ErrAuthFailed, nil},
		{"damaged secret", "x " + good, memSource{creds: map[string]Credentials{"x": {CramMD5: "zz"}}}, ErrAuthFailed, nil},
		{"store down", "joe " + good, memSource{fail: hard}, hard, nil},
		{"no space", "tim" + good, nil, ErrMalformed, nil},
		{"empty user", " " + good, nil, ErrMalformed, nil},
		{"short digest", "tim b913a602c7eda7a495b4e6e7334d389", nil, ErrMalformed, nil},
		{"long digest", "tim b913a602c7eda7a495b4e6e7334d38900", nil, ErrMalformed, nil},
		{"not hex", "tim b913a602c7eda7a495b4e6e7334d389g", nil, ErrMalformed, nil},
		{"trailing space", rfc2195Response + " ", nil, ErrMalformed, nil},
		{"empty", "", nil, ErrMalformed, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := tc.src
			if src == nil {
				src = testSource()
			}
			s := cramWithChallenge(t, src, rfc2195Challenge)
			ch, done, err := s.Next(context.Background(), []byte(tc.resp))
			if done || ch != nil || !errors.Is(err, tc.is) {
				t.Fatalf("got %q, %v, %v; want no challenge, not done, %v", ch, done, err, tc.is)
			}
			if tc.cause != nil && !errors.Is(err, tc.cause) {
				t.Errorf("error %v does not wrap %v", err, tc.cause)
			}
			if c, _ := s.Identity(); c != "" {
				t.Errorf("authcid %q after a failure", c)
			}
			if _, _, err := s.Next(context.Background(), []byte(rfc2195Response)); err == nil {
				t.Error("a second try on the same exchange did not fail")
			}
		})
	}
}

// CRAM-MD5 is server-first: an initial response is a protocol error.
func TestCramMD5InitialResponse(t *testing.T) {
	s := newTestServer(t, "CRAM-MD5")
	if _, _, err := s.Next(context.Background(), []byte(rfc2195Response)); !errors.Is(err, ErrMalformed) {
		t.Errorf("initial response: error %v, want ErrMalformed", err)
	}
}
