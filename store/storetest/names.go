package storetest

import (
	"bytes"
	"fmt"
	"os"
	"testing"
	"time"

	"mstore/store"
)

// MessageNames: every message has a name unique in its mailbox — its own
// when created through the mount, "<uid>.eml" otherwise — and renames,
// replacing renames and moves keep the index right.
func MessageNames(t *testing.T, open Opener) {
	f := setup(t, open)
	s := f.s
	id := f.joeInboxI.ID
	a := appendMsg(t, s, f.joe, f.joeInbox, message(1, 100))
	if m, _ := s.Message(ctx, f.joe, id, a.UID); m.Name != "1.eml" {
		t.Errorf("default name %q", m.Name)
	}
	// A name taken by a message created in the mount pushes a later
	// "<uid>.eml" aside.
	b, err := s.Append(ctx, f.joe, f.joeInbox, bytes.NewReader(message(2, 100)), store.AppendOptions{Name: "3.eml"})
	must(t, err)
	_, err = s.Append(ctx, f.joe, f.joeInbox, bytes.NewReader(message(9, 100)), store.AppendOptions{Name: "3.eml"})
	wantKind(t, err, store.KindExists, "second message with one name")
	c := appendMsg(t, s, f.joe, f.joeInbox, message(3, 100))
	if c.UID != 4 {
		// UID 3 went to the refused append; what matters is the name.
		t.Logf("third message got UID %d", c.UID)
	}
	mc, _ := s.Message(ctx, f.joe, id, c.UID)
	if mc.Name == "3.eml" {
		t.Errorf("two messages named 3.eml")
	}
	if m, err := s.MessageByName(ctx, f.joe, id, "3.eml"); err != nil || m.UID != b.UID {
		t.Errorf("by name 3.eml: %+v %v, want UID %d", m, err, b.UID)
	}
	// Rename within the mailbox: only the name changes.
	r, err := s.RenameMessage(ctx, f.joe, id, b.UID, f.joeInbox, "kept.eml", false)
	must(t, err)
	if r.UID != b.UID {
		t.Errorf("rename changed the UID: %+v", r)
	}
	_, err = s.MessageByName(ctx, f.joe, id, "3.eml")
	wantKind(t, err, store.KindNotFound, "old name after rename")
	_, err = s.RenameMessage(ctx, f.joe, id, a.UID, f.joeInbox, "kept.eml", false)
	wantKind(t, err, store.KindExists, "rename onto a taken name")
	// rename(2) semantics: the target is replaced.
	_, err = s.RenameMessage(ctx, f.joe, id, a.UID, f.joeInbox, "kept.eml", true)
	must(t, err)
	if m, _ := s.MessageByName(ctx, f.joe, id, "kept.eml"); m.UID != a.UID {
		t.Errorf("kept.eml is UID %d, want %d", m.UID, a.UID)
	}
	_, err = s.Message(ctx, f.joe, id, b.UID)
	wantKind(t, err, store.KindExpunged, "replaced message")
	// Move to another mailbox under a name.
	arch := path(t, "foo.com/users/joe/Archive")
	ai, err := s.CreateMailbox(ctx, f.joe, arch, store.CreateOptions{})
	must(t, err)
	mv, err := s.RenameMessage(ctx, f.joe, id, a.UID, arch, "moved.eml", false)
	must(t, err)
	if mv.MailboxID != ai.ID {
		t.Errorf("move result %+v", mv)
	}
	if m, err := s.MessageByName(ctx, f.joe, ai.ID, "moved.eml"); err != nil || m.UID != mv.UID {
		t.Errorf("moved message by name: %+v %v", m, err)
	}
	_, err = s.MessageByName(ctx, f.joe, id, "kept.eml")
	wantKind(t, err, store.KindNotFound, "name left behind by a move")
	// Setting the internal date moves the file's mtime too.
	when := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	must(t, s.SetInternalDate(ctx, f.joe, ai.ID, mv.UID, when))
	if m, _ := s.Message(ctx, f.joe, ai.ID, mv.UID); !m.InternalDate.Equal(when) {
		t.Errorf("internal date %v", m.InternalDate)
	}
	if p := s.BlobPath(ai.ID, mv.UID); p != "" {
		if fi, err := os.Stat(p); err != nil || !fi.ModTime().Equal(when) {
			t.Errorf("file mtime not set: %v", err)
		}
	}
	must(t, s.SetACL(ctx, f.joe, arch, "ann", "lr"))
	wantKind(t, s.SetInternalDate(ctx, f.ann, ai.ID, mv.UID, when), store.KindNoPerm, "date change without w")
}

// Batch: several staged messages go in together or not at all.
func Batch(t *testing.T, open Opener) {
	f := setup(t, open)
	s := f.s
	stage := func(i, size int) *store.Staged {
		st, err := s.Stage(ctx, bytes.NewReader(message(i, size)), store.StageOptions{})
		must(t, err)
		t.Cleanup(func() { st.Close() })
		return st
	}
	res, err := s.CommitBatch(ctx, store.Target{Caller: f.joe, Mailbox: f.joeInbox, Need: store.RightInsert},
		[]store.Batch{{Staged: stage(1, 100), Flags: []string{`\Seen`}}, {Staged: stage(2, 100)}})
	must(t, err)
	if len(res.UIDs) != 2 || res.UIDs[0] != 1 || res.UIDs[1] != 2 {
		t.Errorf("batch result %+v", res)
	}
	if got := flagsOf(t, s, f.joe, res.MailboxID, 1); len(got) != 1 || got[0] != `\Seen` {
		t.Errorf("flags of the first %v", got)
	}
	// Over quota by the second message: neither is stored.
	must(t, s.SetQuota(ctx, sys, "foo.com/users/joe", nil, i64(3)))
	_, err = s.CommitBatch(ctx, store.Target{Caller: f.joe, Mailbox: f.joeInbox, Need: store.RightInsert},
		[]store.Batch{{Staged: stage(3, 100)}, {Staged: stage(4, 100)}})
	wantKind(t, err, store.KindOverQuota, "batch past the quota")
	if st := status(t, s, f.joe, f.joeInbox); st.Messages != 2 {
		t.Errorf("a refused batch stored something: %d messages", st.Messages)
	}
	_, err = s.CommitBatch(ctx, store.Target{Caller: f.ann, Mailbox: f.joeInbox, Need: store.RightInsert},
		[]store.Batch{{Staged: stage(5, 100)}})
	wantKind(t, err, store.KindNotFound, "batch into another's mailbox")
}

// FetchMany: FetchMessages returns what Message and Structure return, for
// many messages at once, skipping UIDs that are gone; MessageOpener opens
// bodies after one rights check.
func FetchMany(t *testing.T, open Opener) {
	f := setup(t, open)
	s := f.s
	id := f.joeInboxI.ID
	var uids []uint32
	for i := 0; i < 600; i++ {
		uids = append(uids, appendMsg(t, s, f.joe, f.joeInbox, message(i, 200)).UID)
	}
	_, err := s.Expunge(ctx, f.joe, id, []uint32{5, 300}, store.ExpungeOptions{})
	must(t, err)
	var got []uint32
	err = s.FetchMessages(ctx, f.joe, id, append(uids, 9999), store.FetchOptions{Structure: true}, func(m *store.Message, st *store.Structure) error {
		got = append(got, m.UID)
		one, err := s.Message(ctx, f.joe, id, m.UID)
		if err != nil || one.Size != m.Size || !one.InternalDate.Equal(m.InternalDate) {
			t.Fatalf("uid %d: %+v vs %+v (%v)", m.UID, m, one, err)
		}
		if st == nil || st.Envelope.Subject != fmt.Sprintf("message %d", m.UID-1) {
			t.Fatalf("uid %d: structure %+v", m.UID, st)
		}
		return nil
	})
	must(t, err)
	if len(got) != 598 || got[4] != 6 || got[len(got)-1] != 600 {
		t.Errorf("fetched %d messages, first gap at %v", len(got), got[3:6])
	}
	_, err = s.MessageOpener(ctx, f.ann, id)
	wantKind(t, err, store.KindNotFound, "opener without rights")
	op, err := s.MessageOpener(ctx, f.joe, id)
	must(t, err)
	b, err := op(7)
	must(t, err)
	b.Close()
	_, err = op(5)
	wantKind(t, err, store.KindExpunged, "opening an expunged message")
}
