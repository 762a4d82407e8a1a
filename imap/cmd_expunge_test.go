package imap

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

func TestExpunge(t *testing.T) {
	e := newTestEnv(t, Options{})
	e.appendN("joe@foo.com", "INBOX", 1)
	e.appendN("joe@foo.com", "INBOX", 2, `\Deleted`)
	e.appendN("joe@foo.com", "INBOX", 1)
	e.appendN("joe@foo.com", "INBOX", 2, `\Deleted`) // UIDs 5 and 6
	r := e.loginRaw("joe@foo.com")
	other := e.loginRaw("joe@foo.com")
	other.mustOK("a", "SELECT INBOX")
	idler := e.loginRaw("joe@foo.com")
	idler.mustOK("a", "SELECT INBOX")
	idler.send("b IDLE")
	idler.expect("+ ")

	// EXAMINE: no EXPUNGE.
	r.mustOK("a", "EXAMINE INBOX")
	if got := last(r.cmd("b", "EXPUNGE")); !strings.HasPrefix(got, "b NO [READ-ONLY]") {
		t.Errorf("read-only expunge: %q", got)
	}
	r.mustOK("c", "SELECT INBOX")
	// UID EXPUNGE takes only the UIDs given, and only if \Deleted.
	wantLines(t, r, "d", "UID EXPUNGE 1:2,6", "* 6 EXPUNGE", "* 2 EXPUNGE")
	if l := idler.line(); l != "* 6 EXPUNGE" {
		t.Errorf("idler: %q", l)
	}
	if l := idler.line(); l != "* 2 EXPUNGE" {
		t.Errorf("idler: %q", l)
	}
	wantLines(t, r, "e", "EXPUNGE", "* 4 EXPUNGE", "* 2 EXPUNGE")
	if got := uidsOfMessages(e.messagesOf("joe@foo.com", "INBOX")); !slices.Equal(got, []uint32{1, 4}) {
		t.Errorf("left %v", got)
	}
	wantLines(t, other, "b", "NOOP", "* 6 EXPUNGE", "* 5 EXPUNGE", "* 3 EXPUNGE", "* 2 EXPUNGE")
	wantLines(t, r, "f", "EXPUNGE")
	if got := last(r.cmd("g", "UID EXPUNGE")); !strings.HasPrefix(got, "g BAD") {
		t.Errorf("uid expunge without a set: %q", got)
	}
	idler.send("DONE")
	idler.expect("b OK")

	// Without the right e: NO [NOPERM].
	ann := e.loginRaw("ann@foo.com")
	ann.mustOK("a", "CREATE Box")
	ann.mustOK("b", "APPEND Box (\\Deleted) {3+}\r\nabc")
	ann.mustOK("c", "SETACL Box joe lrst")
	r.mustOK("h", `SELECT "Other Users/ann/Box"`)
	if got := last(r.cmd("i", "EXPUNGE")); !strings.HasPrefix(got, "i NO [NOPERM]") {
		t.Errorf("expunge without e: %q", got)
	}
}

func TestExpungeImapclient(t *testing.T) {
	e := newTestEnv(t, Options{})
	e.appendN("joe@foo.com", "INBOX", 3, `\Deleted`)
	e.appendN("joe@foo.com", "INBOX", 1)
	c := e.client("joe@foo.com")
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	seqs, err := c.UIDExpunge(imap.UIDSetNum(2)).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seqs, []uint32{2}) {
		t.Errorf("uid expunge %v", seqs)
	}
	seqs, err = c.Expunge().Collect()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seqs, []uint32{2, 1}) {
		t.Errorf("expunge %v", seqs)
	}
	if n := c.Mailbox().NumMessages; n != 1 {
		t.Errorf("client counts %d", n)
	}
	// A second client learns of an expunge while idling.
	c2 := e.client("joe@foo.com")
	if _, err := c2.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	e.appendN("joe@foo.com", "INBOX", 1, `\Deleted`)
	if err := c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := e.loginRaw("joe@foo.com")
	r.mustOK("a", "SELECT INBOX")
	r.send("b IDLE")
	r.expect("+ ")
	if _, err := c.Expunge().Collect(); err != nil {
		t.Fatal(err)
	}
	if l := r.line(); l != "* 2 EXPUNGE" {
		t.Errorf("idler: %q", l)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("EXPUNGE took %v to reach the idler", d)
	}
	r.send("DONE")
	r.expect("b OK")
}
