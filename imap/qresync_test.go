package imap

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"mstore/tools/testenv"
)

// qresyncRaw opens a line-level session of user with QRESYNC enabled.
func (e *testEnv) qresyncRaw(user string) *raw {
	e.t.Helper()
	r := e.loginRaw(user)
	if got := r.mustOK("Q0", "ENABLE QRESYNC"); !slices.Equal(got, []string{"* ENABLED QRESYNC"}) {
		e.t.Fatalf("ENABLE QRESYNC: %q", got)
	}
	return r
}

// highestModSeq is a mailbox of user's HIGHESTMODSEQ as the store has it.
func (e *testEnv) highestModSeq(user, mailbox string) uint64 {
	e.t.Helper()
	return e.mailboxInfo(user, mailbox).HighestModSeq
}

// fetchLine is the FETCH response a QRESYNC resynchronisation gives a
// message of joe's INBOX.
func (e *testEnv) fetchLine(seq, uid uint32) string {
	e.t.Helper()
	m, err := e.st.Message(context.Background(), e.caller("joe@foo.com"), e.inboxID("joe@foo.com"), uid)
	if err != nil {
		e.t.Fatal(err)
	}
	return fmt.Sprintf("* %d FETCH (UID %d FLAGS (%s) MODSEQ (%d))", seq, uid, strings.Join(m.Flags, " "), m.ModSeq)
}

// after returns the lines that follow the first one starting with prefix.
func after(t *testing.T, lines []string, prefix string) []string {
	t.Helper()
	for i, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return lines[i+1:]
		}
	}
	t.Fatalf("no line starting %q in %q", prefix, lines)
	return nil
}

func TestQResyncEnable(t *testing.T) {
	e := newTestEnv(t, Options{})
	r := e.loginRaw("joe@foo.com")
	if caps := r.mustOK("a", "CAPABILITY"); !slices.Contains(strings.Fields(caps[0]), "QRESYNC") {
		t.Errorf("capability: %q", caps)
	}
	wantLines(t, r, "b", "ENABLE QRESYNC", "* ENABLED QRESYNC")
	wantLines(t, r, "c", "ENABLE QRESYNC CONDSTORE", "* ENABLED")
	// QRESYNC turns CONDSTORE on: SELECT tells HIGHESTMODSEQ.
	if got := r.mustOK("d", "SELECT INBOX"); !slices.Contains(got, "* OK [HIGHESTMODSEQ 1] Highest") {
		t.Errorf("select after ENABLE QRESYNC: %q", got)
	}
	// Asked together, both are new to the session and both are named.
	r = e.loginRaw("joe@foo.com")
	wantLines(t, r, "a", "ENABLE QRESYNC CONDSTORE", "* ENABLED QRESYNC CONDSTORE")
	r = e.loginRaw("joe@foo.com")
	wantLines(t, r, "a", "ENABLE CONDSTORE", "* ENABLED CONDSTORE")
	wantLines(t, r, "b", "ENABLE CONDSTORE QRESYNC", "* ENABLED QRESYNC")
	// Enabled while a mailbox is selected, it tells HIGHESTMODSEQ first.
	r = e.loginRaw("joe@foo.com")
	r.mustOK("a", "SELECT INBOX")
	wantLines(t, r, "b", "ENABLE QRESYNC", "* OK [HIGHESTMODSEQ 1] Highest", "* ENABLED QRESYNC")
}

// The QRESYNC parameter and the VANISHED modifier are BAD where RFC 7162
// says so; a BAD SELECT leaves the selected mailbox selected.
func TestQResyncBad(t *testing.T) {
	e := newTestEnv(t, Options{})
	e.appendN("joe@foo.com", "INBOX", 2)
	v := e.validity("joe@foo.com", "INBOX")
	r := e.loginRaw("joe@foo.com")
	r.mustOK("a", "ENABLE CONDSTORE")
	r.mustOK("b", "SELECT INBOX")
	for _, c := range []string{
		fmt.Sprintf("SELECT INBOX (QRESYNC (%d 1))", v),
		fmt.Sprintf("EXAMINE INBOX (QRESYNC (%d 1 1:2))", v),
		"UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)",
	} {
		if got := r.cmd("c", c); len(got) != 1 || !strings.HasPrefix(got[0], "c BAD") {
			t.Errorf("%s without ENABLE QRESYNC: %q", c, got)
		}
	}
	if got := last(r.cmd("d", "FETCH 2 (UID)")); got != "d OK FETCH completed" {
		t.Errorf("mailbox not selected after a BAD SELECT: %q", got)
	}
	r.mustOK("e", "ENABLE QRESYNC")
	for _, c := range []string{
		"FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)", // not UID FETCH
		"UID FETCH 1:* (FLAGS) (VANISHED)",            // no CHANGEDSINCE
		"UID FETCH 1:* (FLAGS) (VANISHED CHANGEDSINCE)",
		fmt.Sprintf("SELECT INBOX (QRESYNC (%d))", v),
		"SELECT INBOX (QRESYNC (1 2 1:*))",
	} {
		if got := r.cmd("f", c); len(got) != 1 || !strings.HasPrefix(got[0], "f BAD") {
			t.Errorf("%s: %q", c, got)
		}
	}
	wantLines(t, r, "g", "UID FETCH 1:* (FLAGS) (VANISHED CHANGEDSINCE 100)")
}

// SELECT with QRESYNC after another session expunged, changed flags and
// appended: VANISHED (EARLIER) of the known UIDs, then FETCH of those that
// changed; nothing more when UIDVALIDITY does not match.
func TestQResyncSelect(t *testing.T) {
	e := newTestEnv(t, Options{})
	e.appendN("joe@foo.com", "INBOX", 10)
	v := e.validity("joe@foo.com", "INBOX")
	m0 := e.highestModSeq("joe@foo.com", "INBOX")

	other := e.loginRaw("joe@foo.com")
	other.mustOK("a", "SELECT INBOX")
	other.mustOK("b", `STORE 3,5 +FLAGS.SILENT (\Flagged)`)
	other.mustOK("c", `UID STORE 2,4,6,10 +FLAGS.SILENT (\Deleted)`)
	other.mustOK("d", "EXPUNGE")
	e.appendN("joe@foo.com", "INBOX", 1) // UID 11
	e.expungeInbox("joe@foo.com", 8)
	// Left: UIDs 1 3 5 7 9 11, sequence numbers 1 to 6.
	now := e.highestModSeq("joe@foo.com", "INBOX")

	r := e.qresyncRaw("joe@foo.com")
	got := r.mustOK("a", fmt.Sprintf("SELECT INBOX (QRESYNC (%d %d))", v, m0))
	if !slices.Contains(got, "* 6 EXISTS") || !slices.Contains(got, fmt.Sprintf("* OK [HIGHESTMODSEQ %d] Highest", now)) {
		t.Errorf("usual responses: %q", got)
	}
	want := []string{"* VANISHED (EARLIER) 2,4,6,8,10", e.fetchLine(2, 3), e.fetchLine(3, 5), e.fetchLine(6, 11)}
	if tail := after(t, got, "* OK [UIDNEXT "); !slices.Equal(tail[1:], want) {
		t.Errorf("resynchronisation:\n got %q\nwant HIGHESTMODSEQ, then %q", tail, want)
	}

	// Known UIDs narrow both answers; the sequence match data is taken
	// and has no effect. A selected mailbox is closed first.
	got = r.mustOK("b", fmt.Sprintf("EXAMINE INBOX (QRESYNC (%d %d 1:7 (1:3 1,3,5)))", v, m0))
	if got[0] != "* OK [CLOSED] Previous mailbox closed" {
		t.Errorf("first response of the second SELECT: %q", got[0])
	}
	want = []string{"* VANISHED (EARLIER) 2,4,6", e.fetchLine(2, 3), e.fetchLine(3, 5)}
	if tail := after(t, got, "* OK [HIGHESTMODSEQ "); !slices.Equal(tail, want) {
		t.Errorf("with known UIDs:\n got %q\nwant %q", tail, want)
	}
	got = r.mustOK("c", fmt.Sprintf("SELECT INBOX (QRESYNC (%d %d 9:20,1))", v, m0))
	want = []string{"* VANISHED (EARLIER) 10", e.fetchLine(6, 11)}
	if tail := after(t, got, "* OK [HIGHESTMODSEQ "); !slices.Equal(tail, want) {
		t.Errorf("with known UIDs 9:20,1:\n got %q\nwant %q", tail, want)
	}

	// Up to date: nothing to tell.
	got = r.mustOK("d", fmt.Sprintf("SELECT INBOX (QRESYNC (%d %d))", v, now))
	if tail := after(t, got, "* OK [HIGHESTMODSEQ "); len(tail) != 0 {
		t.Errorf("up to date: %q", tail)
	}
	// Another UIDVALIDITY: the client's UIDs mean nothing here.
	got = r.mustOK("e", fmt.Sprintf("SELECT INBOX (QRESYNC (%d %d))", v+1, m0))
	if tail := after(t, got, "* OK [HIGHESTMODSEQ "); len(tail) != 0 {
		t.Errorf("UIDVALIDITY mismatch: %q", tail)
	}
	// Changes made while the session resynchronises reach it afterwards,
	// as VANISHED without EARLIER.
	e.expungeInbox("joe@foo.com", 1)
	wantLines(t, r, "f", "NOOP", "* VANISHED 1")
}

// Once QRESYNC is on, VANISHED replaces EXPUNGE everywhere: EXPUNGE, UID
// EXPUNGE, MOVE, and what others' expunges bring to IDLE and NOOP; CLOSE
// stays silent. A session without QRESYNC still gets EXPUNGE.
func TestQResyncVanishedReplacesExpunge(t *testing.T) {
	e := newTestEnv(t, Options{})
	e.appendN("joe@foo.com", "INBOX", 1)
	e.appendN("joe@foo.com", "INBOX", 2, `\Deleted`)
	e.appendN("joe@foo.com", "INBOX", 1)
	e.appendN("joe@foo.com", "INBOX", 2, `\Deleted`) // UIDs 5 and 6
	e.appendN("joe@foo.com", "INBOX", 3)             // UIDs 7 to 9
	r := e.qresyncRaw("joe@foo.com")
	r.mustOK("a", "CREATE Archive")
	va := e.validity("joe@foo.com", "Archive")
	r.mustOK("b", "SELECT INBOX")
	other := e.qresyncRaw("joe@foo.com")
	other.mustOK("a", "SELECT INBOX")
	plain := e.loginRaw("joe@foo.com")
	plain.mustOK("a", "SELECT INBOX")
	idler := e.qresyncRaw("joe@foo.com")
	idler.mustOK("a", "SELECT INBOX")
	idler.send("b IDLE")
	idler.expect("+ ")

	// The tagged OK tells the modseq of the expunge (RFC 7162 section
	// 3.2.7), from which the client may resynchronise.
	done := func(tag, verb string) string {
		return fmt.Sprintf("%s OK [HIGHESTMODSEQ %d] %s completed", tag, e.highestModSeq("joe@foo.com", "INBOX"), verb)
	}
	want := []string{"* VANISHED 2,6"}
	if got := r.cmd("c", "UID EXPUNGE 1:2,6"); !slices.Equal(got, append(want, done("c", "EXPUNGE"))) {
		t.Errorf("UID EXPUNGE: %q", got)
	}
	if l := idler.line(); l != "* VANISHED 2,6" {
		t.Errorf("idler: %q", l)
	}
	if got := r.cmd("d", "EXPUNGE"); !slices.Equal(got, []string{"* VANISHED 3,5", done("d", "EXPUNGE")}) {
		t.Errorf("EXPUNGE: %q", got)
	}
	if l := idler.line(); l != "* VANISHED 3,5" {
		t.Errorf("idler: %q", l)
	}
	want = []string{fmt.Sprintf("* OK [COPYUID %d 4,8 1:2] Moved", va), "* VANISHED 4,8"}
	if got := r.cmd("e", "UID MOVE 4,8 Archive"); !slices.Equal(got, append(want, done("e", "MOVE"))) {
		t.Errorf("UID MOVE: %q", got)
	}
	if l := idler.line(); l != "* VANISHED 4,8" {
		t.Errorf("idler after MOVE: %q", l)
	}
	// CLOSE expunges without a word; the others hear of it.
	r.mustOK("f", `STORE 1 +FLAGS.SILENT (\Deleted)`)
	if l := idler.line(); !strings.HasPrefix(l, "* 1 FETCH (UID 1 FLAGS (\\Deleted) MODSEQ (") {
		t.Errorf("idler after STORE: %q", l)
	}
	wantLines(t, r, "g", "CLOSE")
	if l := idler.line(); l != "* VANISHED 1" {
		t.Errorf("idler after CLOSE: %q", l)
	}
	// An expunge by another door reaches the idler at once.
	e.expungeInbox("joe@foo.com", 9)
	if l := idler.line(); l != "* VANISHED 9" {
		t.Errorf("idler after a store expunge: %q", l)
	}
	idler.send("DONE")
	idler.expect("b OK")

	// NOOP gathers what came meanwhile into one VANISHED, in ranges.
	got := other.mustOK("b", "NOOP")
	if !slices.Equal(got[len(got)-1:], []string{"* VANISHED 1:6,8:9"}) {
		t.Errorf("other's NOOP: %q", got)
	}
	// Without QRESYNC: EXPUNGE by sequence number, highest first.
	got = plain.mustOK("b", "NOOP")
	var expunges []string
	for _, l := range got {
		if strings.HasSuffix(l, " EXPUNGE") {
			expunges = append(expunges, l)
		}
	}
	want = []string{"* 9 EXPUNGE", "* 8 EXPUNGE", "* 6 EXPUNGE", "* 5 EXPUNGE", "* 4 EXPUNGE", "* 3 EXPUNGE", "* 2 EXPUNGE", "* 1 EXPUNGE"}
	if !slices.Equal(expunges, want) {
		t.Errorf("plain session's NOOP: %q", got)
	}
	if got := plain.mustOK("c", "FETCH 1:* (UID)"); !slices.Equal(got, []string{"* 1 FETCH (UID 7)"}) {
		t.Errorf("plain session's view: %q", got)
	}
	if got := other.mustOK("c", "FETCH 1:* (UID)"); !slices.Equal(got, []string{"* 1 FETCH (UID 7)"}) {
		t.Errorf("QRESYNC session's view: %q", got)
	}
}

// While a command may not tell an expunge, a QRESYNC session is told a
// HIGHESTMODSEQ below it, so that a client that keeps the highest modseq
// it saw cannot pass the expunge; the VANISHED comes at the next chance.
func TestQResyncPendingExpungeHoldsModSeq(t *testing.T) {
	e := newTestEnv(t, Options{})
	e.appendN("joe@foo.com", "INBOX", 3)
	r := e.qresyncRaw("joe@foo.com")
	r.mustOK("a", "SELECT INBOX")
	e.expungeInbox("joe@foo.com", 2)
	expunged := e.highestModSeq("joe@foo.com", "INBOX")
	got := r.mustOK("b", `STORE 3 +FLAGS (\Flagged)`)
	want := []string{
		fmt.Sprintf("* 3 FETCH (UID 3 FLAGS (\\Flagged) MODSEQ (%d))", expunged+1),
		fmt.Sprintf("* OK [HIGHESTMODSEQ %d] Expunges pending", expunged-1),
	}
	if !slices.Equal(got, want) {
		t.Errorf("STORE with an expunge pending:\n got %q\nwant %q", got, want)
	}
	wantLines(t, r, "c", "NOOP", "* VANISHED 2")
	wantLines(t, r, "d", `STORE 2 -FLAGS (\Flagged)`, fmt.Sprintf("* 2 FETCH (UID 3 FLAGS () MODSEQ (%d))", expunged+2))
}

// UID FETCH with CHANGEDSINCE and VANISHED: VANISHED (EARLIER) of the set
// before the FETCH responses, "*" reaching past the last message; a UID
// the session still shows is told by a plain VANISHED instead.
func TestQResyncUIDFetchVanished(t *testing.T) {
	e := newTestEnv(t, Options{})
	e.appendN("joe@foo.com", "INBOX", 8)
	m0 := e.highestModSeq("joe@foo.com", "INBOX")
	other := e.loginRaw("joe@foo.com")
	other.mustOK("a", "SELECT INBOX")
	other.mustOK("b", `UID STORE 2,3,8 +FLAGS.SILENT (\Deleted)`)
	other.mustOK("c", "EXPUNGE")
	other.mustOK("d", `UID STORE 5 +FLAGS.SILENT ($Done)`)
	// Left: 1 4 5 6 7.

	r := e.qresyncRaw("joe@foo.com")
	r.mustOK("a", "SELECT INBOX")
	wantLines(t, r, "b", fmt.Sprintf("UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d VANISHED)", m0),
		"* VANISHED (EARLIER) 2:3,8", e.fetchLine(3, 5))
	wantLines(t, r, "c", fmt.Sprintf("UID FETCH 3:6 (FLAGS) (CHANGEDSINCE %d VANISHED)", m0),
		"* VANISHED (EARLIER) 3", e.fetchLine(3, 5))
	wantLines(t, r, "d", fmt.Sprintf("UID FETCH 9:* (FLAGS) (CHANGEDSINCE %d VANISHED)", m0))
	wantLines(t, r, "e", fmt.Sprintf("UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d VANISHED)", e.highestModSeq("joe@foo.com", "INBOX")))

	// UID 6 leaves while the session still shows it: not EARLIER, but
	// VANISHED once the command may say so (UID FETCH may).
	e.expungeInbox("joe@foo.com", 6)
	wantLines(t, r, "f", fmt.Sprintf("UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d VANISHED)", m0),
		"* VANISHED (EARLIER) 2:3,8", e.fetchLine(3, 5), "* VANISHED 6")
}

// Python's imaplib, which knows nothing of QRESYNC, sends the commands as
// raw arguments and finds the answers among its untagged responses.
func TestImaplibQResync(t *testing.T) {
	testenv.Program(t, "python3", "python3")
	e := newTestEnv(t, Options{})
	e.appendN("joe@foo.com", "INBOX", 5)
	script := `
import imaplib, sys
host, port = sys.argv[1], int(sys.argv[2])
m = imaplib.IMAP4(host, port)
m.login("joe@foo.com", "secret")
typ, caps = m.capability()
assert b"QRESYNC" in caps[0].split(), caps
typ, data = m.enable("QRESYNC")
assert typ == "OK" and m.untagged_responses.pop("ENABLED") == [b"QRESYNC"], (typ, data, m.untagged_responses)
typ, data = m.select("INBOX")
uidvalidity = int(m.untagged_responses["UIDVALIDITY"][0])
modseq = int(m.untagged_responses["HIGHESTMODSEQ"][0])
typ, data = m.uid("STORE", "2,4", "+FLAGS.SILENT", "(\\Deleted)")
typ, data = m.uid("STORE", "5", "+FLAGS.SILENT", "(\\Flagged)")
typ, data = m.expunge()
assert typ == "OK" and data == [None], (typ, data)
assert m.untagged_responses.pop("VANISHED") == [b"2,4"], m.untagged_responses
m.untagged_responses.clear()

typ, data = m._simple_command("SELECT", "INBOX (QRESYNC (%d %d))" % (uidvalidity, modseq))
assert typ == "OK", (typ, data)
assert m.untagged_responses.pop("VANISHED") == [b"(EARLIER) 2,4"], m.untagged_responses
fetched = [d.decode() for d in m.untagged_responses.pop("FETCH")]
assert len(fetched) == 1 and fetched[0].startswith("3 (UID 5 FLAGS (\\Flagged) MODSEQ ("), fetched
m.untagged_responses.clear()

typ, data = m.uid("FETCH", "1:*", "(FLAGS)", "(CHANGEDSINCE %d VANISHED)" % modseq)
assert typ == "OK", (typ, data)
assert m.untagged_responses.pop("VANISHED") == [b"(EARLIER) 2,4"], m.untagged_responses
try:
    m.uid("FETCH", "1:*", "(FLAGS)", "(VANISHED)")
    print("VANISHED without CHANGEDSINCE accepted")
except imaplib.IMAP4.error as e:
    pass
m.logout()
print("ok")
`
	e.runImaplib(script)
}
