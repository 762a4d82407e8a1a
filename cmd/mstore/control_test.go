package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"mstore/auth"
	"mstore/config"
	"mstore/store"
)

// step is one command line of a script run both ways.
type step struct {
	stdin string
	args  []string
}

func s(stdin string, args ...string) step { return step{stdin, args} }

// controlScript covers the representative verbs, successes and failures.
var controlScript = []step{
	s("", "domain", "add", "foo.com"),
	s("", "domain", "add", "foo.com"),
	s("", "domain", "list", "--json"),
	s("secret\n", "user", "add", "joe@foo.com", "--password-stdin"),
	s("", "user", "add", "bob@foo.com"),
	s("", "user", "add", "joe@foo.com"),
	s("", "user", "add", "x@nosuch.com"),
	s("", "user", "list", "--json"),
	s("", "authid", "list"),
	s("", "mailbox", "create", "foo.com/users/joe/Sent", "--special-use", `\Sent`),
	s("", "mailbox", "create", "foo.com/shared/staff"),
	s("", "mailbox", "create", "foo.com/users/joe//x"),
	s("", "mailbox", "list", "--json"),
	s("", "mailbox", "list", "foo.com/users/joe"),
	s("Subject: hi\n\nhello\n", "deliver", "joe@foo.com"),
	s("Subject: two\n\nagain\n", "deliver", "joe@foo.com"),
	s("Subject: hi\n\nhello\n", "deliver", "nobody@foo.com"),
	s("", "deliver", "joe@foo.com"),
	s("", "mailbox", "status", "foo.com/users/joe/INBOX", "--json"),
	s("", "mailbox", "status", "foo.com/users/joe/INBOX"),
	s("", "quota", "set", "foo.com/users/joe", "--storage", "100", "--messages", "10"),
	s("", "quota", "set", "foo.com/users/joe", "--storage", "-5"),
	s("", "quota", "get", "foo.com/users/joe"),
	s("", "quota", "get", "foo.com/users/joe", "--json"),
	s("", "quota", "list"),
	s("", "acl", "set", "foo.com/users/joe/INBOX", "-bob@foo.com", "lr"),
	s("", "acl", "set", "foo.com/users/joe/INBOX", "anyone", "lrp"),
	s("", "acl", "set", "foo.com/users/joe/INBOX", "anyone", "-r"),
	s("", "acl", "set", "foo.com/users/joe/INBOX", "anyone", "lrz"),
	s("", "acl", "get", "foo.com/users/joe/INBOX"),
	s("", "acl", "get", "foo.com/users/joe/INBOX", "--json"),
	s("", "reconstruct", "foo.com/users/joe/INBOX"),
	s("", "reconstruct", "--all", "--json"),
	s("new-secret\n", "user", "passwd", "joe@foo.com", "--password-stdin"),
	s("", "group", "add", "foo.com", "staff", "bob@foo.com"),
	s("", "group", "list", "foo.com", "--json"),
	s("", "domain", "del", "foo.com"),
	s("", "user", "del", "bob@foo.com", "--force"),
}

// volatile matches what differs between two runs of the same script.
var volatile = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)|("uidvalidity": |uidvalidity +)\d+`)

func normalize(s string) string {
	return volatile.ReplaceAllStringFunc(s, func(m string) string {
		if strings.Contains(m, "uidvalidity") {
			return "uidvalidity N"
		}
		return "TIME"
	})
}

// The same verbs give the same results directly and through a running
// server's control socket.
func TestControlSameAsDirect(t *testing.T) {
	direct, served := t.TempDir(), t.TempDir()
	srv := startServer(t, served)
	if pid := store.LockHolder(served); pid != os.Getpid() {
		t.Fatalf("LockHolder = %d, want this process (%d)", pid, os.Getpid())
	}
	for _, st := range controlScript {
		a := cli(t, direct, st.stdin, st.args...)
		b := cli(t, served, st.stdin, st.args...)
		if a.code != b.code || normalize(a.stdout) != normalize(b.stdout) || a.stderr != strings.ReplaceAll(b.stderr, served, direct) {
			t.Errorf("mstore %s:\ndirect: %s\nserved: %s", strings.Join(st.args, " "), a, b)
		}
	}
	// Every command went through the socket.
	if n := strings.Count(srv.stderr.String(), "control: command"); n != len(controlScript) {
		t.Errorf("server ran %d commands, want %d:\n%s", n, len(controlScript), srv.stderr.String())
	}
	srv.stop(t)

	// The served store has what the script made.
	withStore(t, served, func(st *store.Store, ctx context.Context) {
		li, err := st.LookupLogin(ctx, "joe@foo.com")
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := auth.VerifyPassword(li.Credentials.Hash, []byte("new-secret")); !ok {
			t.Error("password from forwarded stdin not set")
		}
		m, err := st.Mailbox(ctx, store.System(), store.MailboxName{Domain: "foo.com", Name: "user/joe/INBOX"})
		if err != nil || m.Messages != 2 {
			t.Errorf("INBOX: %+v, %v", m, err)
		}
		q, err := st.Quota(ctx, store.System(), "foo.com/users/joe")
		if err != nil || q.StorageLimit != 100 || q.MessageLimit != 10 {
			t.Errorf("quota: %+v, %v", q, err)
		}
	})
}

// A big message goes through the socket whole.
func TestControlDeliverLargeMessage(t *testing.T) {
	dir := setup(t)
	startServer(t, dir)
	body := strings.Repeat("0123456789abcdef\r\n", 200000) // 3.6 MB
	msg := "Subject: big\r\n\r\n" + body
	if out := ok(t, dir, msg, "deliver", "joe@foo.com"); out != "foo.com/users/joe/INBOX 1\n" {
		t.Errorf("deliver printed %q", out)
	}
	m := decodeJSON[store.MailboxInfo](t, ok(t, dir, "", "mailbox", "status", "foo.com/users/joe/INBOX", "--json"))
	if m.Size != uint64(len(msg)) {
		t.Errorf("stored %d bytes, sent %d", m.Size, len(msg))
	}
}

func TestSecondServeFails(t *testing.T) {
	dir := t.TempDir()
	startServer(t, dir)
	r := fails(t, dir, "", exitInUse, []string{"serve"}, "in use by process "+strconv.Itoa(os.Getpid()))
	_ = r
	// serve sent over the socket is refused too.
	var out, errb bytes.Buffer
	code, err := forward(context.Background(), filepath.Join(dir, "ipc", "control"), []string{"serve"}, stdinNone, strings.NewReader(""), &out, &errb)
	if err != nil || code != exitInUse || !strings.Contains(errb.String(), strconv.Itoa(os.Getpid())) {
		t.Errorf("serve through the socket: %d, %v, %q", code, err, errb.String())
	}
}

func TestControlRefusesOtherUsers(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := config.Default()
	cfg.Store.Path = dir
	log := discardLogger()
	ctl, err := listenControl(cfg.ControlSocket(), st, cfg, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(cfg.ControlSocket())
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Mode()&os.ModeSocket == 0 {
		t.Errorf("control socket: %v, %v; want a socket of mode 0600", fi, err)
	}
	var seen []uint32
	ctl.allowUID = func(uid int) bool { seen = append(seen, uint32(uid)); return false }
	go ctl.serve()
	defer ctl.shutdown()

	var out, errb bytes.Buffer
	code, err := forward(context.Background(), cfg.ControlSocket(), []string{"domain", "add", "foo.com"}, stdinNone, strings.NewReader(""), &out, &errb)
	if err != nil || code != exitNoPerm {
		t.Fatalf("forward = %d, %v", code, err)
	}
	want := "mstore: permission denied: the control socket of " + dir + " accepts root only, and you are uid " + strconv.Itoa(os.Getuid()) + "\n"
	if errb.String() != want || out.Len() != 0 {
		t.Errorf("stderr %q, want %q", errb.String(), want)
	}
	if len(seen) != 1 || seen[0] != uint32(os.Getuid()) {
		t.Errorf("peer uids seen: %v", seen)
	}
	if ds, _ := st.Domains(context.Background(), store.System()); len(ds) != 0 {
		t.Errorf("a refused command ran: %v", ds)
	}
}

// A store held by a process that does not answer (not a server) is
// reported as in use after a while; once it is let go, commands open it.
func TestStoreHeldWithoutServer(t *testing.T) {
	old := serverWait
	serverWait = 300 * time.Millisecond
	t.Cleanup(func() { serverWait = old })
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fails(t, dir, "", exitInUse, []string{"domain", "list"}, "does not answer", strconv.Itoa(os.Getpid()))

	serverWait = 5 * time.Second
	done := make(chan result)
	go func() {
		var out, errb bytes.Buffer
		code := run([]string{"domain", "add", "foo.com", "--store", dir}, strings.NewReader(""), &out, &errb)
		done <- result{code, out.String(), errb.String()}
	}()
	time.Sleep(200 * time.Millisecond)
	st.Close()
	if r := <-done; r.code != 0 {
		t.Errorf("command after the store was let go: %s", r)
	}
}

func TestServeFlags(t *testing.T) {
	dir := t.TempDir()
	fails(t, dir, "", exitInvalid, []string{"serve", "--imap", "nohost"}, "imap.listen")
	fails(t, dir, "", exitInvalid, []string{"serve", "--pop3", "127.0.0.1:1143", "--imap", "127.0.0.1:1143"}, "pop3.listen")
	if pid := store.LockHolder(dir); pid != 0 {
		t.Errorf("a refused serve holds the store (%d)", pid)
	}
	// The flags land in the configuration the doors get.
	cmd := &ServeCmd{IMAP: []string{"127.0.0.1:0"}, IMAPS: []string{""}, Web: new(string), Mount: new(string)}
	cfg := config.Default()
	cfg.Store.Path = dir
	if err := cmd.apply(cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.IMAP.Listen) != 1 || cfg.IMAP.Listen[0] != "127.0.0.1:0" || len(cfg.IMAP.TLSListen) != 0 ||
		cfg.Web.Listen != "" || cfg.MountDir() != "" || cfg.POP3.Listen[0] != "127.0.0.1:1110" {
		t.Errorf("config after flags: %+v", cfg)
	}

	// A stale socket file is replaced, and a self-signed pair is made once.
	os.MkdirAll(filepath.Join(dir, "ipc"), 0o750)
	os.WriteFile(filepath.Join(dir, "ipc", "control"), nil, 0o600)
	srv := startServer(t, dir, "--imap", "", "--web", "", "--mount", "")
	if !strings.Contains(srv.stderr.String(), "mstore: generated a self-signed TLS certificate: "+filepath.Join(dir, "etc", config.SelfSignedCert)) {
		t.Errorf("no certificate line:\n%s", srv.stderr.String())
	}
	if !strings.Contains(srv.stderr.String(), "mstore: serving "+dir+" (pid "+strconv.Itoa(os.Getpid())+")\nmstore: control on "+filepath.Join(dir, "ipc", "control")+"\n") {
		t.Errorf("readiness lines:\n%s", srv.stderr.String())
	}
	ok(t, dir, "", "domain", "add", "foo.com")
	srv.stop(t)
	srv = startServer(t, dir)
	if strings.Contains(srv.stderr.String(), "generated") {
		t.Errorf("certificate generated twice:\n%s", srv.stderr.String())
	}
}

// Many clients at once, and a refused delivery that the server answers
// before it has read the whole message.
func TestControlConcurrentAndRefused(t *testing.T) {
	dir := setup(t)
	cfg := filepath.Join(t.TempDir(), "small.toml")
	os.WriteFile(cfg, []byte("[storage]\nmax_message_size = 100000\n"), 0o644)
	startServer(t, dir, "--config", cfg)

	const n = 8
	errs := make(chan string, n)
	for i := 0; i < n; i++ {
		go func() {
			var out, errb bytes.Buffer
			code := run([]string{"deliver", "joe@foo.com", "--store", dir}, strings.NewReader("Subject: c\n\nhi\n"), &out, &errb)
			if code != 0 || !strings.HasPrefix(out.String(), "foo.com/users/joe/INBOX ") {
				errs <- fmt.Sprintf("exit %d, %q, %q", code, out.String(), errb.String())
				return
			}
			errs <- ""
		}()
	}
	for i := 0; i < n; i++ {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
	// The server's configuration applies to forwarded commands.
	big := strings.Repeat("x", 4<<20)
	fails(t, dir, big, exitTooBig, []string{"deliver", "joe@foo.com"}, "100000")
	m := decodeJSON[store.MailboxInfo](t, ok(t, dir, "", "mailbox", "status", "foo.com/users/joe/INBOX", "--json"))
	if m.Messages != n {
		t.Errorf("INBOX has %d messages, want %d", m.Messages, n)
	}
}
