package storetest

import (
	"bytes"
	"slices"
	"sync"
	"testing"

	"mstore/store"
)

func i64(v int64) *int64 { return &v }

// Quota: a user root counts every mailbox of the user; a write past it is
// refused whole; expunge gives room back; a nested root takes its
// mailboxes out of the enclosing one.
func Quota(t *testing.T, open Opener) {
	f := setup(t, open)
	s := f.s
	appendMsg(t, s, f.joe, f.joeInbox, message(0, 3000))
	must(t, s.SetQuota(ctx, sys, "foo.com/users/joe", i64(10), i64(3)))
	q, err := s.Quota(ctx, sys, "foo.com/users/joe")
	must(t, err)
	if q.MessagesUsed != 1 || q.UsedBytes < 3000 || q.StorageUsed != (q.UsedBytes+1023)/1024 {
		t.Errorf("usage counted at set: %+v", q)
	}
	work := path(t, "foo.com/users/joe/work")
	_, err = s.CreateMailbox(ctx, f.joe, work, store.CreateOptions{})
	must(t, err)
	appendMsg(t, s, f.joe, work, message(1, 3000))
	_, err = s.Append(ctx, f.joe, work, bytes.NewReader(message(2, 6000)), store.AppendOptions{})
	wantKind(t, err, store.KindOverQuota, "append past STORAGE")
	roots, err := s.QuotaRootsOf(ctx, f.joe, work)
	must(t, err)
	if len(roots) != 1 || roots[0].Root != "foo.com/users/joe" || roots[0].MessagesUsed != 2 {
		t.Errorf("roots of work %+v", roots)
	}
	appendMsg(t, s, f.joe, work, message(3, 100))
	_, err = s.Append(ctx, f.joe, work, bytes.NewReader(message(4, 100)), store.AppendOptions{})
	wantKind(t, err, store.KindOverQuota, "append past MESSAGE")
	var oq *store.OverQuotaError
	if !asOverQuota(err, &oq) || oq.Resource != store.ResourceMessage || oq.Root != "foo.com/users/joe" {
		t.Errorf("over-quota error %v does not say MESSAGE of foo.com/users/joe", err)
	}
	// A copy that would pass the limit is refused whole.
	_, err = s.Copy(ctx, f.joe, f.joeInboxI.ID, []uint32{1}, work)
	wantKind(t, err, store.KindOverQuota, "copy past quota")
	if st := status(t, s, f.joe, work); st.Messages != 2 {
		t.Errorf("refused copy stored something: %d", st.Messages)
	}
	// A move within the root needs no room.
	_, err = s.Move(ctx, f.joe, f.joeInboxI.ID, []uint32{1}, work)
	must(t, err)
	// Expunge gives room back.
	winfo := status(t, s, f.joe, work)
	_, err = s.Expunge(ctx, f.joe, winfo.ID, []uint32{1, 2}, store.ExpungeOptions{})
	must(t, err)
	q, _ = s.Quota(ctx, sys, "foo.com/users/joe")
	if q.MessagesUsed != 1 {
		t.Errorf("usage after expunge %+v", q)
	}
	// A nested root takes its mailbox out of joe's.
	must(t, s.SetQuota(ctx, sys, "foo.com/users/joe/work", nil, i64(100)))
	q, _ = s.Quota(ctx, sys, "foo.com/users/joe")
	if q.MessagesUsed != 0 {
		t.Errorf("joe's root still counts work: %+v", q)
	}
	qs, err := s.Quotas(ctx, sys)
	must(t, err)
	if len(qs) != 2 {
		t.Errorf("quota list %+v", qs)
	}
	// Removing a root gives its mailboxes back to the enclosing one.
	must(t, s.SetQuota(ctx, sys, "foo.com/users/joe/work", nil, nil))
	q, _ = s.Quota(ctx, sys, "foo.com/users/joe")
	if q.MessagesUsed != 1 {
		t.Errorf("after removing the nested root %+v", q)
	}
	// Users cannot set quotas; they can read their own.
	wantKind(t, s.SetQuota(ctx, f.joe, "foo.com/users/joe", nil, i64(1000)), store.KindNoPerm, "user setting quota")
	if _, err := s.Quota(ctx, f.joe, "foo.com/users/joe"); err != nil {
		t.Errorf("joe reading his quota: %v", err)
	}
	_, err = s.Quota(ctx, f.ann, "foo.com/users/joe")
	wantKind(t, err, store.KindNotFound, "ann reading joe's quota")
}

func asOverQuota(err error, target **store.OverQuotaError) bool {
	for err != nil {
		if oq, ok := err.(*store.OverQuotaError); ok {
			*target = oq
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

// DomainQuota: a domain's root counts every mailbox of the domain, in
// addition to each mailbox's own root.
func DomainQuota(t *testing.T, open Opener) {
	f := setup(t, open)
	s := f.s
	must(t, s.SetQuota(ctx, sys, "foo.com", nil, i64(2)))
	must(t, s.SetQuota(ctx, sys, "foo.com/users/joe", nil, i64(10)))
	appendMsg(t, s, f.joe, f.joeInbox, message(1, 100))
	appendMsg(t, s, f.ann, f.annInbox, message(2, 100))
	_, err := s.Append(ctx, f.joe, f.joeInbox, bytes.NewReader(message(3, 100)), store.AppendOptions{})
	wantKind(t, err, store.KindOverQuota, "append past the domain quota")
	roots, err := s.QuotaRootsOf(ctx, f.joe, f.joeInbox)
	must(t, err)
	var names []string
	for _, r := range roots {
		names = append(names, r.Root)
	}
	if !slices.Equal(names, []string{"foo.com/users/joe", "foo.com"}) {
		t.Errorf("roots %v", names)
	}
	// Another domain is not affected.
	appendMsg(t, s, f.zed, f.zedInbox, message(4, 100))
}

// QuotaConcurrent: 64 writers append 2,000 messages under a limit that
// allows 1,500: exactly 1,500 are stored, usage is the sum of their sizes,
// UIDs are unique and increasing, and tmp/ is empty.
func QuotaConcurrent(t *testing.T, open Opener) {
	f := setup(t, open)
	s := f.s
	must(t, s.SetQuota(ctx, sys, "foo.com/users/joe", nil, i64(1500)))
	const writers, total = 64, 2000
	var wg sync.WaitGroup
	var mu sync.Mutex
	var ok, over int
	var uids []uint32
	next := make(chan int, total)
	for i := 0; i < total; i++ {
		next <- i
	}
	close(next)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				res, err := s.Append(ctx, f.joe, f.joeInbox, bytes.NewReader(message(i, 512+i%300)), store.AppendOptions{})
				mu.Lock()
				switch {
				case err == nil:
					ok++
					uids = append(uids, res.UID)
				case store.KindOf(err) == store.KindOverQuota:
					over++
				default:
					t.Errorf("append %d: %v", i, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok != 1500 || over != 500 {
		t.Fatalf("stored %d, refused %d; want 1500 and 500", ok, over)
	}
	stored, _, err := s.UIDs(ctx, f.joe, f.joeInboxI.ID)
	must(t, err)
	if len(stored) != 1500 {
		t.Fatalf("index holds %d messages", len(stored))
	}
	for i := 1; i < len(stored); i++ {
		if stored[i] <= stored[i-1] {
			t.Fatalf("UIDs not increasing at %d: %d then %d", i, stored[i-1], stored[i])
		}
	}
	slices.Sort(uids)
	if !slices.Equal(uids, stored) {
		t.Errorf("acknowledged UIDs differ from the index")
	}
	var sum int64
	err = s.Messages(ctx, f.joe, f.joeInboxI.ID, 1, func(m store.Message) bool {
		sum += m.Size
		return true
	})
	must(t, err)
	q, err := s.Quota(ctx, sys, "foo.com/users/joe")
	must(t, err)
	if q.UsedBytes != sum || q.MessagesUsed != 1500 {
		t.Errorf("usage %d bytes %d messages, want %d and 1500", q.UsedBytes, q.MessagesUsed, sum)
	}
	if st := status(t, s, f.joe, f.joeInbox); int64(st.Size) != sum || st.Messages != 1500 {
		t.Errorf("mailbox counters %+v", st)
	}
	if n := countFiles(t, f.dir+"/tmp"); n != 0 {
		t.Errorf("%d files left in tmp/", n)
	}
}
