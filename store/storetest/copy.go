package storetest

import (
	"os"
	"slices"
	"testing"

	"mstore/store"
)

// ExpungeCopyMove: expunge removes only \Deleted for IMAP and anything for
// an unlink; copy keeps bytes, flags and dates and shares the body; move
// leaves nothing behind.
func ExpungeCopyMove(t *testing.T, open Opener) {
	f := setup(t, open)
	s := f.s
	id := f.joeInboxI.ID
	var bodies [][]byte
	for i := 0; i < 4; i++ {
		bodies = append(bodies, message(i, 1000+i))
		appendMsg(t, s, f.joe, f.joeInbox, bodies[i], `\Seen`)
	}
	_, _, err := s.StoreFlags(ctx, f.joe, id, []uint32{2}, store.FlagsAdd, []string{`\Deleted`}, 0)
	must(t, err)
	gone, err := s.Expunge(ctx, f.joe, id, []uint32{1, 2}, store.ExpungeOptions{OnlyDeleted: true})
	must(t, err)
	if !slices.Equal(gone, []uint32{2}) {
		t.Errorf("expunged %v, want [2]", gone)
	}
	_, err = s.OpenMessage(ctx, f.joe, id, 2)
	wantKind(t, err, store.KindExpunged, "open expunged")
	if p := s.BlobPath(id, 2); p != "" {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("file of expunged message still there: %v", err)
		}
	}
	gone, err = s.Expunge(ctx, f.joe, id, []uint32{1}, store.ExpungeOptions{})
	must(t, err)
	if !slices.Equal(gone, []uint32{1}) {
		t.Errorf("unconditional expunge %v", gone)
	}

	dst := path(t, "foo.com/users/joe/Archive")
	dinfo, err := s.CreateMailbox(ctx, f.joe, dst, store.CreateOptions{})
	must(t, err)
	src3, _ := s.Message(ctx, f.joe, id, 3)
	cr, err := s.Copy(ctx, f.joe, id, []uint32{3, 4, 99}, dst)
	must(t, err)
	if !slices.Equal(cr.SrcUIDs, []uint32{3, 4}) || !slices.Equal(cr.DstUIDs, []uint32{1, 2}) || cr.UIDValidity != dinfo.UIDValidity {
		t.Errorf("copy result %+v", cr)
	}
	c1, _ := s.Message(ctx, f.joe, dinfo.ID, 1)
	if !c1.InternalDate.Equal(src3.InternalDate) || !slices.Equal(c1.Flags, []string{`\Seen`}) || c1.Size != src3.Size {
		t.Errorf("copy %+v of %+v", c1, src3)
	}
	if got := readMsg(t, s, f.joe, dinfo.ID, 1); string(got) != string(bodies[2]) {
		t.Errorf("copied bytes differ")
	}
	// Within one partition the body is shared, not duplicated.
	if p1, p2 := s.BlobPath(id, 3), s.BlobPath(dinfo.ID, 1); p1 != "" && p2 != "" {
		a, err1 := os.Stat(p1)
		b, err2 := os.Stat(p2)
		if err1 != nil || err2 != nil || !os.SameFile(a, b) {
			t.Errorf("copy is not a hard link: %v %v", err1, err2)
		}
	}

	mr, err := s.Move(ctx, f.joe, id, []uint32{3, 4}, dst)
	must(t, err)
	if !slices.Equal(mr.DstUIDs, []uint32{3, 4}) {
		t.Errorf("move result %+v", mr)
	}
	if st := status(t, s, f.joe, f.joeInbox); st.Messages != 0 || st.Size != 0 {
		t.Errorf("source after move %+v", st)
	}
	if st := status(t, s, f.joe, dst); st.Messages != 4 {
		t.Errorf("destination after move %+v", st)
	}
	if got := readMsg(t, s, f.joe, dinfo.ID, 4); string(got) != string(bodies[3]) {
		t.Errorf("moved bytes differ")
	}
	_, err = s.Move(ctx, f.joe, dinfo.ID, []uint32{1}, dst)
	wantKind(t, err, store.KindNotPossible, "move into the same mailbox")
}

// Rights: every operation checks its RFC 4314 right, negative entries win,
// and a mailbox without l and r looks absent.
func Rights(t *testing.T, open Opener) {
	f := setup(t, open)
	s := f.s
	id := f.joeInboxI.ID
	appendMsg(t, s, f.joe, f.joeInbox, message(1, 100))
	_, err := s.OpenMessage(ctx, f.ann, id, 1)
	wantKind(t, err, store.KindNotFound, "ann reading without rights")
	_, err = s.MyRights(ctx, f.ann, f.joeInbox)
	wantKind(t, err, store.KindNotFound, "ann's rights with none")

	must(t, s.SetACL(ctx, f.joe, f.joeInbox, "ann", "lr"))
	if r, _ := s.MyRights(ctx, f.ann, f.joeInbox); r.String() != "lr" {
		t.Errorf("ann's rights %q", r)
	}
	if got := readMsg(t, s, f.ann, id, 1); len(got) == 0 {
		t.Error("ann cannot read with r")
	}
	_, err = s.Append(ctx, f.ann, f.joeInbox, nil, store.AppendOptions{})
	wantKind(t, err, store.KindNoPerm, "append without i")
	_, _, err = s.StoreFlags(ctx, f.ann, id, []uint32{1}, store.FlagsAdd, []string{`\Flagged`}, 0)
	wantKind(t, err, store.KindNoPerm, "store without s, w or t")
	_, err = s.Expunge(ctx, f.ann, id, []uint32{1}, store.ExpungeOptions{OnlyDeleted: true})
	wantKind(t, err, store.KindNoPerm, "expunge without e")
	wantKind(t, s.SetACL(ctx, f.ann, f.joeInbox, "ann", "lrswipkxtea"), store.KindNoPerm, "ann granting herself")
	_, err = s.GetACL(ctx, f.ann, f.joeInbox)
	wantKind(t, err, store.KindNoPerm, "getacl without a")

	// s lets ann keep \Seen but not \Flagged: the flag she may not set is left.
	must(t, s.SetACL(ctx, f.joe, f.joeInbox, "ann", "+s"))
	ch, _, err := s.StoreFlags(ctx, f.ann, id, []uint32{1}, store.FlagsAdd, []string{`\Seen`, `\Flagged`}, 0)
	must(t, err)
	if len(ch) != 1 || !slices.Equal(ch[0].Flags, []string{`\Seen`}) {
		t.Errorf("ann's store with only s: %+v", ch)
	}
	// anyone and authenticated reach ann; a negative entry takes rights away.
	must(t, s.SetACL(ctx, f.joe, f.joeInbox, "authenticated", "lrsi"))
	must(t, s.SetACL(ctx, f.joe, f.joeInbox, "-ann", "i"))
	if r, _ := s.MyRights(ctx, f.ann, f.joeInbox); r.String() != "lrs" {
		t.Errorf("ann's rights with -ann i: %q", r)
	}
	// ... but not a user of another domain.
	_, err = s.MyRights(ctx, f.zed, f.joeInbox)
	wantKind(t, err, store.KindNotFound, "zed through authenticated")
	must(t, s.SetACL(ctx, f.joe, f.joeInbox, "zed@bar.com", "lr"))
	if r, _ := s.MyRights(ctx, f.zed, f.joeInbox); r.String() != "lr" {
		t.Errorf("zed named explicitly: %q", r)
	}
	acl, err := s.GetACL(ctx, f.joe, f.joeInbox)
	must(t, err)
	var keys []string
	for _, e := range acl {
		keys = append(keys, e.Key()+"="+e.Rights.String())
	}
	want := []string{"-ann@foo.com=i", "ann@foo.com=lrs", "authenticated=lrsi", "joe@foo.com=lrswipkxtea", "zed@bar.com=lr"}
	if !slices.Equal(keys, want) {
		t.Errorf("acl %v, want %v", keys, want)
	}
	must(t, s.DeleteACL(ctx, f.joe, f.joeInbox, "zed@bar.com"))
	wantKind(t, s.DeleteACL(ctx, f.joe, f.joeInbox, "zed@bar.com"), store.KindNotFound, "delete a missing entry")
	// The owner cannot lock themselves out: l and a stay.
	must(t, s.SetACL(ctx, f.joe, f.joeInbox, "joe", ""))
	if r, _ := s.MyRights(ctx, f.joe, f.joeInbox); r.String() != "lrsia" {
		t.Errorf("owner after removing own entry: %q (authenticated lrsi plus implicit la)", r)
	}
	// Groups.
	must(t, s.AddGroupMember(ctx, sys, "foo.com", "staff", "ann@foo.com"))
	must(t, s.SetACL(ctx, sys, f.joeInbox, "group:staff", "w"))
	ann := caller(t, s, "ann@foo.com")
	if r, _ := s.MyRights(ctx, ann, f.joeInbox); r.String() != "lrsw" {
		t.Errorf("ann with group staff: %q", r)
	}
}
