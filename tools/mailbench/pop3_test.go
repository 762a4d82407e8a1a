package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"mstore/auth"
	"mstore/pop3"
	"mstore/store"
)

// popServer is mstore's own POP3 server on a store in t.TempDir(), with
// users whose INBOXes hold the given numbers of messages.
type popServer struct {
	plain, pop3s string
	octets       map[string]int64 // user -> octets in the INBOX
}

func startPOP3(t *testing.T, users map[string]int) *popServer {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(t.TempDir(), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := auth.NewCredentials([]byte("pass"), auth.CredentialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ps := &popServer{octets: map[string]int64{}}
	gen := newMessageGen("sender@example.net", []string{"rcpt@example.com"}, 1500)
	for user, n := range users {
		domain := user[strings.IndexByte(user, '@')+1:]
		if err := st.AddDomain(ctx, store.System(), domain); err != nil && store.KindOf(err) != store.KindExists {
			t.Fatal(err)
		}
		if _, err := st.AddUser(ctx, store.System(), user, store.UserOptions{Credentials: &creds}); err != nil {
			t.Fatal(err)
		}
		inbox := store.MailboxName{Domain: domain, Name: "user/" + user[:strings.IndexByte(user, '@')] + "/INBOX"}
		for i := range n {
			msg := gen.build(i)
			// A dot line, so that the client has stuffing to undo.
			msg = append(msg, ".\r\n"...)
			if _, err := st.Append(ctx, store.System(), inbox, bytes.NewReader(msg), store.AppendOptions{}); err != nil {
				t.Fatal(err)
			}
			ps.octets[user] += int64(len(msg))
		}
	}
	srv := pop3.New(st, pop3.Options{TLS: testTLS(t), AuthFailDelay: -1}, nil)
	serve := func(implicit bool) string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			if implicit {
				done <- srv.ServeTLS(l)
			} else {
				done <- srv.Serve(l)
			}
		}()
		t.Cleanup(func() {
			srv.Close()
			if err := <-done; !errors.Is(err, pop3.ErrServerClosed) {
				t.Errorf("Serve: %v", err)
			}
		})
		return l.Addr().String()
	}
	ps.plain, ps.pop3s = serve(false), serve(true)
	t.Cleanup(func() { st.Close() })
	return ps
}

func testTLS(t *testing.T) *tls.Config {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

func TestPOP3EveryMessageOnce(t *testing.T) {
	ps := startPOP3(t, map[string]int{"u1@example.com": 30, "u2@example.com": 20})
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"USER in clear", []string{"--addr", ps.plain}},
		{"AUTH PLAIN over STLS", []string{"--addr", ps.plain, "--tls", "stls", "--insecure", "--auth", "plain"}},
		{"POP3S, new session every 7", []string{"--addr", ps.pop3s, "--tls", "pop3s", "--insecure", "--per-session", "7"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"pop3", "--user", "u1@example.com", "--user", "u2@example.com", "--conns", "2"}, tc.args...)
			code, r := runJSON(t, args...)
			if code != 0 || r.Errors != 0 {
				t.Fatalf("exit %d, errors %+v", code, r.ErrorTexts)
			}
			if r.Done != 50 || r.Counts["octets"] != ps.octets["u1@example.com"]+ps.octets["u2@example.com"] || r.Latency["n"] != 50 {
				t.Errorf("done %d, counts %v, latency %v", r.Done, r.Counts, r.Latency)
			}
			for user, n := range map[string]int64{"u1@example.com": 30, "u2@example.com": 20} {
				if got := r.Breakdown[user]; got == nil || *got != (Outcome{OK: n}) {
					t.Errorf("%s: %+v, want %d ok", user, got, n)
				}
			}
			logins := int64(2)
			if strings.Contains(tc.name, "every 7") {
				logins = 5 + 3 // ceil(30/7) and ceil(20/7): no login after the last RETR
			}
			if r.Counts["logins"] != logins || r.Counts["connects"] != logins {
				t.Errorf("logins %d, connects %d, want %d", r.Counts["logins"], r.Counts["connects"], logins)
			}
		})
	}
}

func TestPOP3FixedCountGoesRound(t *testing.T) {
	ps := startPOP3(t, map[string]int{"u1@example.com": 3, "u2@example.com": 4, "u3@example.com": 5})
	var out, errs bytes.Buffer
	code := run(context.Background(), []string{"pop3", "--addr", ps.plain, "--user", "u1@example.com",
		"--user", "u2@example.com", "--user", "u3@example.com", "--conns", "3", "--messages", "40"}, &out, &errs)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errs.String())
	}
	for _, want := range []string{"retrieved   40 (", "failed      0\n", "logins      3\n", "errors      0\n",
		"target      " + ps.plain + " (pop3 3 connections)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestPOP3Refusals(t *testing.T) {
	ps := startPOP3(t, map[string]int{"u1@example.com": 2})
	// A wrong password stops the worker, with the server's answer.
	code, r := runJSON(t, "pop3", "--addr", ps.plain, "--user", "u1@example.com", "--pass", "wrong")
	if code != 1 || r.Done != 0 || len(r.ErrorTexts) != 1 ||
		r.ErrorTexts[0].Text != "login u1@example.com: -ERR [AUTH] authentication failed" {
		t.Errorf("wrong password: exit %d, done %d, errors %+v", code, r.Done, r.ErrorTexts)
	}
	// A maildrop held by another session: mstore locks it (RFC 1939), so
	// the login is refused with IN-USE.
	holder, err := dialPOP3(context.Background(), ps.plain, "none", nil, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := holder.login("u1@example.com", "pass", "user"); err != nil {
		t.Fatal(err)
	}
	code, r = runJSON(t, "pop3", "--addr", ps.plain, "--user", "u1@example.com")
	if code != 1 || r.Done != 0 || len(r.ErrorTexts) != 1 ||
		!strings.HasPrefix(r.ErrorTexts[0].Text, "login u1@example.com: -ERR [IN-USE]") {
		t.Errorf("maildrop in use: exit %d, done %d, errors %+v", code, r.Done, r.ErrorTexts)
	}
	holder.quit()
	// Nothing listening.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	code, r = runJSON(t, "pop3", "--addr", addr, "--user", "u1@example.com", "--conns", "2")
	if code != 1 || r.Done != 0 || r.Errors != 2 || !strings.HasPrefix(r.ErrorTexts[0].Text, "connect: ") {
		t.Errorf("connection refused: exit %d, done %d, errors %+v", code, r.Done, r.ErrorTexts)
	}
	// Certificates are checked unless --insecure.
	code, r = runJSON(t, "pop3", "--addr", ps.pop3s, "--tls", "pop3s", "--user", "u1@example.com")
	if code != 1 || r.Done != 0 || len(r.ErrorTexts) != 1 || !strings.Contains(r.ErrorTexts[0].Text, "certificate") {
		t.Errorf("untrusted certificate: exit %d, errors %+v", code, r.ErrorTexts)
	}
}

func TestPOP3UsageErrors(t *testing.T) {
	wantUsageErrors(t, [][]string{
		{"pop3"},
		{"pop3", "--addr", "x:1"},
		{"pop3", "--addr", "x:1", "--user", "a", "--conns", "0"},
		{"pop3", "--addr", "x:1", "--user", "a", "--tls", "maybe"},
		{"pop3", "--addr", "x:1", "--user", "a", "--auth", "apop"},
		{"pop3", "--addr", "x:1", "--user", "a", "--messages", "-1"},
		{"pop3", "--addr", "x:1", "--user", "a", "extra"},
	})
}
