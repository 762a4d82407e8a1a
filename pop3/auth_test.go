package pop3

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xdg-go/scram"

	"mstore/auth"
	"mstore/store"
	"mstore/tools/testenv"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func unb64(t *testing.T, line string) string {
	t.Helper()
	data, ok := strings.CutPrefix(line, "+ ")
	if !ok && line != "+" {
		t.Fatalf("expected a challenge, got %q", line)
	}
	b, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		t.Fatalf("challenge %q: %v", line, err)
	}
	return string(b)
}

func TestAuthMechanisms(t *testing.T) {
	e := newEnv(t, testOptions())
	e.addUser("joe@foo.com", "secret")
	e.deliver("joe@foo.com", testMessage(1, 100))
	loggedIn := func(c *client, r string) {
		t.Helper()
		c.want(r, "+OK maildrop has 1 messages")
		c.want(c.cmd("STAT"), "+OK 1 ")
		c.want(c.cmd("QUIT"), "+OK")
		c.closed() // the lock is released once the session ends
	}

	t.Run("PLAIN initial response", func(t *testing.T) {
		c := e.dial(e.plain)
		loggedIn(c, c.cmd("AUTH PLAIN "+b64("\x00joe@foo.com\x00secret")))
	})
	t.Run("PLAIN with authzid of the same user", func(t *testing.T) {
		c := e.dial(e.plain)
		loggedIn(c, c.cmd("AUTH PLAIN "+b64("joe@foo.com\x00joe@foo.com\x00secret")))
	})
	t.Run("PLAIN after an empty challenge", func(t *testing.T) {
		c := e.dial(e.plain)
		if ch := unb64(t, c.cmd("AUTH plain")); ch != "" {
			t.Fatalf("challenge %q", ch)
		}
		loggedIn(c, c.cmd(b64("\x00joe@foo.com\x00secret")))
	})
	t.Run("LOGIN", func(t *testing.T) {
		c := e.dial(e.plain)
		if ch := unb64(t, c.cmd("AUTH LOGIN")); ch != "Username:" {
			t.Fatalf("challenge %q", ch)
		}
		if ch := unb64(t, c.cmd(b64("joe@foo.com"))); ch != "Password:" {
			t.Fatalf("challenge %q", ch)
		}
		loggedIn(c, c.cmd(b64("secret")))
	})
	t.Run("LOGIN initial response", func(t *testing.T) {
		c := e.dial(e.plain)
		if ch := unb64(t, c.cmd("AUTH LOGIN "+b64("joe@foo.com"))); ch != "Password:" {
			t.Fatalf("challenge %q", ch)
		}
		loggedIn(c, c.cmd(b64("secret")))
	})
	t.Run("CRAM-MD5", func(t *testing.T) {
		c := e.dial(e.plain)
		ch := unb64(t, c.cmd("AUTH CRAM-MD5"))
		if !strings.HasPrefix(ch, "<") || !strings.HasSuffix(ch, "@pop.test>") {
			t.Errorf("CRAM-MD5 challenge %q does not name the host", ch)
		}
		mac := hmac.New(md5.New, []byte("secret"))
		mac.Write([]byte(ch))
		loggedIn(c, c.cmd(b64("joe@foo.com "+hex.EncodeToString(mac.Sum(nil)))))
	})
	t.Run("SCRAM-SHA-256", func(t *testing.T) {
		c := e.dial(e.plain)
		sc, err := scram.SHA256.NewClient("joe@foo.com", "secret", "")
		if err != nil {
			t.Fatal(err)
		}
		conv := sc.NewConversation()
		first, err := conv.Step("")
		if err != nil {
			t.Fatal(err)
		}
		serverFirst := unb64(t, c.cmd("AUTH SCRAM-SHA-256 "+b64(first)))
		final, err := conv.Step(serverFirst)
		if err != nil {
			t.Fatal(err)
		}
		serverFinal := unb64(t, c.cmd(b64(final)))
		if _, err := conv.Step(serverFinal); err != nil || !conv.Valid() {
			t.Fatalf("server signature not valid: %v", err)
		}
		loggedIn(c, c.cmd(""))
	})
	t.Run("cancel", func(t *testing.T) {
		c := e.dial(e.plain)
		unb64(t, c.cmd("AUTH LOGIN"))
		c.want(c.cmd("*"), "-ERR authentication cancelled")
		c.login("joe@foo.com", "secret")
		c.want(c.cmd("QUIT"), "+OK")
		c.closed()
	})
	t.Run("refusals", func(t *testing.T) {
		c := e.dial(e.plain)
		c.want(c.cmd("AUTH PLAIN "+b64("\x00joe@foo.com\x00wrong")), "-ERR [AUTH] authentication failed")
		c.want(c.cmd("AUTH PLAIN "+b64("ann@foo.com\x00joe@foo.com\x00secret")), "-ERR [AUTH] authentication failed")
		c.want(c.cmd("AUTH PLAIN !!notbase64"), "-ERR malformed base64 data")
		c.want(c.cmd("AUTH GSSAPI"), "-ERR unsupported authentication mechanism")
		c.want(c.cmd("AUTH PLAIN a b"), "-ERR syntax")
		c.want(c.cmd("AUTH"), "+OK")
		if got := string(c.body()); got != "PLAIN\r\nLOGIN\r\nCRAM-MD5\r\nSCRAM-SHA-256\r\n" {
			t.Errorf("AUTH list %q", got)
		}
		c.want(c.cmd("APOP joe@foo.com c4c9334bac560ecc979e58001b3e22fb"), "-ERR APOP is not supported")
	})
}

func TestUserPassRefusals(t *testing.T) {
	opts := testOptions()
	opts.AuthFailDelay = 150 * time.Millisecond
	e := newEnv(t, opts)
	e.addUser("joe@foo.com", "secret word")
	c := e.dial(e.plain)
	c.want(c.cmd("PASS secret"), "-ERR send USER first")
	for _, tc := range []struct{ user, pw string }{
		{"joe@foo.com", "secret"},
		{"nobody@foo.com", "secret word"},
		{"bad login with spaces", "x"},
	} {
		c.want(c.cmd("USER "+tc.user), "+OK")
		began := time.Now()
		c.want(c.cmd("PASS "+tc.pw), "-ERR [AUTH] authentication failed")
		if d := time.Since(began); d < 150*time.Millisecond {
			t.Errorf("%s: refused after %v, before the delay", tc.user, d)
		}
	}
	// A password may hold spaces; the whole rest of the line is taken.
	c.want(c.cmd("USER joe@foo.com"), "+OK")
	c.want(c.cmd("PASS secret word"), "+OK")
	c.want(c.cmd("USER joe@foo.com"), "-ERR command not valid after login")
}

func TestLoginResolvesAcrossDomains(t *testing.T) {
	e := newEnv(t, testOptions())
	e.addUser("joe@foo.com", "secret")
	ctx := context.Background()
	if err := e.st.AddDomain(ctx, store.System(), "bar.org"); err != nil {
		t.Fatal(err)
	}
	creds, err := auth.NewCredentials([]byte("alias-pw"), auth.CredentialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.AddAuthID(ctx, store.System(), "jsmith@bar.org", "joe@foo.com", creds); err != nil {
		t.Fatal(err)
	}
	e.deliver("joe@foo.com", testMessage(1, 100), testMessage(2, 100))
	c := e.dial(e.plain)
	c.login("JSmith@bar.org", "alias-pw")
	c.want(c.cmd("STAT"), "+OK 2 ")
	c.want(c.cmd("QUIT"), "+OK")
	if !strings.Contains(e.logs.String(), "login=JSmith@bar.org mech=USER") || !strings.Contains(e.logs.String(), "user=joe@foo.com") {
		t.Errorf("login not logged with its user:\n%s", e.logs.String())
	}
	// CRAM-MD5 needs a secret this login does not keep.
	c = e.dial(e.plain)
	ch := unb64(t, c.cmd("AUTH CRAM-MD5"))
	mac := hmac.New(md5.New, []byte("alias-pw"))
	mac.Write([]byte(ch))
	c.want(c.cmd(b64("jsmith@bar.org "+hex.EncodeToString(mac.Sum(nil)))), "-ERR [AUTH]")
}

func TestPlaintextRules(t *testing.T) {
	e := newEnv(t, testOptions())
	e.addUser("joe@foo.com", "secret")
	remote := e.serve(false, testenv.AsRemote)

	c := e.dial(remote)
	c.want(c.cmd("CAPA"), "+OK")
	capa := string(c.body())
	if strings.Contains(capa, "USER\r\n") || !strings.Contains(capa, "SASL CRAM-MD5 SCRAM-SHA-256\r\n") || !strings.Contains(capa, "STLS\r\n") {
		t.Errorf("CAPA to a remote client without TLS:\n%s", capa)
	}
	c.want(c.cmd("USER joe@foo.com"), "-ERR [AUTH] plaintext authentication is not allowed without TLS")
	c.want(c.cmd("AUTH PLAIN "+b64("\x00joe@foo.com\x00secret")), "-ERR [AUTH] plaintext")
	c.want(c.cmd("AUTH LOGIN"), "-ERR [AUTH] plaintext")
	c.starttls(e.client)
	c.want(c.cmd("CAPA"), "+OK")
	capa = string(c.body())
	if !strings.Contains(capa, "USER\r\n") || !strings.Contains(capa, "SASL PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256\r\n") || strings.Contains(capa, "STLS") {
		t.Errorf("CAPA after STLS:\n%s", capa)
	}
	c.want(c.cmd("STLS"), "-ERR TLS is already active")
	c.login("joe@foo.com", "secret")
	c.want(c.cmd("QUIT"), "+OK")

	// The option lets remote clients send passwords in clear.
	opts := testOptions()
	opts.AllowPlaintextAuth = true
	e2 := newEnv(t, opts)
	e2.addUser("joe@foo.com", "secret")
	c = e2.dial(e2.serve(false, testenv.AsRemote))
	c.login("joe@foo.com", "secret")
	c.want(c.cmd("QUIT"), "+OK")
}

func TestNologin(t *testing.T) {
	e := newEnv(t, testOptions())
	e.addUser("joe@foo.com", "secret")
	path := filepath.Join(e.st.Dir(), "etc", "nologin")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("\nDown for maintenance until 14:00\x07\nsecond line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := e.dial(e.plain)
	const want = "-ERR [SYS/TEMP] Down for maintenance until 14:00"
	c.want(c.cmd("USER joe@foo.com"), want)
	c.want(c.cmd("AUTH PLAIN "+b64("\x00joe@foo.com\x00secret")), want)
	c.want(c.cmd("CAPA"), "+OK")
	c.body()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	c.login("joe@foo.com", "secret")
	c.want(c.cmd("QUIT"), "+OK")
}

func TestLoginDelay(t *testing.T) {
	opts := testOptions()
	opts.LoginDelay = time.Hour
	e := newEnv(t, opts)
	e.addUser("joe@foo.com", "secret")
	c := e.dial(e.plain)
	c.want(c.cmd("CAPA"), "+OK")
	if capa := string(c.body()); !strings.Contains(capa, "LOGIN-DELAY 3600\r\n") {
		t.Errorf("CAPA lacks LOGIN-DELAY:\n%s", capa)
	}
	c.login("joe@foo.com", "secret")
	c.want(c.cmd("QUIT"), "+OK")
	c = e.dial(e.plain)
	c.want(c.cmd("USER joe@foo.com"), "+OK")
	c.want(c.cmd("PASS secret"), "-ERR [LOGIN-DELAY] ")
}

func TestNoMaildrop(t *testing.T) {
	e := newEnv(t, testOptions())
	ctx := context.Background()
	if err := e.st.AddDomain(ctx, store.System(), "foo.com"); err != nil {
		t.Fatal(err)
	}
	creds, _ := auth.NewCredentials([]byte("secret"), auth.CredentialOptions{})
	if _, err := e.st.AddUser(ctx, store.System(), "joe@foo.com", store.UserOptions{NoInbox: true, Credentials: &creds}); err != nil {
		t.Fatal(err)
	}
	c := e.dial(e.plain)
	c.want(c.cmd("USER joe@foo.com"), "+OK")
	c.want(c.cmd("PASS secret"), "-ERR [SYS/PERM] no maildrop")
}
