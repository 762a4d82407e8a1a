package lmtp

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"mstore/store"
	"mstore/tools/testenv"
)

// testEnv is a real store in a temporary directory and a real server on
// 127.0.0.1 and on the store's ipc/lmtp socket.
type testEnv struct {
	t    testing.TB
	dir  string
	st   *store.Store
	srv  *Server
	tcp  string // host:port
	sock string // path of the UNIX socket
	logs *testenv.LogBuffer
}

type envConfig struct {
	opts    Options
	storeFn func(*store.Options)
	sockDir func(dir string) // runs before the socket is made
	sockOpt SocketOptions
}

func newEnv(t testing.TB, cfgs ...envConfig) *testEnv {
	t.Helper()
	var cfg envConfig
	if len(cfgs) > 0 {
		cfg = cfgs[0]
	}
	dir := t.TempDir()
	logs := &testenv.LogBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sopts := store.Options{Logger: log}
	if cfg.storeFn != nil {
		cfg.storeFn(&sopts)
	}
	st, err := store.Open(dir, sopts)
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, dir: dir, st: st, logs: logs}
	e.seed()
	if cfg.opts.Hostname == "" {
		cfg.opts.Hostname = "mstore.test"
	}
	e.srv = New(st, cfg.opts, log)

	tl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.tcp = tl.Addr().String()
	if cfg.sockDir != nil {
		cfg.sockDir(dir)
	}
	e.sock = filepath.Join(dir, "ipc", "lmtp")
	ul, err := ListenSocket(e.sock, cfg.sockOpt)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, l := range []net.Listener{tl, ul} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := e.srv.Serve(l); err != nil {
				t.Errorf("Serve: %v", err)
			}
		}()
	}
	t.Cleanup(func() {
		if err := e.srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		wg.Wait()
		st.Close()
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	return e
}

// seed makes domain foo.com with users joe, ann and full (whose message
// quota is used up), and joe's folders "lists" (open to posts) and
// "private" (closed).
func (e *testEnv) seed() {
	ctx := context.Background()
	sys := store.System()
	must := func(err error) {
		e.t.Helper()
		if err != nil {
			e.t.Fatal(err)
		}
	}
	must(e.st.AddDomain(ctx, sys, "foo.com"))
	for _, u := range []string{"joe", "ann", "full"} {
		_, err := e.st.AddUser(ctx, sys, u+"@foo.com", store.UserOptions{})
		must(err)
	}
	zero := int64(0)
	must(e.st.SetQuota(ctx, sys, "foo.com/users/full", nil, &zero))
	for _, f := range []string{"lists", "private"} {
		_, err := e.st.CreateMailbox(ctx, sys, mbox("joe", f), store.CreateOptions{})
		must(err)
	}
	must(e.st.SetACL(ctx, sys, mbox("joe", "lists"), "anyone", "p"))
}

func mbox(user, name string) store.MailboxName {
	return store.MailboxName{Domain: "foo.com", Name: "user/" + user + "/" + name}
}

// messages returns the bodies stored in a mailbox, in UID order.
func (e *testEnv) messages(n store.MailboxName) [][]byte {
	e.t.Helper()
	ctx := context.Background()
	info, err := e.st.Mailbox(ctx, store.System(), n)
	if err != nil {
		e.t.Fatal(err)
	}
	var out [][]byte
	err = e.st.Messages(ctx, store.System(), info.ID, 1, func(m store.Message) bool {
		b, err := e.st.OpenMessage(ctx, store.System(), info.ID, m.UID)
		if err != nil {
			e.t.Fatal(err)
		}
		data, err := io.ReadAll(b)
		b.Close()
		if err != nil {
			e.t.Fatal(err)
		}
		if int64(len(data)) != m.Size {
			e.t.Errorf("%s uid %d: size %d, index says %d", n.Path(), m.UID, len(data), m.Size)
		}
		out = append(out, data)
		return true
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// count is the number of messages the index has for a mailbox.
func (e *testEnv) count(n store.MailboxName) int {
	e.t.Helper()
	info, err := e.st.Mailbox(context.Background(), store.System(), n)
	if err != nil {
		e.t.Fatal(err)
	}
	return int(info.Messages)
}

// splitTrace separates the Return-Path and Received fields this server
// adds from the message as the client sent it.
func splitTrace(t testing.TB, stored []byte) (returnPath, received string, body []byte) {
	t.Helper()
	line, rest, ok := bytes.Cut(stored, []byte("\r\n"))
	if !ok || !bytes.HasPrefix(line, []byte("Return-Path: ")) {
		t.Fatalf("stored message does not start with Return-Path: %q", truncate(stored))
	}
	returnPath = string(line)
	var rcv []string
	for {
		line, next, ok := bytes.Cut(rest, []byte("\r\n"))
		if !ok {
			t.Fatalf("unterminated trace field in %q", truncate(stored))
		}
		if len(rcv) > 0 && !bytes.HasPrefix(line, []byte("\t")) {
			break
		}
		if len(rcv) == 0 && !bytes.HasPrefix(line, []byte("Received: ")) {
			t.Fatalf("no Received field after Return-Path: %q", truncate(stored))
		}
		rcv = append(rcv, string(line))
		rest = next
	}
	return returnPath, strings.Join(rcv, "\r\n"), rest
}

func truncate(b []byte) []byte {
	if len(b) > 300 {
		return b[:300]
	}
	return b
}

// crlf is what the store keeps of a body: a bare LF becomes CRLF.
func crlf(b []byte) []byte {
	var out []byte
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}

// dotStuff doubles a dot that starts a line (after CRLF), as DATA needs.
func dotStuff(b []byte) []byte {
	var out []byte
	atStart := true
	for i, c := range b {
		if atStart && c == '.' {
			out = append(out, '.')
		}
		out = append(out, c)
		atStart = c == '\n' && i > 0 && b[i-1] == '\r'
	}
	return out
}

// client is a raw LMTP client on net.Conn, which shows every reply as sent
// and lets a test write anything, pipelined or malformed.
type client struct {
	t    testing.TB
	fail func(format string, args ...any) // t.Fatalf, or its stand-in in a worker goroutine
	conn net.Conn
	r    *bufio.Reader
}

func dial(t testing.TB, network, addr string) *client {
	t.Helper()
	return dialWith(t, t.Fatalf, network, addr)
}

// dialWorker is dial for a goroutine other than the test's: a failure is
// reported and ends only that goroutine (t.Fatal may not be called there).
func dialWorker(t testing.TB, network, addr string) *client {
	return dialWith(t, func(format string, args ...any) {
		t.Errorf(format, args...)
		runtime.Goexit()
	}, network, addr)
}

func dialWith(t testing.TB, fail func(string, ...any), network, addr string) *client {
	t.Helper()
	conn, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		fail("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &client{t: t, fail: fail, conn: conn, r: bufio.NewReader(conn)}
	c.expect("220")
	return c
}

// hello dials and says LHLO, returning the LHLO reply's lines.
func hello(t testing.TB, network, addr string) (*client, []string) {
	t.Helper()
	c := dial(t, network, addr)
	return c, c.lhlo()
}

func (c *client) lhlo() []string {
	c.t.Helper()
	c.send("LHLO client.test")
	lines := c.replyLines()
	if !strings.HasPrefix(lines[len(lines)-1], "250 ") {
		c.fail("LHLO: %q", lines)
	}
	return lines
}

func (c *client) send(format string, args ...any) {
	c.t.Helper()
	c.write([]byte(fmt.Sprintf(format, args...) + "\r\n"))
}

func (c *client) write(b []byte) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.conn.Write(b); err != nil {
		c.fail("write: %v", err)
	}
}

// replyLines reads one reply, every line of it.
func (c *client) replyLines() []string {
	c.t.Helper()
	lines, err := c.tryReply()
	if err != nil {
		c.fail("reading reply: %v (got %q)", err, lines)
	}
	return lines
}

func (c *client) tryReply() ([]string, error) {
	c.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	var lines []string
	for {
		l, err := c.r.ReadString('\n')
		if err != nil {
			return lines, err
		}
		l = strings.TrimRight(l, "\r\n")
		lines = append(lines, l)
		if len(l) < 4 || l[3] != '-' {
			return lines, nil
		}
	}
}

// reply reads one reply and returns its last line.
func (c *client) reply() string {
	c.t.Helper()
	lines := c.replyLines()
	return lines[len(lines)-1]
}

// expect reads one reply and fails unless it starts with prefix.
func (c *client) expect(prefix string) string {
	c.t.Helper()
	r := c.reply()
	if !strings.HasPrefix(r, prefix) {
		c.fail("got %q, want %s…", r, prefix)
	}
	return r
}

// cmd sends a command and checks its reply.
func (c *client) cmd(want, format string, args ...any) string {
	c.t.Helper()
	c.send(format, args...)
	return c.expect(want)
}

// data sends DATA and a message (dot-stuffed here) and returns one reply
// per accepted recipient.
func (c *client) data(msg []byte, accepted int) []string {
	c.t.Helper()
	c.cmd("354", "DATA")
	wire := dotStuff(msg)
	if !bytes.HasSuffix(wire, []byte("\r\n")) {
		wire = append(wire, "\r\n"...)
	}
	c.write(append(wire, ".\r\n"...))
	out := make([]string, accepted)
	for i := range out {
		out[i] = c.reply()
	}
	return out
}
