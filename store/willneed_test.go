package store

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// resident reports how many of a file's pages are in the page cache.
func resident(t *testing.T, path string) (in, all int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	m, err := unix.Mmap(int(f.Fd()), 0, int(st.Size()), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(m)
	vec := make([]byte, (len(m)+os.Getpagesize()-1)/os.Getpagesize())
	if _, _, e := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
		t.Fatal(e)
	}
	for _, v := range vec {
		if v&1 != 0 {
			in++
		}
	}
	return in, len(vec)
}

// evict drops a file's clean pages from the page cache.
func evict(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Sync()
	if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
		t.Fatal(err)
	}
}

// TestWillNeed: the files of the messages named are read into the page
// cache in the background; a UID no message holds is skipped.
func TestWillNeed(t *testing.T) {
	s, inbox := testStore(t, true)
	ctx := context.Background()
	body := "Subject: x\r\n\r\n" + strings.Repeat("0123456789abcdef\r\n", 4000) // 18 pages
	var uids []uint32
	var mbox uint64
	for range 3 {
		r, err := s.Append(ctx, System(), inbox, strings.NewReader(body), AppendOptions{})
		if err != nil {
			t.Fatal(err)
		}
		uids, mbox = append(uids, r.UID), r.MailboxID
	}
	for _, uid := range uids {
		evict(t, s.BlobPath(mbox, uid))
	}
	if in, _ := resident(t, s.BlobPath(mbox, uids[0])); in != 0 {
		t.Fatalf("the page cache kept %d pages after FADV_DONTNEED", in)
	}
	wantIn := func(uid uint32) {
		t.Helper()
		path := s.BlobPath(mbox, uid)
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			// Asked again each time: another test may drop the whole
			// page cache meanwhile (the mount's tests do).
			s.WillNeed(mbox, []uint32{uids[0], 999, uids[2]}, 1<<20)
			in, all := resident(t, path)
			if in == all {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("message %d: %d of %d pages in the cache", uid, in, all)
			}
		}
	}
	wantIn(uids[0])
	wantIn(uids[2])
	if in, all := resident(t, s.BlobPath(mbox, uids[1])); in == all {
		t.Errorf("message %d, not named, is wholly in the cache", uids[1])
	}
}
