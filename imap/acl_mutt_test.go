package imap

import (
	"fmt"
	"strings"
	"testing"

	"mstore/store"
	"mstore/tools/testenv"
)

// TestMuttOtherUsers: joe lets ann read one of his folders; ann's mutt, in
// batch mode, opens it through "Other Users/joe/..." and saves a message
// of it into a folder of her own, which then holds the same bytes.
func TestMuttOtherUsers(t *testing.T) {
	mutt := testenv.Program(t, "mutt", "mutt")
	testenv.Program(t, "script", "bsdutils")
	x := newACLEnv(t)
	projects := x.mailbox(store.MailboxName{Domain: "foo.com", Name: "user/joe/Projects"})
	for i := 1; i <= 3; i++ {
		msg := fmt.Sprintf("From: joe@foo.com\r\nTo: team@foo.com\r\nSubject: status %d\r\n\r\nall well %d\r\n", i, i)
		if _, err := x.st.Append(x.ctx, store.System(), projects, strings.NewReader(msg), store.AppendOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	keep := "From: boss@example.org\r\nTo: joe@foo.com\r\nSubject: plan to keep\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nVoilà le plan.\r\n"
	if _, err := x.st.Append(x.ctx, store.System(), projects, strings.NewReader(keep), store.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
	joe := x.loginRaw("joe@foo.com")
	joe.mustOK("t", "SETACL Projects ann lr")

	// Saved does not exist: mutt gets TRYCREATE, creates it, and copies.
	muttCopy(t, mutt, x.addr, "ann@foo.com", "Other Users/joe/Projects", "keep", "Saved")

	saved := x.messagesOf("ann@foo.com", "Saved")
	if len(saved) != 1 {
		t.Fatalf("ann's Saved holds %d messages, want 1", len(saved))
	}
	if got := x.bodyOf("ann@foo.com", "Saved", saved[0].UID); got != keep {
		t.Errorf("saved copy differs:\n%q\n%q", got, keep)
	}
	// Reading with lr changed nothing of joe's.
	ms := x.messagesOf("joe@foo.com", "Projects")
	if len(ms) != 4 {
		t.Errorf("Projects holds %d messages after ann's copy", len(ms))
	}
	for _, m := range ms {
		if len(m.Flags) != 0 {
			t.Errorf("Projects UID %d has flags %q after ann read it", m.UID, m.Flags)
		}
	}
}
