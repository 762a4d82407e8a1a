package lmtp

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"mstore/store"
)

// TestConcurrentDeliveries: 50 connections deliver 100 messages each, half
// of them pipelined, to ten users with quotas. Every message is stored
// once, and the message counts and quota usage are exact.
func TestConcurrentDeliveries(t *testing.T) {
	const conns, perConn, users = 50, 100, 10
	if testing.Short() {
		t.Skip("5,000 deliveries")
	}
	e := newEnv(t)
	ctx := context.Background()
	big, many := int64(1<<30), int64(1_000_000)
	for u := range users {
		name := fmt.Sprintf("load%d@foo.com", u)
		if _, err := e.st.AddUser(ctx, store.System(), name, store.UserOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := e.st.SetQuota(ctx, store.System(), fmt.Sprintf("foo.com/users/load%d", u), &big, &many); err != nil {
			t.Fatal(err)
		}
	}
	appends := e.st.Stats().Appends.Load()

	var saved atomic.Int64
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			network, addr := "tcp", e.tcp
			if i%2 == 1 {
				network, addr = "unix", e.sock
			}
			c := dialWorker(t, network, addr)
			c.lhlo()
			rcpt := fmt.Sprintf("load%d@foo.com", i%users)
			for j := range perConn {
				msg := fmt.Sprintf("Subject: c%d m%d\r\nMessage-ID: <%d.%d@load>\r\n\r\n%s\r\n", i, j, i, j, strings.Repeat("z", 500+i*7+j))
				if j%2 == 0 {
					c.cmd("250", "MAIL FROM:<s@example.net>")
					c.cmd("250", "RCPT TO:<%s>", rcpt)
					c.cmd("354", "DATA")
				} else {
					c.write([]byte(fmt.Sprintf("MAIL FROM:<s@example.net>\r\nRCPT TO:<%s>\r\nDATA\r\n", rcpt)))
					c.expect("250")
					c.expect("250")
					c.expect("354")
				}
				c.write([]byte(msg + ".\r\n"))
				if r := c.reply(); strings.HasPrefix(r, "250 2.0.0") {
					saved.Add(1)
				} else {
					t.Errorf("conn %d message %d: %q", i, j, r)
				}
			}
			c.cmd("221", "QUIT")
		}()
	}
	wg.Wait()
	if n := saved.Load(); n != conns*perConn {
		t.Fatalf("%d saved, want %d", n, conns*perConn)
	}
	if n := e.st.Stats().Appends.Load() - appends; n != conns*perConn {
		t.Errorf("store counted %d appends", n)
	}

	seen := map[string]bool{}
	for u := range users {
		n := store.MailboxName{Domain: "foo.com", Name: fmt.Sprintf("user/load%d/INBOX", u)}
		info, err := e.st.Mailbox(ctx, store.System(), n)
		if err != nil {
			t.Fatal(err)
		}
		want := conns / users * perConn
		if int(info.Messages) != want {
			t.Errorf("%s: %d messages, want %d", n.Path(), info.Messages, want)
		}
		var sum int64
		for _, m := range e.messages(n) {
			sum += int64(len(m))
			_, _, body := splitTrace(t, m)
			id := string(body[:strings.Index(string(body), "\r\n")])
			if seen[id] {
				t.Errorf("%s stored twice", id)
			}
			seen[id] = true
		}
		q, err := e.st.Quota(ctx, store.System(), fmt.Sprintf("foo.com/users/load%d", u))
		if err != nil {
			t.Fatal(err)
		}
		if q.MessagesUsed != int64(want) || q.UsedBytes != sum || int64(info.Size) != sum {
			t.Errorf("%s: quota %d messages %d octets, mailbox %d octets; stored %d messages %d octets",
				n.Path(), q.MessagesUsed, q.UsedBytes, info.Size, want, sum)
		}
	}
	if len(seen) != conns*perConn {
		t.Errorf("%d distinct messages stored", len(seen))
	}
}
