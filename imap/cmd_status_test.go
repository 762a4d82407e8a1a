package imap

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"

	"mstore/store"
)

func TestStatus(t *testing.T) {
	e := newTestEnv(t, Options{AppendLimit: 1 << 20})
	ctx := context.Background()
	e.deliver("joe@foo.com", "Subject: one\r\n\r\nbody\r\n")
	e.deliver("joe@foo.com", "Subject: two\r\n\r\n"+strings.Repeat("x", 2000)+"\r\n")
	joe := e.caller("joe@foo.com")
	inbox := e.inboxID("joe@foo.com")
	if _, _, err := e.st.StoreFlags(ctx, joe, inbox, []uint32{1}, store.FlagsAdd, []string{store.FlagSeen}, 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.st.StoreFlags(ctx, joe, inbox, []uint32{2}, store.FlagsAdd, []string{store.FlagDeleted}, 0); err != nil {
		t.Fatal(err)
	}
	info, err := e.st.MailboxByID(ctx, joe, inbox)
	if err != nil {
		t.Fatal(err)
	}
	r := e.loginRaw("joe@foo.com")
	wantLines(t, r, "a", "STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE)",
		fmt.Sprintf("* STATUS INBOX (MESSAGES 2 RECENT 0 UIDNEXT 3 UIDVALIDITY %d UNSEEN 1 DELETED 1 SIZE %d)", info.UIDValidity, info.Size))
	wantLines(t, r, "b", "STATUS inbox (APPENDLIMIT DELETED-STORAGE)",
		"* STATUS INBOX (DELETED-STORAGE 2 APPENDLIMIT 1048576)")
	if got := last(r.cmd("c", "STATUS Nowhere (MESSAGES)")); !strings.HasPrefix(got, "c NO [NONEXISTENT]") {
		t.Errorf("missing mailbox: %q", got)
	}
	if got := last(r.cmd("d", "STATUS INBOX ()")); !strings.HasPrefix(got, "d BAD") {
		t.Errorf("no items: %q", got)
	}
	if got := last(r.cmd("e", "STATUS INBOX (FROB)")); !strings.HasPrefix(got, "e BAD") {
		t.Errorf("unknown item: %q", got)
	}
	wantLines(t, r, "f", "STATUS INBOX (HIGHESTMODSEQ)", fmt.Sprintf("* STATUS INBOX (HIGHESTMODSEQ %d)", info.HighestModSeq))
	// STATUS of the selected mailbox is allowed; the new message is told
	// as EXISTS too, since the command allows it.
	r.mustOK("g", "SELECT INBOX")
	e.deliver("joe@foo.com", "Subject: three\r\n\r\nbody\r\n")
	wantLines(t, r, "h", "STATUS INBOX (MESSAGES)", "* STATUS INBOX (MESSAGES 3)", "* 3 EXISTS")
	// IMAP4rev2 has no RECENT.
	if en := r.mustOK("i", "ENABLE IMAP4rev2"); en[0] != "* ENABLED IMAP4rev2" {
		t.Fatalf("ENABLE IMAP4rev2: %q", en)
	}
	wantLines(t, r, "j", "STATUS INBOX (MESSAGES RECENT)", "* STATUS INBOX (MESSAGES 3)")

	// Another user's mailbox: l alone shows it, STATUS needs r.
	ann := e.loginRaw("ann@foo.com")
	ann.mustOK("a", "CREATE Box")
	ann.mustOK("b", "SETACL Box joe l")
	if got := last(r.cmd("k", `STATUS "Other Users/ann/Box" (MESSAGES)`)); !strings.HasPrefix(got, "k NO [NOPERM]") {
		t.Errorf("without r: %q", got)
	}
	ann.mustOK("c", "SETACL Box joe lr")
	wantLines(t, r, "l", `STATUS "Other Users/ann/Box" (MESSAGES UNSEEN)`, `* STATUS "Other Users/ann/Box" (MESSAGES 0 UNSEEN 0)`)
	// Unseen is the reader's own view of \Seen.
	ann.mustOK("d", "APPEND Box (\\Seen) {5+}\r\nhi\r\n")
	wantLines(t, r, "m", `STATUS "Other Users/ann/Box" (MESSAGES UNSEEN)`, `* STATUS "Other Users/ann/Box" (MESSAGES 1 UNSEEN 1)`)
	wantLines(t, ann, "e", `STATUS Box (MESSAGES UNSEEN)`, `* STATUS Box (MESSAGES 1 UNSEEN 0)`)

	// go-imap's client.
	c := e.client("joe@foo.com")
	sd, err := c.Status("INBOX", &imap.StatusOptions{NumMessages: true, UIDNext: true, UIDValidity: true, NumUnseen: true, NumDeleted: true, Size: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if *sd.NumMessages != 3 || sd.UIDNext != 4 || sd.UIDValidity != info.UIDValidity || *sd.NumUnseen != 2 || *sd.NumDeleted != 1 || *sd.Size == 0 {
		t.Errorf("imapclient status %+v", sd)
	}
}
