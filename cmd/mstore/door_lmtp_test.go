package main

import (
	"context"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"mstore/store"
)

// TestServeLMTP: serve delivers over the store's LMTP socket and over
// --lmtp, and removes the socket when it stops.
func TestServeLMTP(t *testing.T) {
	dir := setup(t)
	s := startServer(t, dir, "--lmtp", "127.0.0.1:0")
	m := regexp.MustCompile(`lmtp on (127\.0\.0\.1:\d+)`).FindStringSubmatch(s.stderr.String())
	if m == nil {
		t.Fatalf("no TCP listener announced: %s", s.stderr.String())
	}
	sock := filepath.Join(dir, "ipc", "lmtp")
	if fi, err := os.Stat(sock); err != nil || fi.Mode().Perm() != 0o660 {
		t.Fatalf("socket: %v %v", fi, err)
	}
	for _, target := range [][2]string{{"unix", sock}, {"tcp", m[1]}} {
		nc, err := net.Dial(target[0], target[1])
		if err != nil {
			t.Fatal(err)
		}
		c := textproto.NewConn(nc)
		step := func(want int, cmd string) {
			t.Helper()
			if cmd != "" {
				c.PrintfLine("%s", cmd)
			}
			if _, msg, err := c.ReadResponse(want); err != nil {
				t.Fatalf("%s %q: %v %s", target[0], cmd, err, msg)
			}
		}
		step(220, "")
		step(250, "LHLO test")
		step(250, "MAIL FROM:<s@example.net>")
		step(250, "RCPT TO:<joe@foo.com>")
		step(354, "DATA")
		step(250, "Subject: via "+target[0]+"\r\n\r\nhello\r\n.")
		c.Close()
	}
	s.stop(t)
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("LMTP socket left behind: %v", err)
	}
	withStore(t, dir, func(st *store.Store, ctx context.Context) {
		info, err := st.Mailbox(ctx, store.System(), store.MailboxName{Domain: "foo.com", Name: "user/joe/INBOX"})
		if err != nil || info.Messages != 2 {
			t.Errorf("INBOX: %d messages, %v", info.Messages, err)
		}
	})
}
