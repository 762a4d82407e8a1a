package storetest

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"mstore/store"
)

// AppendRead: bytes are kept exactly but for CRLF line ends; size, date,
// flags, UIDs and the parsed structure are right; broken MIME is stored.
func AppendRead(t *testing.T, open Opener) {
	f := setup(t, open)
	s := f.s
	date := time.Date(2020, 3, 4, 5, 6, 7, 0, time.FixedZone("", -5*3600))
	lf := "From: a@b.c\nSubject: =?utf-8?q?caf=C3=A9?=\nDate: Tue, 3 Mar 2020 10:00:00 +0100\n\nline one\nline two\r\nthree\n"
	want := strings.ReplaceAll(strings.ReplaceAll(lf, "\r\n", "\n"), "\n", "\r\n")
	res, err := s.Append(ctx, f.joe, f.joeInbox, strings.NewReader(lf), store.AppendOptions{Flags: []string{`\flagged`, "$Label1"}, Date: date})
	must(t, err)
	if res.UID != 1 || res.UIDValidity != f.joeInboxI.UIDValidity {
		t.Errorf("result %+v", res)
	}
	if got := readMsg(t, s, f.joe, res.MailboxID, res.UID); string(got) != want {
		t.Errorf("stored %q, want %q", got, want)
	}
	m, err := s.Message(ctx, f.joe, res.MailboxID, res.UID)
	must(t, err)
	if m.Size != int64(len(want)) || !m.InternalDate.Equal(date) || !slices.Equal(m.Flags, []string{`\Flagged`, "$Label1"}) {
		t.Errorf("message %+v", m)
	}
	if _, off := m.InternalDate.Zone(); off != -5*3600 {
		t.Errorf("internal date lost its zone: %v", m.InternalDate)
	}
	st, err := s.Structure(ctx, f.joe, res.MailboxID, res.UID)
	must(t, err)
	if st.Envelope.Subject != "café" || st.DateRaw != "Tue, 3 Mar 2020 10:00:00 +0100" || len(st.Envelope.From) != 1 || st.Envelope.From[0].Host != "b.c" {
		t.Errorf("envelope %+v date %q", st.Envelope, st.DateRaw)
	}
	if st.HeaderSize != int64(strings.Index(want, "\r\n\r\n")+4) {
		t.Errorf("header size %d", st.HeaderSize)
	}
	if st.Body.MediaType() != "text/plain" {
		t.Errorf("body %s", st.Body.MediaType())
	}
	// Binary and 8-bit bytes, and a message without any header, kept as given.
	bin := []byte("Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n")
	for b := 1; b < 256; b++ {
		if b != '\n' && b != '\r' {
			bin = append(bin, byte(b))
		}
	}
	bin = append(bin, "\r\n"...)
	for _, body := range [][]byte{bin, []byte("no header at all, just text\r\n"), []byte("Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nbroken"), {}} {
		r := appendMsg(t, s, f.joe, f.joeInbox, body)
		if got := readMsg(t, s, f.joe, r.MailboxID, r.UID); !bytes.Equal(got, body) {
			t.Errorf("stored %q, want %q", got, body)
		}
		if _, err := s.Structure(ctx, f.joe, r.MailboxID, r.UID); err != nil {
			t.Errorf("structure of %q: %v", body, err)
		}
	}
	// UIDs ascend; UIDNEXT follows; the mailbox counts.
	uids, _, err := s.UIDs(ctx, f.joe, res.MailboxID)
	must(t, err)
	if !slices.Equal(uids, []uint32{1, 2, 3, 4, 5}) {
		t.Errorf("uids %v", uids)
	}
	info := status(t, s, f.joe, f.joeInbox)
	if info.UIDNext != 6 || info.Messages != 5 || info.Unseen != 5 || info.Keywords[0] != "$Label1" {
		t.Errorf("status %+v", info)
	}
	// Too big: nothing stored, nothing left behind.
	_, err = s.Append(ctx, f.joe, f.joeInbox, bytes.NewReader(make([]byte, s.MaxMessageSize()+1)), store.AppendOptions{})
	wantKind(t, err, store.KindTooBig, "append over the size limit")
	if n := countFiles(t, filepath.Join(f.dir, "tmp")); n != 0 {
		t.Errorf("%d files left in tmp", n)
	}
	if st := status(t, s, f.joe, f.joeInbox); st.Messages != 5 {
		t.Errorf("too-big append stored something: %d", st.Messages)
	}
}

func countFiles(t testing.TB, dir string) int {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// Flags: add, remove, replace, keywords, modseq, counters, CONDSTORE's
// unchanged-since.
func Flags(t *testing.T, open Opener) {
	f := setup(t, open)
	s := f.s
	id := f.joeInboxI.ID
	for i := 0; i < 3; i++ {
		appendMsg(t, s, f.joe, f.joeInbox, message(i, 200))
	}
	ms0 := status(t, s, f.joe, f.joeInbox).HighestModSeq
	ch, _, err := s.StoreFlags(ctx, f.joe, id, []uint32{1, 2}, store.FlagsAdd, []string{`\Seen`, `\Deleted`, "Work"}, 0)
	must(t, err)
	if len(ch) != 2 || !slices.Equal(ch[0].Flags, []string{`\Seen`, `\Deleted`, "Work"}) || ch[0].ModSeq <= ms0 {
		t.Errorf("changes %+v", ch)
	}
	info := status(t, s, f.joe, f.joeInbox)
	if info.Unseen != 1 || info.Deleted != 2 || info.HighestModSeq != ch[0].ModSeq {
		t.Errorf("status after add %+v", info)
	}
	// Keywords compare without case; the first spelling stays.
	_, _, err = s.StoreFlags(ctx, f.joe, id, []uint32{3}, store.FlagsAdd, []string{"WORK"}, 0)
	must(t, err)
	if got := flagsOf(t, s, f.joe, id, 3); !slices.Equal(got, []string{"Work"}) {
		t.Errorf("keyword spelling %v", got)
	}
	ch, _, err = s.StoreFlags(ctx, f.joe, id, []uint32{1}, store.FlagsRemove, []string{`\deleted`, "work"}, 0)
	must(t, err)
	if len(ch) != 1 || !slices.Equal(ch[0].Flags, []string{`\Seen`}) {
		t.Errorf("remove %+v", ch)
	}
	ch, _, err = s.StoreFlags(ctx, f.joe, id, []uint32{2}, store.FlagsReplace, []string{`\Answered`}, 0)
	must(t, err)
	if !slices.Equal(ch[0].Flags, []string{`\Answered`}) {
		t.Errorf("replace %+v", ch)
	}
	// No change, no new modseq.
	before := status(t, s, f.joe, f.joeInbox).HighestModSeq
	ch, _, err = s.StoreFlags(ctx, f.joe, id, []uint32{2}, store.FlagsAdd, []string{`\Answered`}, 0)
	must(t, err)
	if len(ch) != 0 || status(t, s, f.joe, f.joeInbox).HighestModSeq != before {
		t.Errorf("a no-op store changed something: %+v", ch)
	}
	// Unchanged-since: message 2 changed after ms0.
	_, failed, err := s.StoreFlags(ctx, f.joe, id, []uint32{2, 3}, store.FlagsAdd, []string{`\Flagged`}, ms0)
	must(t, err)
	if !slices.Equal(failed, []uint32{2, 3}) {
		t.Errorf("unchanged-since failed %v", failed)
	}
	info = status(t, s, f.joe, f.joeInbox)
	if info.Unseen != 2 || info.Deleted != 0 {
		t.Errorf("final counters %+v", info)
	}
}

// SharedSeen: \Seen in a mailbox someone else owns is each reader's own.
func SharedSeen(t *testing.T, open Opener) {
	f := setup(t, open)
	s := f.s
	staff := path(t, "foo.com/shared/staff")
	info, err := s.CreateMailbox(ctx, sys, staff, store.CreateOptions{})
	must(t, err)
	must(t, s.SetACL(ctx, sys, staff, "anyone", "lrswi"))
	appendMsg(t, s, sys, staff, message(1, 100))
	appendMsg(t, s, f.joe, staff, message(2, 100), `\Seen`)
	if got := flagsOf(t, s, f.joe, info.ID, 2); !slices.Equal(got, []string{`\Seen`}) {
		t.Errorf("joe's appended \\Seen: %v", got)
	}
	if got := flagsOf(t, s, f.ann, info.ID, 2); len(got) != 0 {
		t.Errorf("ann sees joe's \\Seen: %v", got)
	}
	_, _, err = s.StoreFlags(ctx, f.ann, info.ID, []uint32{1}, store.FlagsAdd, []string{`\Seen`, `\Flagged`}, 0)
	must(t, err)
	if got := flagsOf(t, s, f.ann, info.ID, 1); !slices.Equal(got, []string{`\Seen`, `\Flagged`}) {
		t.Errorf("ann's flags %v", got)
	}
	if got := flagsOf(t, s, f.joe, info.ID, 1); !slices.Equal(got, []string{`\Flagged`}) {
		t.Errorf("joe sees ann's \\Seen: %v (but must see the shared \\Flagged)", got)
	}
	if st := status(t, s, f.ann, staff); st.Unseen != 1 {
		t.Errorf("ann's unseen %d, want 1", st.Unseen)
	}
	if st := status(t, s, f.joe, staff); st.Unseen != 1 {
		t.Errorf("joe's unseen %d, want 1", st.Unseen)
	}
	_, _, err = s.StoreFlags(ctx, f.ann, info.ID, []uint32{1}, store.FlagsRemove, []string{`\Seen`}, 0)
	must(t, err)
	if st := status(t, s, f.ann, staff); st.Unseen != 2 {
		t.Errorf("ann's unseen after -\\Seen %d, want 2", st.Unseen)
	}
}
