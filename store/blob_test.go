package store

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"
)

// A stored body's modification time is its internal date, to the
// nanosecond: reconstruct reads the date back from it, and the mount shows it.
func TestBodyKeepsInternalDate(t *testing.T) {
	s, inbox := testStore(t, false)
	date := time.Date(2021, 3, 4, 5, 6, 7, 123456789, time.UTC)
	res, err := s.Append(context.Background(), System(), inbox, bytes.NewReader([]byte("Subject: d\r\n\r\nx\r\n")), AppendOptions{Date: date})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(s.BlobPath(res.MailboxID, res.UID))
	if err != nil {
		t.Fatal(err)
	}
	if !fi.ModTime().Equal(date) {
		t.Errorf("mtime %v, want %v", fi.ModTime(), date)
	}
}
