package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"slices"
	"strings"
	"testing"
)

func TestUIDRanges(t *testing.T) {
	for _, c := range []struct {
		in, want []UIDRange
	}{
		{nil, []UIDRange{}},
		{[]UIDRange{{5, 5}}, []UIDRange{{5, 5}}},
		{[]UIDRange{{9, 7}, {1, 2}}, []UIDRange{{1, 2}, {7, 9}}},
		{[]UIDRange{{1, 3}, {4, 6}, {10, 12}, {11, 20}}, []UIDRange{{1, 6}, {10, 20}}},
		{[]UIDRange{{0, 0}, {0, 4}}, []UIDRange{{1, 4}}},
		{[]UIDRange{{1, 1<<32 - 1}, {5, 9}}, []UIDRange{{1, 1<<32 - 1}}},
	} {
		got := normalizeRanges(c.in)
		if !slices.Equal(got, c.want) {
			t.Errorf("normalizeRanges(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	rs := []UIDRange{{2, 4}, {8, 8}, {10, 1<<32 - 1}}
	for u, want := range map[uint32]bool{1: false, 2: true, 4: true, 5: false, 8: true, 9: false, 10: true, 1<<32 - 1: true} {
		if inRanges(rs, u) != want {
			t.Errorf("inRanges(%v, %d) = %v", rs, u, !want)
		}
	}
	if got := RangesOf([]uint32{1, 2, 3, 5, 7, 8}); !slices.Equal(got, []UIDRange{{1, 3}, {5, 5}, {7, 8}}) {
		t.Errorf("RangesOf = %v", got)
	}
	if RangesOf(nil) == nil {
		t.Error("RangesOf(nil) is nil, which Vanished reads as every UID")
	}
}

// A mailbox record written before tombstones reads with its floor at its
// HIGHESTMODSEQ, and keeps that floor once written again.
func TestMailboxRecordVersion1(t *testing.T) {
	mb := &mailboxRec{ID: 7, Domain: "foo.com", Name: "user/joe/INBOX", UIDValidity: 9, UIDNext: 30,
		HighestModSeq: 123, Keywords: []string{"a"}, Messages: 4, Created: 5}
	got, err := decodeMailbox(mb.encode())
	if err != nil || got.VanishedFloor != 0 || got.HighestModSeq != 123 || got.Name != mb.Name {
		t.Fatalf("round trip %+v, %v", got, err)
	}
	old := encodeVersion1(mb)
	got, err = decodeMailbox(old)
	if err != nil || got.VanishedFloor != 123 || got.UIDNext != 30 || got.Created != 5 {
		t.Fatalf("version 1 read as %+v, %v", got, err)
	}
	got.HighestModSeq++
	again, err := decodeMailbox(got.encode())
	if err != nil || again.VanishedFloor != 123 || again.HighestModSeq != 124 {
		t.Fatalf("version 1 written again reads as %+v, %v", again, err)
	}
}

// encodeVersion1 writes a mailbox record as stores before tombstones did:
// version 1, without the floor that ends version 2.
func encodeVersion1(mb *mailboxRec) []byte {
	b := mb.encode()
	b[0] = 1
	return b[:len(b)-len(binary.AppendUvarint(nil, mb.VanishedFloor))]
}

// A mailbox from before tombstones answers a question about an older
// modseq with every UID below UIDNEXT that no message holds, and exactly
// from the first expunge on.
func TestVanishedBeforeTombstones(t *testing.T) {
	s, inbox := testStore(t, true)
	ctx := context.Background()
	c := System()
	var id uint64
	for i := 0; i < 10; i++ {
		res, err := s.Append(ctx, c, inbox, strings.NewReader("Subject: x\r\n\r\nbody\r\n"), AppendOptions{})
		if err != nil {
			t.Fatal(err)
		}
		id = res.MailboxID
	}
	// Expunges made while the store kept no tombstones: the record goes
	// back to version 1 and their tombstones are forgotten.
	if _, err := s.Expunge(ctx, c, id, []uint32{2, 3, 10}, ExpungeOptions{}); err != nil {
		t.Fatal(err)
	}
	var floor uint64
	err := s.meta.Update(func(tx metaTx) error {
		mb, err := getMailbox(tx, id)
		if err != nil {
			return err
		}
		mb.VanishedFloor = 0
		floor = mb.HighestModSeq
		if err := tx.Put(bMailboxes, be64(id), encodeVersion1(mb)); err != nil {
			return err
		}
		return deletePrefix(tx, bVanished, be64(id))
	})
	if err != nil {
		t.Fatal(err)
	}
	check := func(since uint64, within []UIDRange, want ...UIDRange) {
		t.Helper()
		got, err := s.Vanished(ctx, c, id, since, within)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("vanished since %d within %v = %v, %v; want %v", since, within, got, err, want)
		}
	}
	check(0, nil, UIDRange{2, 3}, UIDRange{10, 10})
	check(floor-1, []UIDRange{{3, 20}}, UIDRange{3, 3}, UIDRange{10, 10})
	check(floor-1, []UIDRange{{4, 9}})
	check(floor, nil) // nothing happened after the floor

	// After the first expunge under tombstones, a recent modseq is
	// answered exactly, and an old one still by the gaps.
	if _, err := s.Expunge(ctx, c, id, []uint32{5}, ExpungeOptions{}); err != nil {
		t.Fatal(err)
	}
	check(floor, nil, UIDRange{5, 5})
	check(0, []UIDRange{{1, 6}}, UIDRange{2, 3}, UIDRange{5, 5})
	check(floor-1, nil, UIDRange{2, 3}, UIDRange{5, 5}, UIDRange{10, 10})
}

// Deleting a mailbox removes its tombstones from the database.
func TestDeleteMailboxDropsTombstones(t *testing.T) {
	s, inbox := testStore(t, true)
	ctx := context.Background()
	c := System()
	box := MailboxName{Domain: "foo.com", Name: "user/joe/Box"}
	info, err := s.CreateMailbox(ctx, c, box, CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []MailboxName{inbox, box, box} {
		if _, err := s.Append(ctx, c, n, strings.NewReader("Subject: x\r\n\r\nbody\r\n"), AppendOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	inboxInfo, _ := s.Mailbox(ctx, c, inbox)
	for _, id := range []uint64{inboxInfo.ID, info.ID} {
		if _, err := s.Expunge(ctx, c, id, []uint32{1}, ExpungeOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	count := func(id uint64) (n int) {
		s.meta.View(func(tx metaTx) error {
			tx.Scan(bVanished, be64(id), nil, func(k, _ []byte) bool {
				if !bytes.HasPrefix(k, be64(id)) || len(k) != 20 {
					t.Errorf("tombstone key %x", k)
				}
				n++
				return true
			})
			return nil
		})
		return n
	}
	if count(info.ID) != 1 || count(inboxInfo.ID) != 1 {
		t.Fatalf("tombstones before: box %d, inbox %d", count(info.ID), count(inboxInfo.ID))
	}
	if err := s.DeleteMailbox(ctx, c, box); err != nil {
		t.Fatal(err)
	}
	if count(info.ID) != 0 || count(inboxInfo.ID) != 1 {
		t.Errorf("tombstones after: box %d, inbox %d", count(info.ID), count(inboxInfo.ID))
	}
}
