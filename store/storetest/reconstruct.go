package storetest

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"mstore/store"
)

// Reconstruct: after a mailbox's index is lost, every message comes back
// with its UID, internal date, size and bytes; counters and quota usage are
// recounted; new appends continue above the old UIDs.
func Reconstruct(t *testing.T, open Opener) {
	if loseIndex == nil {
		t.Skip("no way to damage this backend's index")
	}
	dir := t.TempDir()
	s := open(t, dir)
	must(t, s.AddDomain(ctx, sys, "foo.com"))
	_, err := s.AddUser(ctx, sys, "joe@foo.com", store.UserOptions{})
	must(t, err)
	inbox := path(t, "foo.com/users/joe/INBOX")
	must(t, s.SetQuota(ctx, sys, "foo.com/users/joe", nil, i64(1000)))
	type kept struct {
		body []byte
		date time.Time
	}
	want := map[uint32]kept{}
	var id uint64
	for i := 0; i < 20; i++ {
		date := time.Date(2019, 1, 1+i, 12, 0, 0, 0, time.UTC)
		body := message(i, 300+50*i)
		res, err := s.Append(ctx, sys, inbox, bytes.NewReader(body), store.AppendOptions{Date: date})
		must(t, err)
		want[res.UID] = kept{body, date}
		id = res.MailboxID
	}
	// Expunge a few, so UIDs have gaps and the highest one is gone.
	_, err = s.Expunge(ctx, sys, id, []uint32{3, 7, 20}, store.ExpungeOptions{})
	must(t, err)
	for _, u := range []uint32{3, 7, 20} {
		delete(want, u)
	}
	before := status(t, s, sys, inbox)
	must(t, s.Close())

	loseIndex(t, dir, id)
	s = open(t, dir)
	defer s.Close()
	if st := status(t, s, sys, inbox); st.Messages != 0 {
		// The counters are in the mailbox record, which survived; the
		// index entries are gone, so the mailbox lists no UIDs.
		uids, _, _ := s.UIDs(ctx, sys, id)
		if len(uids) != 0 {
			t.Fatalf("index not lost: %d UIDs", len(uids))
		}
	}
	rep, err := s.Reconstruct(ctx, sys, inbox)
	must(t, err)
	if rep.Adopted != len(want) || rep.Kept != 0 || rep.Dropped != 0 {
		t.Errorf("report %+v, want %d adopted", rep, len(want))
	}
	uids, _, err := s.UIDs(ctx, sys, id)
	must(t, err)
	var wantUIDs []uint32
	for u := range want {
		wantUIDs = append(wantUIDs, u)
	}
	slices.Sort(wantUIDs)
	if !slices.Equal(uids, wantUIDs) {
		t.Fatalf("uids after reconstruct %v, want %v", uids, wantUIDs)
	}
	var sum int64
	for _, u := range uids {
		m, err := s.Message(ctx, sys, id, u)
		must(t, err)
		if !m.InternalDate.Equal(want[u].date) {
			t.Errorf("uid %d date %v, want %v", u, m.InternalDate, want[u].date)
		}
		if got := readMsg(t, s, sys, id, u); !bytes.Equal(got, want[u].body) {
			t.Errorf("uid %d bytes differ", u)
		}
		st, err := s.Structure(ctx, sys, id, u)
		must(t, err)
		if st.Envelope.Subject == "" {
			t.Errorf("uid %d lost its envelope", u)
		}
		sum += m.Size
	}
	after := status(t, s, sys, inbox)
	if after.Messages != before.Messages || after.Size != before.Size || after.UIDValidity != before.UIDValidity || after.UIDNext < before.UIDNext-1 {
		t.Errorf("status after reconstruct %+v, before %+v", after, before)
	}
	q, err := s.Quota(ctx, sys, "foo.com/users/joe")
	must(t, err)
	if q.UsedBytes != sum || q.MessagesUsed != int64(len(want)) {
		t.Errorf("quota usage %+v, want %d bytes %d messages", q, sum, len(want))
	}
	res := appendMsg(t, s, sys, inbox, message(99, 100))
	if res.UID <= wantUIDs[len(wantUIDs)-1] {
		t.Errorf("new UID %d not above the reconstructed ones", res.UID)
	}
	// A second run changes nothing.
	rep, err = s.Reconstruct(ctx, sys, inbox)
	must(t, err)
	if rep.Adopted != 0 || rep.Dropped != 0 || rep.Kept != len(want)+1 {
		t.Errorf("second reconstruct %+v", rep)
	}
}
