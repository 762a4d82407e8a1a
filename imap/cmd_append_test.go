package imap

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mstore/store"
)

// write sends bytes as they are, without a line end.
func (r *raw) write(s string) {
	r.t.Helper()
	if _, err := r.c.Write([]byte(s)); err != nil {
		r.t.Fatal(err)
	}
}

// messagesOf returns the messages of a mailbox as the store has them.
func (e *testEnv) messagesOf(user, mailbox string) []store.Message {
	e.t.Helper()
	local, domain, _ := strings.Cut(user, "@")
	info, err := e.st.Mailbox(context.Background(), store.System(), store.MailboxName{Domain: domain, Name: "user/" + local + "/" + mailbox})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []store.Message
	if err := e.st.Messages(context.Background(), store.System(), info.ID, 1, func(m store.Message) bool {
		out = append(out, m)
		return true
	}); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// bodyOf reads a stored message.
func (e *testEnv) bodyOf(user, mailbox string, uid uint32) string {
	e.t.Helper()
	local, domain, _ := strings.Cut(user, "@")
	info, err := e.st.Mailbox(context.Background(), store.System(), store.MailboxName{Domain: domain, Name: "user/" + local + "/" + mailbox})
	if err != nil {
		e.t.Fatal(err)
	}
	b, err := e.st.OpenMessage(context.Background(), store.System(), info.ID, uid)
	if err != nil {
		e.t.Fatal(err)
	}
	defer b.Close()
	data, err := io.ReadAll(b)
	if err != nil {
		e.t.Fatal(err)
	}
	return string(data)
}

// mailboxInfo is a mailbox of user's as the store has it.
func (e *testEnv) mailboxInfo(user, mailbox string) store.MailboxInfo {
	e.t.Helper()
	local, domain, _ := strings.Cut(user, "@")
	info, err := e.st.Mailbox(context.Background(), store.System(), store.MailboxName{Domain: domain, Name: "user/" + local + "/" + mailbox})
	if err != nil {
		e.t.Fatal(err)
	}
	return info
}

func (e *testEnv) validity(user, mailbox string) uint32 {
	e.t.Helper()
	return e.mailboxInfo(user, mailbox).UIDValidity
}

func TestAppendFlagsAndDate(t *testing.T) {
	e := newTestEnv(t, Options{})
	r := e.loginRaw("joe@foo.com")
	msg := "Subject: hi\r\n\r\nhello\r\n"
	r.send(fmt.Sprintf(`a APPEND INBOX (\Seen \Flagged $Work) "14-Jul-2024 10:20:30 +0200" {%d}`, len(msg)))
	if l := r.line(); !strings.HasPrefix(l, "+ ") {
		t.Fatalf("continuation: %q", l)
	}
	r.send(msg)
	want := fmt.Sprintf("a OK [APPENDUID %d 1] APPEND completed", e.validity("joe@foo.com", "INBOX"))
	if got := last(r.expect("a ")); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	ms := e.messagesOf("joe@foo.com", "INBOX")
	if len(ms) != 1 || ms[0].UID != 1 {
		t.Fatalf("stored %+v", ms)
	}
	for _, f := range []string{`\Seen`, `\Flagged`, "$Work"} {
		if !slices.Contains(ms[0].Flags, f) {
			t.Errorf("flag %s missing: %q", f, ms[0].Flags)
		}
	}
	if want := time.Date(2024, 7, 14, 8, 20, 30, 0, time.UTC); !ms[0].InternalDate.Equal(want) {
		t.Errorf("internal date %v, want %v", ms[0].InternalDate, want)
	}
	if got := e.bodyOf("joe@foo.com", "INBOX", 1); got != msg {
		t.Errorf("body %q", got)
	}
	// A non-synchronising literal, bare LF made CRLF by the store.
	r.send("b APPEND INBOX {7+}\r\nx: y\n\nz")
	if got := last(r.expect("b ")); !strings.HasPrefix(got, "b OK [APPENDUID ") {
		t.Fatalf("literal+: %q", got)
	}
	if got := e.bodyOf("joe@foo.com", "INBOX", 2); got != "x: y\r\n\r\nz" {
		t.Errorf("body %q", got)
	}
}

func TestAppendRefusedBeforeTheBody(t *testing.T) {
	e := newTestEnv(t, Options{AppendLimit: 1000})
	ctx := context.Background()
	r := e.loginRaw("joe@foo.com")
	// No continuation request: the client never sends the bytes.
	r.send("a APPEND Nowhere {5}")
	if l := r.line(); !strings.HasPrefix(l, "a NO [TRYCREATE]") {
		t.Fatalf("missing mailbox: %q", l)
	}
	r.send("b APPEND INBOX {1001}")
	if l := r.line(); !strings.HasPrefix(l, "b NO [TOOBIG]") {
		t.Fatalf("too big: %q", l)
	}
	none := int64(0)
	if err := e.st.SetQuota(ctx, store.System(), "foo.com/users/joe", nil, &none); err != nil {
		t.Fatal(err)
	}
	r.send("c APPEND INBOX {900}")
	if l := r.line(); !strings.HasPrefix(l, "c NO [OVERQUOTA]") {
		t.Fatalf("over quota: %q", l)
	}
	// No right i: ann's mailbox that joe may only read.
	ann := e.loginRaw("ann@foo.com")
	ann.mustOK("a", "CREATE Box")
	ann.mustOK("b", "SETACL Box joe lr")
	r.send(`d APPEND "Other Users/ann/Box" {5}`)
	if l := r.line(); !strings.HasPrefix(l, "d NO [NOPERM]") {
		t.Fatalf("without i: %q", l)
	}
	// The session goes on.
	if got := last(r.cmd("e", "NOOP")); got != "e OK NOOP completed" {
		t.Errorf("after refusals: %q", got)
	}
	if n := len(e.messagesOf("joe@foo.com", "INBOX")); n != 0 {
		t.Errorf("%d messages stored", n)
	}
	// A drop box (i alone) takes messages but tells nothing back.
	ann.mustOK("c", "SETACL Box joe i")
	r.send(`f APPEND "Other Users/ann/Box" {5+}` + "\r\nhello")
	if got := last(r.expect("f ")); got != "f OK APPEND completed" {
		t.Errorf("drop box: %q", got)
	}
	if n := len(e.messagesOf("ann@foo.com", "Box")); n != 1 {
		t.Errorf("drop box holds %d", n)
	}
}

// TestMultiAppend: several messages go in at once, or none of them.
func TestMultiAppend(t *testing.T) {
	e := newTestEnv(t, Options{AppendLimit: 1000})
	ctx := context.Background()
	r := e.loginRaw("joe@foo.com")
	r.mustOK("a", "CREATE Box")
	validity := e.validity("joe@foo.com", "Box")

	r.send("b APPEND Box (\\Seen) {5}")
	r.expect("+ ")
	r.send("first (\\Draft) {6}")
	r.expect("+ ")
	r.send("second")
	if got, want := last(r.expect("b ")), fmt.Sprintf("b OK [APPENDUID %d 1:2] APPEND completed", validity); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	ms := e.messagesOf("joe@foo.com", "Box")
	if len(ms) != 2 || !slices.Contains(ms[0].Flags, `\Seen`) || !slices.Contains(ms[1].Flags, `\Draft`) {
		t.Fatalf("stored %+v", ms)
	}
	if e.bodyOf("joe@foo.com", "Box", 2) != "second" {
		t.Errorf("second body %q", e.bodyOf("joe@foo.com", "Box", 2))
	}

	// The second literal is over the limit: the first, read and staged
	// already, is not stored either.
	r.send("c APPEND Box {5}")
	r.expect("+ ")
	r.send("hello {1001}")
	if l := r.line(); !strings.HasPrefix(l, "c NO [TOOBIG]") {
		t.Fatalf("second too big: %q", l)
	}
	// A syntax error after the first message: nothing stored.
	r.send("d APPEND Box {5+}\r\nhello (\\Bogus\")")
	if l := last(r.expect("d ")); !strings.HasPrefix(l, "d BAD") {
		t.Fatalf("syntax error: %q", l)
	}
	// Over quota with the second message only.
	kib := int64(1)
	if err := e.st.SetQuota(ctx, store.System(), "foo.com/users/joe", &kib, nil); err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("x", 600)
	r.send(fmt.Sprintf("e APPEND Box {%d+}\r\n%s {%d}", len(body), body, len(body)))
	if l := r.line(); !strings.HasPrefix(l, "e NO [OVERQUOTA]") {
		t.Fatalf("second over quota: %q", l)
	}
	if ms := e.messagesOf("joe@foo.com", "Box"); len(ms) != 2 {
		t.Errorf("failed MULTIAPPENDs stored %d messages", len(ms)-2)
	}
	if got := last(r.cmd("f", "NOOP")); got != "f OK NOOP completed" {
		t.Errorf("after failures: %q", got)
	}
}

// TestAppendSelected: an APPEND to the selected mailbox is told as
// EXISTS before the tagged OK, and an IDLE session on the same mailbox
// hears of it at once.
func TestAppendSelected(t *testing.T) {
	e := newTestEnv(t, Options{})
	idler := e.loginRaw("joe@foo.com")
	idler.mustOK("a", "SELECT INBOX")
	idler.send("b IDLE")
	idler.expect("+ ")

	r := e.loginRaw("joe@foo.com")
	r.mustOK("a", "SELECT INBOX")
	start := time.Now()
	lines := r.cmd("b", "APPEND INBOX {3+}\r\nabc")
	if !slices.Contains(lines, "* 1 EXISTS") || !strings.HasPrefix(last(lines), "b OK [APPENDUID ") {
		t.Errorf("append to selected: %q", lines)
	}
	if l := idler.line(); l != "* 1 EXISTS" {
		t.Fatalf("idler got %q", l)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("EXISTS took %v", d)
	}
	idler.send("DONE")
	idler.expect("b OK")
}

func TestAppendUTF8(t *testing.T) {
	e := newTestEnv(t, Options{})
	r := e.loginRaw("joe@foo.com")
	r.mustOK("a", "ENABLE UTF8=ACCEPT")
	msg := "Subject: Grüße\r\n\r\nÄpfel\r\n"
	r.send(fmt.Sprintf("b APPEND INBOX UTF8 (~{%d+}\r\n%s)", len(msg), msg))
	if got := last(r.expect("b ")); !strings.HasPrefix(got, "b OK [APPENDUID") {
		t.Fatalf("UTF8 append: %q", got)
	}
	if got := e.bodyOf("joe@foo.com", "INBOX", 1); got != msg {
		t.Errorf("body %q", got)
	}
	// A literal8 with a NUL octet (BINARY).
	bin := "Subject: b\r\n\r\na\x00b\r\n"
	r.send(fmt.Sprintf("c APPEND INBOX ~{%d+}\r\n%s", len(bin), bin))
	if got := last(r.expect("c ")); !strings.HasPrefix(got, "c OK [APPENDUID") {
		t.Fatalf("literal8: %q", got)
	}
}

func TestAppendImapclient(t *testing.T) {
	e := newTestEnv(t, Options{})
	c := e.client("joe@foo.com")
	msg := []byte("From: a@b\r\nSubject: via go-imap\r\n\r\nbody\r\n")
	date := time.Date(2023, 1, 2, 3, 4, 5, 0, time.UTC)
	cmd := c.Append("INBOX", int64(len(msg)), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagAnswered}, Time: date})
	if _, err := cmd.Write(msg); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := cmd.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if data.UIDValidity != e.validity("joe@foo.com", "INBOX") || data.UID != 1 {
		t.Errorf("append data %+v", data)
	}
	ms := e.messagesOf("joe@foo.com", "INBOX")
	if len(ms) != 1 || !ms[0].InternalDate.Equal(date) || !slices.Equal(ms[0].Flags, []string{`\Answered`}) {
		t.Errorf("stored %+v", ms)
	}
	if got := e.bodyOf("joe@foo.com", "INBOX", 1); !bytes.Equal([]byte(got), msg) {
		t.Errorf("body %q", got)
	}
	// TRYCREATE reaches the client as a response code.
	cmd = c.Append("Nowhere", 3, nil)
	cmd.Write([]byte("abc"))
	cmd.Close()
	_, err = cmd.Wait()
	var ierr *imap.Error
	if !asIMAPError(err, &ierr) || ierr.Code != imap.ResponseCodeTryCreate {
		t.Errorf("append to missing mailbox: %v", err)
	}
}

func asIMAPError(err error, target **imap.Error) bool {
	e, ok := err.(*imap.Error)
	if ok {
		*target = e
	}
	return ok
}

func TestUIDSetString(t *testing.T) {
	for _, tc := range []struct {
		in   []uint32
		want string
	}{
		{[]uint32{1}, "1"},
		{[]uint32{1, 2, 3}, "1:3"},
		{[]uint32{1, 3, 4, 5, 9}, "1,3:5,9"},
		{[]uint32{7, 8, 2}, "7:8,2"},
	} {
		if got := numSetString(tc.in); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.in, got, tc.want)
		}
	}
}
