package storetest

import (
	"strings"
	"testing"

	"mstore/store"
)

// Leaks: a caller learns nothing of mailboxes, users, domains or quota
// roots they may not see — every probe answers as if the thing were
// missing — and another reader's own \Seen reaches watchers marked as
// theirs.
func Leaks(t *testing.T, open Opener) {
	f := setup(t, open)
	s := f.s
	secret := path(t, "foo.com/users/joe/secret")
	_, err := s.CreateMailbox(ctx, f.joe, secret, store.CreateOptions{})
	must(t, err)
	for _, rights := range []string{"s", "w", "t", "e", "p"} {
		must(t, s.SetACL(ctx, sys, secret, "ann", rights))
		_, err := s.MyRights(ctx, f.ann, secret)
		wantKind(t, err, store.KindNotFound, "MyRights with only "+rights)
	}
	must(t, s.DeleteACL(ctx, sys, secret, "ann"))
	for _, c := range []store.Caller{f.ann, f.zed} {
		kind := func(name string) store.Kind {
			_, err := s.CreateMailbox(ctx, c, store.MailboxName{Domain: "foo.com", Name: name}, store.CreateOptions{})
			return store.KindOf(err)
		}
		pairs := [][2]string{
			{"user/joe/secret/child", "user/joe/missing/child"},
			{"user/joe/secret", "user/joe/missing"},
			{"user/nobody/x", "user/joe/missing"},
		}
		for _, p := range pairs {
			if a, b := kind(p[0]), kind(p[1]); a != b || a != store.KindNoPerm {
				t.Errorf("%s: create %s: %v, create %s: %v; want no permission for both", c, p[0], a, p[1], b)
			}
		}
		_, err := s.CreateMailbox(ctx, c, store.MailboxName{Domain: "nowhere.com", Name: "shared/x"}, store.CreateOptions{})
		wantKind(t, err, store.KindNoPerm, "create in a domain that does not exist")
	}
	src := path(t, "foo.com/users/ann/src")
	_, err = s.CreateMailbox(ctx, f.ann, src, store.CreateOptions{})
	must(t, err)
	a := s.RenameMailbox(ctx, f.ann, src, path(t, "foo.com/users/joe/secret/x"))
	b := s.RenameMailbox(ctx, f.ann, src, path(t, "foo.com/users/joe/missing/x"))
	if store.KindOf(a) != store.KindOf(b) {
		t.Errorf("rename under an invisible parent: %v, under a missing one: %v", a, b)
	}
	must(t, s.SetQuota(ctx, sys, "foo.com/users/joe", i64(100), nil))
	_, e1 := s.Quota(ctx, f.zed, "foo.com/users/joe")
	_, e2 := s.Quota(ctx, f.zed, "foo.com/users/nobody")
	if store.KindOf(e1) != store.KindNotFound || store.KindOf(e2) != store.KindNotFound {
		t.Errorf("zed probing quota roots: %v, %v; want not found for both", e1, e2)
	}
	// A reader's own \Seen is published for that reader alone.
	news := path(t, "foo.com/shared/news")
	info, err := s.CreateMailbox(ctx, sys, news, store.CreateOptions{})
	must(t, err)
	must(t, s.SetACL(ctx, sys, news, "anyone", "lrsw"))
	_, err = s.Append(ctx, sys, news, strings.NewReader("Subject: x\r\n\r\nx\r\n"), store.AppendOptions{})
	must(t, err)
	w := s.Watch(info.ID)
	defer w.Close()
	_, _, err = s.StoreFlags(ctx, f.ann, info.ID, []uint32{1}, store.FlagsAdd, []string{store.FlagSeen}, 0)
	must(t, err)
	_, _, err = s.StoreFlags(ctx, f.ann, info.ID, []uint32{1}, store.FlagsAdd, []string{store.FlagFlagged}, 0)
	must(t, err)
	ev := waitEvents(t, w, 2)
	if ev[0].User != f.ann.UserID() || ev[1].User != 0 {
		t.Errorf("private \\Seen then shared \\Flagged: events for users %d and %d, want %d and 0", ev[0].User, ev[1].User, f.ann.UserID())
	}
}
