package storetest

import (
	"bytes"
	"slices"
	"testing"

	"mstore/store"
)

// Deliver: addresses resolve through users and logins; plus addresses
// reach a folder only when anyone may post to it; one staged body goes to
// several mailboxes with one result each.
func Deliver(t *testing.T, open Opener) {
	f := setup(t, open)
	s := f.s
	must(t, s.AddAuthID(ctx, sys, "joseph@alias.example", "joe@foo.com", store.Credentials{}))
	lists := path(t, "foo.com/users/joe/lists")
	_, err := s.CreateMailbox(ctx, f.joe, lists, store.CreateOptions{})
	must(t, err)
	private := path(t, "foo.com/users/joe/private")
	_, err = s.CreateMailbox(ctx, f.joe, private, store.CreateOptions{})
	must(t, err)
	must(t, s.SetACL(ctx, f.joe, lists, "anyone", "p"))

	for _, tc := range []struct{ addr, want string }{
		{"joe@foo.com", "user/joe/INBOX"},
		{"<JOE@FOO.COM>", "user/joe/INBOX"},
		{"joseph@alias.example", "user/joe/INBOX"},
		{"joe+lists@foo.com", "user/joe/lists"},
		{"joe+LISTS@foo.com", "user/joe/lists"},
		{"joe+private@foo.com", "user/joe/INBOX"},
		{"joe+nonesuch@foo.com", "user/joe/INBOX"},
	} {
		r, err := s.ResolveRecipient(ctx, tc.addr)
		if err != nil || r.Target.Mailbox.Name != tc.want || r.User != "joe@foo.com" {
			t.Errorf("resolve %s = %+v, %v; want %s", tc.addr, r.Target.Mailbox, err, tc.want)
		}
	}
	_, err = s.ResolveRecipient(ctx, "nobody@foo.com")
	wantKind(t, err, store.KindNotFound, "unknown recipient")
	_, err = s.ResolveRecipient(ctx, "nodomain")
	wantKind(t, err, store.KindInvalid, "address without domain")

	// One body, three targets, one of them over quota.
	must(t, s.SetQuota(ctx, sys, "foo.com/users/ann", nil, i64(0)))
	var targets []store.Target
	for _, a := range []string{"joe@foo.com", "ann@foo.com", "joe+lists@foo.com"} {
		r, err := s.ResolveRecipient(ctx, a)
		must(t, err)
		targets = append(targets, r.Target)
	}
	body := message(7, 4096)
	st, err := s.Stage(ctx, bytes.NewReader(body), store.StageOptions{})
	must(t, err)
	res := st.Commit(ctx, targets)
	must(t, st.Close())
	if res[0].Err != nil || res[2].Err != nil || store.KindOf(res[1].Err) != store.KindOverQuota {
		t.Fatalf("results %+v", res)
	}
	if got := readMsg(t, s, sys, res[0].MailboxID, res[0].UID); !bytes.Equal(got, body) {
		t.Error("delivered bytes differ")
	}
	if got := readMsg(t, s, sys, res[2].MailboxID, res[2].UID); !bytes.Equal(got, body) {
		t.Error("delivered bytes differ in the folder")
	}
	if st := status(t, s, sys, f.annInbox); st.Messages != 0 {
		t.Errorf("over-quota recipient got %d messages", st.Messages)
	}
	// The body is written once: both copies are one file.
	if !sameFile(s.BlobPath(res[0].MailboxID, res[0].UID), s.BlobPath(res[2].MailboxID, res[2].UID)) {
		t.Error("multi-recipient delivery wrote the body twice")
	}
}

// Events: appends, flag changes, expunges and mailbox changes reach the
// watchers of the mailbox and of the whole store, in order.
func Events(t *testing.T, open Opener) {
	f := setup(t, open)
	s := f.s
	id := f.joeInboxI.ID
	one := s.Watch(id)
	defer one.Close()
	all := s.Watch(0)
	defer all.Close()
	appendMsg(t, s, f.joe, f.joeInbox, message(1, 100))
	appendMsg(t, s, f.ann, f.annInbox, message(2, 100))
	_, _, err := s.StoreFlags(ctx, f.joe, id, []uint32{1}, store.FlagsAdd, []string{`\Seen`}, 0)
	must(t, err)
	_, err = s.Expunge(ctx, f.joe, id, []uint32{1}, store.ExpungeOptions{})
	must(t, err)
	work := path(t, "foo.com/users/joe/work")
	_, err = s.CreateMailbox(ctx, f.joe, work, store.CreateOptions{})
	must(t, err)
	must(t, s.RenameMailbox(ctx, f.joe, work, path(t, "foo.com/users/joe/job")))

	got := waitEvents(t, one, 3)
	var kinds []store.EventKind
	for _, e := range got {
		kinds = append(kinds, e.Kind)
		if e.Mailbox != id || !slices.Equal(e.UIDs, []uint32{1}) {
			t.Errorf("event %+v", e)
		}
	}
	if !slices.Equal(kinds, []store.EventKind{store.EventAppend, store.EventFlags, store.EventExpunge}) {
		t.Errorf("mailbox events %v", kinds)
	}
	if got[0].ModSeq >= got[1].ModSeq || got[1].ModSeq >= got[2].ModSeq {
		t.Errorf("modseqs do not increase: %+v", got)
	}
	everything := waitEvents(t, all, 6)
	kinds = nil
	for _, e := range everything {
		kinds = append(kinds, e.Kind)
	}
	want := []store.EventKind{store.EventAppend, store.EventAppend, store.EventFlags, store.EventExpunge, store.EventMailboxCreate, store.EventMailboxRename}
	if !slices.Equal(kinds, want) {
		t.Errorf("store events %v, want %v", kinds, want)
	}
	if r := everything[5]; r.OldName.Name != "user/joe/work" || r.Name.Name != "user/joe/job" {
		t.Errorf("rename event %+v", r)
	}
	if extra := one.Next(); len(extra) != 0 {
		t.Errorf("watcher of INBOX got events of other mailboxes: %+v", extra)
	}
}
