package imap

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"

	"mstore/store"
)

// appendN appends messages through the store with the given flags.
func (e *testEnv) appendN(user, mailbox string, n int, flags ...string) {
	e.t.Helper()
	local, domain, _ := strings.Cut(user, "@")
	for i := 0; i < n; i++ {
		body := fmt.Sprintf("Subject: message %d\r\n\r\nbody %d\r\n", i+1, i+1)
		if _, err := e.st.Append(context.Background(), e.caller(user), store.MailboxName{Domain: domain, Name: "user/" + local + "/" + mailbox},
			strings.NewReader(body), store.AppendOptions{Flags: flags}); err != nil {
			e.t.Fatal(err)
		}
	}
}

func uidsOfMessages(ms []store.Message) []uint32 {
	var out []uint32
	for _, m := range ms {
		out = append(out, m.UID)
	}
	return out
}

func TestCopy(t *testing.T) {
	e := newTestEnv(t, Options{})
	ctx := context.Background()
	e.appendN("joe@foo.com", "INBOX", 2, `\Flagged`)
	e.appendN("joe@foo.com", "INBOX", 1)
	r := e.loginRaw("joe@foo.com")
	r.mustOK("a", "SELECT INBOX")
	if got := last(r.cmd("b", "COPY 1:2 Archive")); !strings.HasPrefix(got, "b NO [TRYCREATE]") {
		t.Errorf("missing target: %q", got)
	}
	r.mustOK("c", "CREATE Archive")
	v := e.validity("joe@foo.com", "Archive")
	if got, want := last(r.cmd("d", "COPY 1:2 Archive")), fmt.Sprintf("d OK [COPYUID %d 1:2 1:2] COPY completed", v); got != want {
		t.Errorf("copy: %q, want %q", got, want)
	}
	if got, want := last(r.cmd("e", "UID COPY 3,1 Archive")), fmt.Sprintf("e OK [COPYUID %d 1,3 3:4] COPY completed", v); got != want {
		t.Errorf("uid copy: %q, want %q", got, want)
	}
	ms := e.messagesOf("joe@foo.com", "Archive")
	if !slices.Equal(uidsOfMessages(ms), []uint32{1, 2, 3, 4}) || !slices.Contains(ms[0].Flags, `\Flagged`) || slices.Contains(ms[3].Flags, `\Flagged`) {
		t.Errorf("archive %+v", ms)
	}
	if e.bodyOf("joe@foo.com", "Archive", 4) != e.bodyOf("joe@foo.com", "INBOX", 3) {
		t.Error("copied body differs")
	}
	// UIDs that are not there copy nothing; sequence numbers beyond the
	// mailbox are an error.
	if got := last(r.cmd("f", "UID COPY 99 Archive")); got != "f OK COPY completed" {
		t.Errorf("uid copy of nothing: %q", got)
	}
	if got := last(r.cmd("g", "COPY 4 Archive")); !strings.HasPrefix(got, "g BAD") {
		t.Errorf("copy beyond: %q", got)
	}
	// Over quota: refused whole.
	kib := int64(1)
	if err := e.st.SetQuota(ctx, store.System(), "foo.com/users/joe", &kib, nil); err != nil {
		t.Fatal(err)
	}
	e.appendN("joe@foo.com", "INBOX", 12) // about 450 octets in all
	r.mustOK("h", "NOOP")
	before := len(e.messagesOf("joe@foo.com", "Archive"))
	if got := last(r.cmd("i", "COPY 1:* Archive")); !strings.HasPrefix(got, "i NO [OVERQUOTA]") {
		t.Errorf("copy over quota: %q", got)
	}
	if after := len(e.messagesOf("joe@foo.com", "Archive")); after != before {
		t.Errorf("copy over quota stored %d", after-before)
	}
	// Not selected: COPY is not allowed.
	r.mustOK("j", "UNSELECT")
	if got := last(r.cmd("k", "COPY 1 Archive")); !strings.HasPrefix(got, "k BAD") {
		t.Errorf("copy unselected: %q", got)
	}
}

// TestMove: MOVE tells COPYUID untagged, then the EXPUNGEs; another
// session on the mailbox learns of them at its next NOOP.
func TestMove(t *testing.T) {
	e := newTestEnv(t, Options{})
	ctx := context.Background()
	e.appendN("joe@foo.com", "INBOX", 4)
	r := e.loginRaw("joe@foo.com")
	r.mustOK("a", "CREATE Archive")
	v := e.validity("joe@foo.com", "Archive")
	other := e.loginRaw("joe@foo.com")
	other.mustOK("a", "SELECT INBOX")
	r.mustOK("b", "SELECT INBOX")

	wantLines(t, r, "c", "MOVE 2:3 Archive",
		fmt.Sprintf("* OK [COPYUID %d 2:3 1:2] Moved", v), "* 3 EXPUNGE", "* 2 EXPUNGE")
	wantLines(t, r, "d", "UID MOVE 4 Archive",
		fmt.Sprintf("* OK [COPYUID %d 4 3] Moved", v), "* 2 EXPUNGE")
	wantLines(t, other, "b", "NOOP", "* 4 EXPUNGE", "* 3 EXPUNGE", "* 2 EXPUNGE")
	if got := uidsOfMessages(e.messagesOf("joe@foo.com", "INBOX")); !slices.Equal(got, []uint32{1}) {
		t.Errorf("inbox holds %v", got)
	}
	if got := uidsOfMessages(e.messagesOf("joe@foo.com", "Archive")); !slices.Equal(got, []uint32{1, 2, 3}) {
		t.Errorf("archive holds %v", got)
	}
	if got := last(r.cmd("e", "MOVE 1 Nowhere")); !strings.HasPrefix(got, "e NO [TRYCREATE]") {
		t.Errorf("move to missing: %q", got)
	}
	if got := last(r.cmd("f", "MOVE 1 INBOX")); !strings.HasPrefix(got, "f NO [CANNOT]") {
		t.Errorf("move into itself: %q", got)
	}
	// Over quota: the move is refused whole, nothing leaves INBOX. A quota
	// root around Archive alone makes the move count.
	e.appendN("joe@foo.com", "INBOX", 3)
	r.mustOK("g", "NOOP")
	none := int64(4)
	if err := e.st.SetQuota(ctx, store.System(), "foo.com/users/joe/Archive", nil, &none); err != nil {
		t.Fatal(err)
	}
	if got := last(r.cmd("h", "MOVE 1:* Archive")); !strings.HasPrefix(got, "h NO [OVERQUOTA]") {
		t.Errorf("move over quota: %q", got)
	}
	if n := len(e.messagesOf("joe@foo.com", "INBOX")); n != 4 {
		t.Errorf("inbox holds %d after a refused move", n)
	}
	// EXAMINE: no MOVE.
	r.mustOK("i", "EXAMINE INBOX")
	if got := last(r.cmd("j", "MOVE 1 Archive")); !strings.HasPrefix(got, "j NO [READ-ONLY]") {
		t.Errorf("move read-only: %q", got)
	}
	// Without t and e in the source, MOVE is refused.
	ann := e.loginRaw("ann@foo.com")
	ann.mustOK("a", "CREATE Box")
	ann.mustOK("b", "APPEND Box {3+}\r\nabc")
	ann.mustOK("c", "SETACL Box joe lrs")
	r.mustOK("k", `SELECT "Other Users/ann/Box"`)
	if got := last(r.cmd("l", "MOVE 1 Archive")); !strings.HasPrefix(got, "l NO [NOPERM]") {
		t.Errorf("move without t and e: %q", got)
	}
	wantLines(t, r, "m", "COPY 1 Archive")
}

func TestCopyMoveImapclient(t *testing.T) {
	e := newTestEnv(t, Options{})
	e.appendN("joe@foo.com", "INBOX", 3)
	c := e.client("joe@foo.com")
	if err := c.Create("Archive", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	cd, err := c.Copy(imap.SeqSetNum(1, 2), "Archive").Wait()
	if err != nil {
		t.Fatal(err)
	}
	if cd.UIDValidity != e.validity("joe@foo.com", "Archive") || cd.SourceUIDs.String() != "1:2" || cd.DestUIDs.String() != "1:2" {
		t.Errorf("copy data %+v", cd)
	}
	md, err := c.Move(imap.UIDSetNum(3), "Archive").Wait()
	if err != nil {
		t.Fatal(err)
	}
	if md.SourceUIDs.String() != "3" || md.DestUIDs.String() != "3" {
		t.Errorf("move data %+v", md)
	}
	if n := c.Mailbox().NumMessages; n != 2 {
		t.Errorf("client counts %d messages after MOVE", n)
	}
}
