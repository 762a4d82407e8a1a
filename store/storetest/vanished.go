package storetest

import (
	"bytes"
	"os"
	"slices"
	"testing"
	"time"

	"mstore/store"
)

// Vanished: every way a message leaves a mailbox (IMAP expunge, an
// unconditional expunge, the source side of a move, a rename that replaces
// a message) raises HIGHESTMODSEQ once and leaves tombstones at that
// modseq; Vanished answers by modseq and within a UID set, under the right
// to read; a rename keeps the tombstones and a deletion takes them away.
func Vanished(t *testing.T, open Opener) {
	f := setup(t, open)
	s := f.s
	id := f.joeInboxI.ID
	for i := 0; i < 8; i++ {
		appendMsg(t, s, f.joe, f.joeInbox, message(i, 100))
	}
	highest := func(n store.MailboxName) uint64 { return status(t, s, f.joe, n).HighestModSeq }

	m0 := highest(f.joeInbox)
	vanished(t, s, f.joe, id, 0, nil) // nothing expunged yet

	// An IMAP expunge: one new modseq for the whole expunge.
	_, _, err := s.StoreFlags(ctx, f.joe, id, []uint32{2, 3, 4}, store.FlagsAdd, []string{`\Deleted`}, 0)
	must(t, err)
	m1 := highest(f.joeInbox)
	gone, err := s.Expunge(ctx, f.joe, id, []uint32{1, 2, 3}, store.ExpungeOptions{OnlyDeleted: true})
	must(t, err)
	if !slices.Equal(gone, []uint32{2, 3}) {
		t.Fatalf("expunged %v", gone)
	}
	m2 := highest(f.joeInbox)
	if m2 != m1+1 {
		t.Errorf("HIGHESTMODSEQ %d after the expunge, want %d", m2, m1+1)
	}
	vanished(t, s, f.joe, id, m0, nil, store.UIDRange{First: 2, Last: 3})
	vanished(t, s, f.joe, id, m2-1, nil, store.UIDRange{First: 2, Last: 3})
	vanished(t, s, f.joe, id, m2, nil)

	// An unconditional expunge (POP3 DELE, unlink in the mount).
	_, err = s.Expunge(ctx, f.joe, id, []uint32{5}, store.ExpungeOptions{})
	must(t, err)
	m3 := highest(f.joeInbox)
	vanished(t, s, f.joe, id, m2, nil, store.UIDRange{First: 5, Last: 5})
	vanished(t, s, f.joe, id, 0, nil, store.UIDRange{First: 2, Last: 3}, store.UIDRange{First: 5, Last: 5})

	// The source side of a move.
	arch := path(t, "foo.com/users/joe/Archive")
	ai, err := s.CreateMailbox(ctx, f.joe, arch, store.CreateOptions{})
	must(t, err)
	_, err = s.Move(ctx, f.joe, id, []uint32{6, 7}, arch)
	must(t, err)
	m4 := highest(f.joeInbox)
	if m4 != m3+1 {
		t.Errorf("HIGHESTMODSEQ %d after the move, want %d", m4, m3+1)
	}
	vanished(t, s, f.joe, id, m3, nil, store.UIDRange{First: 6, Last: 7})
	vanished(t, s, f.joe, ai.ID, 0, nil) // the destination lost nothing

	// A rename that replaces a message expunges the one replaced.
	_, err = s.RenameMessage(ctx, f.joe, id, 1, f.joeInbox, "8.eml", true)
	must(t, err)
	vanished(t, s, f.joe, id, m4, nil, store.UIDRange{First: 8, Last: 8})
	// One new modseq, for the expunge and the renamed message alike.
	m5 := highest(f.joeInbox)
	if m5 != m4+1 {
		t.Errorf("HIGHESTMODSEQ %d after a replacing rename, want %d", m5, m4+1)
	}
	if m, err := s.Message(ctx, f.joe, id, 1); err != nil || m.ModSeq != m5 {
		t.Errorf("renamed message %+v, %v; want modseq %d", m, err, m5)
	}
	vanished(t, s, f.joe, id, m5, nil)

	// Within a UID set: ranges in any order, ends either way round.
	all := []store.UIDRange{{First: 2, Last: 3}, {First: 5, Last: 8}}
	vanished(t, s, f.joe, id, 0, nil, all...)
	vanished(t, s, f.joe, id, 0, []store.UIDRange{{First: 1, Last: 100}}, all...)
	vanished(t, s, f.joe, id, 0, []store.UIDRange{{First: 7, Last: 9}, {First: 3, Last: 1}},
		store.UIDRange{First: 2, Last: 3}, store.UIDRange{First: 7, Last: 8})
	vanished(t, s, f.joe, id, m2, []store.UIDRange{{First: 1, Last: 4}, {First: 6, Last: 6}}, store.UIDRange{First: 6, Last: 6})
	vanished(t, s, f.joe, id, 0, []store.UIDRange{{First: 1, Last: 1}, {First: 4, Last: 4}})
	vanished(t, s, f.joe, id, 0, []store.UIDRange{})

	// Rights: r is needed, as for reading the mailbox.
	_, err = s.Vanished(ctx, f.ann, id, 0, nil)
	wantKind(t, err, store.KindNotFound, "vanished without rights")
	must(t, s.SetACL(ctx, f.joe, f.joeInbox, "ann", "l"))
	_, err = s.Vanished(ctx, f.ann, id, 0, nil)
	wantKind(t, err, store.KindNoPerm, "vanished with l alone")
	must(t, s.SetACL(ctx, f.joe, f.joeInbox, "ann", "lr"))
	vanished(t, s, f.ann, id, m4, nil, store.UIDRange{First: 8, Last: 8})

	// A rename keeps them, with the UIDVALIDITY; a deletion takes them.
	appendMsg(t, s, f.joe, arch, message(20, 100)) // UID 3 of Archive
	_, err = s.Expunge(ctx, f.joe, ai.ID, []uint32{1, 3}, store.ExpungeOptions{})
	must(t, err)
	old := path(t, "foo.com/users/joe/Old")
	must(t, s.RenameMailbox(ctx, f.joe, arch, old))
	if st := status(t, s, f.joe, old); st.ID != ai.ID || st.UIDValidity != ai.UIDValidity {
		t.Errorf("renamed mailbox %+v, was %+v", st, ai)
	}
	vanished(t, s, f.joe, ai.ID, 0, nil, store.UIDRange{First: 1, Last: 1}, store.UIDRange{First: 3, Last: 3})
	must(t, s.DeleteMailbox(ctx, f.joe, old))
	_, err = s.Vanished(ctx, f.joe, ai.ID, 0, nil)
	wantKind(t, err, store.KindNotFound, "vanished of a deleted mailbox")
	again, err := s.CreateMailbox(ctx, f.joe, old, store.CreateOptions{})
	must(t, err)
	if again.UIDValidity == ai.UIDValidity {
		t.Errorf("re-created mailbox kept UIDVALIDITY %d", ai.UIDValidity)
	}
	vanished(t, s, f.joe, again.ID, 0, nil)

	// The event of an expunge carries the tombstones' modseq.
	w := s.Watch(id)
	defer w.Close()
	_, err = s.Expunge(ctx, f.joe, id, []uint32{4}, store.ExpungeOptions{})
	must(t, err)
	ev := waitEvents(t, w, 1)[0]
	if ev.Kind != store.EventExpunge || ev.ModSeq != highest(f.joeInbox) {
		t.Errorf("expunge event %+v", ev)
	}
	vanished(t, s, f.joe, id, ev.ModSeq-1, nil, store.UIDRange{First: 4, Last: 4})
}

// VanishedReconstruct: reconstruct leaves a tombstone for an index entry
// whose file is gone, and takes back the tombstone of a file it adopts
// again (an expunge a crash undid); the others stay.
func VanishedReconstruct(t *testing.T, open Opener) {
	f := setup(t, open)
	s := f.s
	id := f.joeInboxI.ID
	for i := 0; i < 5; i++ {
		appendMsg(t, s, f.joe, f.joeInbox, message(i, 100))
	}
	p1, p2 := s.BlobPath(id, 1), s.BlobPath(id, 2)
	if p1 == "" {
		t.Skip("this backend keeps no message files")
	}
	body2, err := os.ReadFile(p2)
	must(t, err)
	fi2, err := os.Stat(p2)
	must(t, err)
	_, err = s.Expunge(ctx, f.joe, id, []uint32{2, 3}, store.ExpungeOptions{})
	must(t, err)
	before := status(t, s, f.joe, f.joeInbox).HighestModSeq
	// UID 1 loses its file; UID 2's file comes back, as after a crash
	// between the expunge's commit and the removal of its file.
	must(t, os.Remove(p1))
	must(t, os.WriteFile(p2, body2, 0o640))
	must(t, os.Chtimes(p2, time.Now(), fi2.ModTime()))

	rep, err := s.Reconstruct(ctx, sys, f.joeInbox)
	must(t, err)
	if rep.Dropped != 1 || rep.Adopted != 1 {
		t.Errorf("report %+v", rep)
	}
	vanished(t, s, f.joe, id, 0, nil, store.UIDRange{First: 1, Last: 1}, store.UIDRange{First: 3, Last: 3})
	// The dropped entry left at a modseq the client has not seen.
	vanished(t, s, f.joe, id, before, nil, store.UIDRange{First: 1, Last: 1})
	if b := readMsg(t, s, f.joe, id, 2); !bytes.Equal(b, body2) {
		t.Errorf("adopted message differs")
	}
}

// vanished checks what s.Vanished answers c.
func vanished(t testing.TB, s *store.Store, c store.Caller, mbox uint64, since uint64, within []store.UIDRange, want ...store.UIDRange) {
	t.Helper()
	got, err := s.Vanished(ctx, c, mbox, since, within)
	if err != nil {
		t.Fatalf("vanished since %d within %v: %v", since, within, err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("vanished since %d within %v = %v, want %v", since, within, got, want)
	}
}
