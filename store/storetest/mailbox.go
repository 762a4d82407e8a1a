package storetest

import (
	"slices"
	"testing"

	"mstore/store"
)

// Mailboxes: create (with missing parents and special use), list by
// prefix and pattern, status, subscriptions, delete.
func Mailboxes(t *testing.T, open Opener) {
	f := setup(t, open)
	s := f.s
	deep := path(t, "foo.com/users/joe/sentmail/2000")
	info, err := s.CreateMailbox(ctx, f.joe, deep, store.CreateOptions{SpecialUse: store.UseSent})
	must(t, err)
	if info.Path != "foo.com/users/joe/sentmail/2000" || info.UIDNext != 1 || info.UIDValidity == 0 || info.Partition == "" {
		t.Errorf("created %+v", info)
	}
	if !slices.Equal(info.SpecialUse, []string{`\Sent`}) {
		t.Errorf("special use = %v", info.SpecialUse)
	}
	parent := status(t, s, f.joe, path(t, "foo.com/users/joe/sentmail"))
	if len(parent.SpecialUse) != 0 || parent.UIDValidity == info.UIDValidity {
		t.Errorf("parent made on the way: %+v (uidvalidity must differ from the child's)", parent)
	}
	_, err = s.CreateMailbox(ctx, f.joe, deep, store.CreateOptions{})
	wantKind(t, err, store.KindExists, "create twice")
	// INBOX is case-insensitive.
	_, err = s.CreateMailbox(ctx, f.joe, path(t, "foo.com/users/joe/inbox"), store.CreateOptions{})
	wantKind(t, err, store.KindExists, "create inbox in another case")
	// Another user may not create in joe's tree; an admin may.
	_, err = s.CreateMailbox(ctx, f.ann, path(t, "foo.com/users/joe/intruder"), store.CreateOptions{})
	wantKind(t, err, store.KindNoPerm, "ann creating in joe's tree")
	_, err = s.CreateMailbox(ctx, f.ann, path(t, "foo.com/shared/staff"), store.CreateOptions{})
	wantKind(t, err, store.KindNoPerm, "user creating a shared folder")
	_, err = s.CreateMailbox(ctx, sys, path(t, "foo.com/shared/staff"), store.CreateOptions{})
	must(t, err)

	all, err := s.ListMailboxes(ctx, f.joe, store.ListQuery{Domain: "foo.com", Prefix: "user/joe"})
	must(t, err)
	var names []string
	for _, m := range all {
		names = append(names, m.Name.Name)
	}
	if want := []string{"user/joe/INBOX", "user/joe/sentmail", "user/joe/sentmail/2000"}; !slices.Equal(names, want) {
		t.Errorf("joe's mailboxes = %v, want %v", names, want)
	}
	pat, err := s.ListMailboxes(ctx, sys, store.ListQuery{Domain: "foo.com", Pattern: "user/%/INBOX"})
	must(t, err)
	if len(pat) != 2 {
		t.Errorf("pattern user/%%/INBOX found %d", len(pat))
	}
	// ann sees none of joe's mailboxes, nor the shared folder without rights.
	annView, err := s.ListMailboxes(ctx, f.ann, store.ListQuery{Domain: "foo.com"})
	must(t, err)
	for _, m := range annView {
		if m.Name.Name != "user/ann/INBOX" {
			t.Errorf("ann sees %s", m.Path)
		}
	}
	_, err = s.Mailbox(ctx, f.ann, deep)
	wantKind(t, err, store.KindNotFound, "status of a mailbox without l or r")

	// Subscriptions, including to names that do not exist yet.
	must(t, s.Subscribe(ctx, f.joe, deep))
	must(t, s.Subscribe(ctx, f.joe, path(t, "foo.com/users/joe/later")))
	subs, err := s.Subscriptions(ctx, f.joe)
	must(t, err)
	if len(subs) != 2 {
		t.Errorf("subscriptions = %v", subs)
	}
	must(t, s.Unsubscribe(ctx, f.joe, path(t, "foo.com/users/joe/later")))
	wantKind(t, s.Unsubscribe(ctx, f.joe, path(t, "foo.com/users/joe/later")), store.KindNotFound, "unsubscribe twice")

	// Delete: right x; INBOX cannot go; children stay.
	wantKind(t, s.DeleteMailbox(ctx, f.joe, f.joeInbox), store.KindNotPossible, "delete INBOX")
	wantKind(t, s.DeleteMailbox(ctx, f.ann, deep), store.KindNotFound, "ann deleting joe's mailbox")
	appendMsg(t, s, f.joe, path(t, "foo.com/users/joe/sentmail"), message(1, 300))
	must(t, s.DeleteMailbox(ctx, f.joe, path(t, "foo.com/users/joe/sentmail")))
	if st := status(t, s, f.joe, deep); st.UIDValidity != info.UIDValidity {
		t.Errorf("child changed by its parent's delete: %+v", st)
	}
	// A re-created mailbox gets a new UIDVALIDITY.
	again, err := s.CreateMailbox(ctx, f.joe, path(t, "foo.com/users/joe/sentmail"), store.CreateOptions{})
	must(t, err)
	if again.UIDValidity == parent.UIDValidity || again.ID == parent.ID {
		t.Errorf("re-created mailbox reuses uidvalidity %d or id %d", again.UIDValidity, again.ID)
	}
}

// RenameHierarchy: a rename moves children, keeps ids and UIDVALIDITY,
// moves subscriptions, and renaming INBOX leaves an empty INBOX.
func RenameHierarchy(t *testing.T, open Opener) {
	f := setup(t, open)
	s := f.s
	a := path(t, "foo.com/users/joe/a")
	ab := path(t, "foo.com/users/joe/a/b")
	_, err := s.CreateMailbox(ctx, f.joe, ab, store.CreateOptions{})
	must(t, err)
	before := status(t, s, f.joe, ab)
	body := message(1, 2000)
	res := appendMsg(t, s, f.joe, ab, body)
	must(t, s.Subscribe(ctx, f.joe, ab))
	must(t, s.RenameMailbox(ctx, f.joe, a, path(t, "foo.com/users/joe/z")))
	_, err = s.Mailbox(ctx, f.joe, ab)
	wantKind(t, err, store.KindNotFound, "old child name")
	moved := status(t, s, f.joe, path(t, "foo.com/users/joe/z/b"))
	if moved.ID != before.ID || moved.UIDValidity != before.UIDValidity || moved.Messages != 1 {
		t.Errorf("moved child %+v, before %+v", moved, before)
	}
	if got := readMsg(t, s, f.joe, moved.ID, res.UID); string(got) != string(body) {
		t.Errorf("message changed by rename")
	}
	subs, _ := s.Subscriptions(ctx, f.joe)
	if len(subs) != 1 || subs[0].Name != "user/joe/z/b" {
		t.Errorf("subscriptions after rename = %v", subs)
	}
	wantKind(t, s.RenameMailbox(ctx, f.joe, path(t, "foo.com/users/joe/z"), path(t, "foo.com/users/joe/z/b/c")), store.KindNotPossible, "rename into itself")
	wantKind(t, s.RenameMailbox(ctx, f.ann, path(t, "foo.com/users/joe/z"), path(t, "foo.com/users/ann/z")), store.KindNotFound, "ann renaming joe's")

	// INBOX: messages go to the new name; INBOX stays, empty.
	r := appendMsg(t, s, f.joe, f.joeInbox, body)
	must(t, s.RenameMailbox(ctx, f.joe, f.joeInbox, path(t, "foo.com/users/joe/old-inbox")))
	old := status(t, s, f.joe, path(t, "foo.com/users/joe/old-inbox"))
	inbox := status(t, s, f.joe, f.joeInbox)
	if old.Messages != 1 || old.UIDValidity != f.joeInboxI.UIDValidity || inbox.Messages != 0 || inbox.ID == old.ID {
		t.Errorf("INBOX rename: old %+v, INBOX %+v", old, inbox)
	}
	if got := readMsg(t, s, f.joe, old.ID, r.UID); string(got) != string(body) {
		t.Errorf("message lost in INBOX rename")
	}
}
