package store

import (
	"bytes"
	"context"
	"testing"
)

// A cache entry the parser cannot read (one an older parser wrote) is
// parsed again from the file when asked for, and replaced, so that the
// message is parsed once rather than at every FETCH.
func TestStaleStructureIsReplaced(t *testing.T) {
	s, inbox := testStore(t, true)
	ctx := context.Background()
	res, err := s.Append(ctx, System(), inbox, bytes.NewReader([]byte("Subject: old\r\n\r\nbody\r\n")), AppendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	key := msgKey(res.MailboxID, res.UID)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.write(func(w *wtx) error { return w.tx.Put(bMsgCache, key, []byte{1, 2, 3}) }))
	cached := func() (*Structure, error) {
		var st *Structure
		err := s.meta.View(func(tx metaTx) error {
			var err error
			st, err = decodeStructure(tx.Get(bMsgCache, key))
			return err
		})
		return st, err
	}
	if _, err := cached(); err == nil {
		t.Fatal("the broken entry decodes")
	}
	st, err := s.Structure(ctx, System(), res.MailboxID, res.UID)
	must(err)
	if st.Raw == nil || st.Raw.Subject != "old" {
		t.Fatalf("parsed again: %+v", st.Raw)
	}
	// Requests are applied in order: once this one is done, so is the
	// replacement.
	must(s.write(func(*wtx) error { return nil }))
	st, err = cached()
	if err != nil || st.Raw.Subject != "old" {
		t.Fatalf("the entry was not replaced: %v", err)
	}
}
