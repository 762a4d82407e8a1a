package lmtp

import (
	"context"
	"strings"
	"testing"

	"mstore/store"
)

// TestQuota: a recipient that is already full is refused at RCPT; one that
// the message would put over is refused after the data, in its place among
// the replies; the switch makes both permanent.
func TestQuota(t *testing.T) {
	for _, perm := range []bool{false, true} {
		want, wantCode := "452 4.2.2", "452"
		if perm {
			want, wantCode = "552 5.2.2", "552"
		}
		t.Run(wantCode, func(t *testing.T) {
			e := newEnv(t, envConfig{opts: Options{OverQuotaPermanent: perm}})
			four := int64(4)
			if err := e.st.SetQuota(context.Background(), store.System(), "foo.com/users/ann", &four, nil); err != nil {
				t.Fatal(err)
			}
			c, _ := hello(t, "tcp", e.tcp)
			c.cmd("250", "MAIL FROM:<s@example.net>")
			c.cmd(want, "RCPT TO:<full@foo.com>")
			c.cmd("250", "RCPT TO:<ann@foo.com>")
			c.data(sized(3000), 1)

			// 3,000 more octets do not fit in ann's 4 KiB.
			c.cmd("250", "MAIL FROM:<s@example.net>")
			c.cmd("250", "RCPT TO:<joe@foo.com>")
			c.cmd("250", "RCPT TO:<ann@foo.com>")
			c.cmd("250", "RCPT TO:<joe+lists@foo.com>")
			r := c.data(sized(3000), 3)
			if !strings.HasPrefix(r[0], "250 2.0.0 <joe@foo.com>") || !strings.HasPrefix(r[1], want+" <ann@foo.com>") ||
				!strings.HasPrefix(r[2], "250 2.0.0 <joe+lists@foo.com>") {
				t.Errorf("replies %q", r)
			}

			// Announced with SIZE, the same message is refused at RCPT.
			c.cmd("250", "MAIL FROM:<s@example.net> SIZE=3000")
			c.cmd(want, "RCPT TO:<ann@foo.com>")
			c.cmd("250", "RSET")

			for _, tc := range []struct {
				n    store.MailboxName
				want int
			}{{mbox("joe", "INBOX"), 1}, {mbox("joe", "lists"), 1}, {mbox("ann", "INBOX"), 1}, {mbox("full", "INBOX"), 0}} {
				if n := e.count(tc.n); n != tc.want {
					t.Errorf("%s has %d, want %d", tc.n.Path(), n, tc.want)
				}
			}
		})
	}
}
