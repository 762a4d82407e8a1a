package imap

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"mstore/auth"
	"mstore/store"
)

// testEnv is a real store in a temporary directory served on 127.0.0.1.
type testEnv struct {
	t    testing.TB
	st   *store.Store
	srv  *Server
	addr string
}

const testPassword = "secret"

// newTestEnv serves a store with domain foo.com and users joe and ann
// (password "secret"), and bar.com with zed.
func newTestEnv(t testing.TB, opts Options) *testEnv {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	creds, err := auth.NewCredentials([]byte(testPassword), auth.CredentialOptions{CramMD5: true, ScramSHA256: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"foo.com", "bar.com"} {
		if err := st.AddDomain(ctx, store.System(), d); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []string{"joe@foo.com", "ann@foo.com", "zed@bar.com"} {
		if _, err := st.AddUser(ctx, store.System(), u, store.UserOptions{Credentials: &creds}); err != nil {
			t.Fatal(err)
		}
	}
	if opts.FailedLoginDelay == 0 {
		opts.FailedLoginDelay = time.Millisecond
	}
	srv := New(st, opts, nil)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	e := &testEnv{t: t, st: st, srv: srv, addr: l.Addr().String()}
	t.Cleanup(func() {
		srv.Close()
		st.Close()
	})
	return e
}

// client logs in as user with go-imap's client.
func (e *testEnv) client(user string) *imapclient.Client {
	e.t.Helper()
	c, err := imapclient.DialInsecure(e.addr, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { c.Close() })
	if err := c.Login(user, testPassword).Wait(); err != nil {
		e.t.Fatalf("login %s: %v", user, err)
	}
	return c
}

// deliver appends a message through the store, as LMTP would.
func (e *testEnv) deliver(user string, body string) store.Result {
	e.t.Helper()
	r, err := e.st.ResolveRecipient(context.Background(), user)
	if err != nil {
		e.t.Fatal(err)
	}
	st, err := e.st.Stage(context.Background(), strings.NewReader(body), store.StageOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	defer st.Close()
	res := st.Commit(context.Background(), []store.Target{r.Target})[0]
	if res.Err != nil {
		e.t.Fatal(res.Err)
	}
	return res
}

// raw is a line-level client for what go-imap's client hides.
type raw struct {
	t    testing.TB
	c    net.Conn
	buf  bytes.Buffer
	read []byte
}

func (e *testEnv) raw() *raw {
	e.t.Helper()
	c, err := net.Dial("tcp", e.addr)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { c.Close() })
	r := &raw{t: e.t, c: c}
	r.expect("* OK")
	return r
}

func (r *raw) send(s string) {
	r.t.Helper()
	if _, err := r.c.Write([]byte(s + "\r\n")); err != nil {
		r.t.Fatal(err)
	}
}

// line reads one response line.
func (r *raw) line() string {
	r.t.Helper()
	r.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if i := bytes.Index(r.read, []byte("\r\n")); i >= 0 {
			l := string(r.read[:i])
			r.read = r.read[i+2:]
			return l
		}
		b := make([]byte, 4096)
		n, err := r.c.Read(b)
		if err != nil {
			r.t.Fatalf("read: %v (have %q)", err, r.read)
		}
		r.read = append(r.read, b[:n]...)
	}
}

// expect reads lines until one starts with prefix and returns the lines
// read, that one last.
func (r *raw) expect(prefix string) []string {
	r.t.Helper()
	var lines []string
	for {
		l := r.line()
		lines = append(lines, l)
		if strings.HasPrefix(l, prefix) {
			return lines
		}
	}
}

// cmd sends a tagged command and returns the lines up to its tagged answer.
func (r *raw) cmd(tag, command string) []string {
	r.t.Helper()
	r.send(tag + " " + command)
	return r.expect(tag + " ")
}

var storeExpungeAll = store.ExpungeOptions{}

func (e *testEnv) caller(user string) store.Caller {
	c, err := e.st.CallerFor(context.Background(), user)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *testEnv) inboxID(user string) uint64 {
	e.t.Helper()
	return e.mailboxInfo(user, "INBOX").ID
}

// expungeInbox expunges UIDs of user's INBOX through the store, as another
// door would, for the sessions to hear of.
func (e *testEnv) expungeInbox(user string, uids ...uint32) {
	e.t.Helper()
	if _, err := e.st.Expunge(context.Background(), e.caller(user), e.inboxID(user), uids, storeExpungeAll); err != nil {
		e.t.Fatal(err)
	}
}
