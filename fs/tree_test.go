package fs

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"mstore/auth"
	"mstore/store"
)

func TestTree(t *testing.T) {
	f := newFixture(t, Options{})
	date := time.Date(2024, 3, 1, 12, 30, 0, 0, time.UTC)
	for i := 1; i <= 3; i++ {
		f.appendMsg(f.inbox, message(i), date.Add(time.Duration(i)*time.Hour))
	}
	_, err := f.st.CreateMailbox(f.ctx, store.System(), store.MailboxName{Domain: "foo.com", Name: "shared/staff"}, store.CreateOptions{})
	must(t, err)
	_, err = f.st.CreateMailbox(f.ctx, store.System(), store.MailboxName{Domain: "foo.com", Name: "user/joe/sentmail/2000"}, store.CreateOptions{})
	must(t, err)

	for _, c := range []struct {
		dir  []string
		want []string
	}{
		{nil, []string{"foo.com"}},
		{[]string{"foo.com"}, []string{"shared", "users"}},
		{[]string{"foo.com", "users"}, []string{"bob", "joe"}},
		{[]string{"foo.com", "users", "joe"}, []string{"INBOX", "sentmail"}},
		{[]string{"foo.com", "users", "joe", "sentmail"}, []string{"2000"}},
		{[]string{"foo.com", "shared"}, []string{"staff"}},
		{[]string{"foo.com", "users", "joe", "INBOX"}, []string{"1.eml", "2.eml", "3.eml"}},
	} {
		if got := readDirNames(t, f.path(c.dir...)); !slices.Equal(got, c.want) {
			t.Errorf("ls %v = %v, want %v", c.dir, got, c.want)
		}
	}

	// Sizes, times, content and numbers of the messages.
	info, err := f.st.Mailbox(f.ctx, store.System(), f.inbox)
	must(t, err)
	for i := 1; i <= 3; i++ {
		p := f.path("foo.com", "users", "joe", "INBOX", store.DefaultMessageName(uint32(i)))
		fi, err := os.Stat(p)
		must(t, err)
		body := message(i)
		if fi.Size() != int64(len(body)) {
			t.Errorf("%s: size %d, want %d", p, fi.Size(), len(body))
		}
		if want := date.Add(time.Duration(i) * time.Hour); !fi.ModTime().Equal(want) {
			t.Errorf("%s: mtime %v, want %v", p, fi.ModTime(), want)
		}
		if fi.Mode() != 0o444 {
			t.Errorf("%s: mode %v", p, fi.Mode())
		}
		st := fi.Sys().(*syscall.Stat_t)
		if st.Ino != messageIno(info.ID, uint32(i)) || st.Nlink != 1 {
			t.Errorf("%s: ino %x nlink %d", p, st.Ino, st.Nlink)
		}
		got, err := os.ReadFile(p)
		must(t, err)
		if !bytes.Equal(got, []byte(body)) {
			t.Errorf("%s: content %q", p, got)
		}
	}

	// Directory link counts: two plus the directories below.
	for _, c := range []struct {
		dir   []string
		nlink uint64
	}{
		{nil, 3},
		{[]string{"foo.com"}, 4},
		{[]string{"foo.com", "users"}, 4},
		{[]string{"foo.com", "users", "joe"}, 4},
		{[]string{"foo.com", "users", "joe", "INBOX"}, 2},
		{[]string{"foo.com", "users", "joe", "sentmail"}, 3},
	} {
		fi, err := os.Stat(f.path(c.dir...))
		must(t, err)
		if n := fi.Sys().(*syscall.Stat_t).Nlink; n != c.nlink || !fi.IsDir() {
			t.Errorf("%v: nlink %d dir %v, want %d", c.dir, n, fi.IsDir(), c.nlink)
		}
	}
}

// TestReadPaths reads small and large messages through each read path:
// passthrough for everything, for nothing, and the default.
func TestReadPaths(t *testing.T) {
	for _, min := range []int64{0, -1, 64 << 10} {
		t.Run(fmt.Sprint(min), func(t *testing.T) {
			f := newFixture(t, Options{PassthroughMin: min})
			small := message(1)
			large := message(2) + strings.Repeat("0123456789abcdef\r\n", 200<<10/18)
			f.appendMsg(f.inbox, small, time.Now())
			f.appendMsg(f.inbox, large, time.Now())
			for i, want := range []string{small, large} {
				for pass := 0; pass < 2; pass++ { // the second from the kernel's cache
					got, err := os.ReadFile(f.path("foo.com", "users", "joe", "INBOX", store.DefaultMessageName(uint32(i+1))))
					must(t, err)
					if string(got) != want {
						t.Errorf("message %d, pass %d: %d bytes, want %d", i+1, pass, len(got), len(want))
					}
				}
			}
		})
	}
}

// countingBacking counts what the mount asks of the proxy.
type countingBacking struct {
	*auth.Backing
	opens, closes atomic.Int32
}

func (c *countingBacking) Open(f *os.File) (int32, error) {
	c.opens.Add(1)
	return c.Backing.Open(f)
}

func (c *countingBacking) Close(id int32) error {
	c.closes.Add(1)
	return c.Backing.Close(id)
}

// TestLentPassthrough: with Options.Backing the files of large messages
// are registered by the authentication proxy (here in this process) and
// the kernel reads them itself: an open with a backing id the kernel did
// not know would fail. Every open of one message shares one backing file,
// kept after the last close for the next open, and let go when the kernel
// forgets the file (here because the message is expunged).
func TestLentPassthrough(t *testing.T) {
	needFUSE(t)
	sock := filepath.Join(t.TempDir(), "authproxy")
	p := &auth.ProxyServer{AllowUID: -1, NoPasswords: true}
	if err := p.Listen(sock, -1, -1); err != nil {
		t.Fatal(err)
	}
	go p.Serve()
	t.Cleanup(func() { p.Close() })
	b := &countingBacking{Backing: &auth.Backing{Socket: sock}}
	defer b.Shut()
	f := newFixture(t, Options{Backing: b})
	large := message(1) + strings.Repeat("0123456789abcdef\r\n", 300<<10/18)
	res := f.appendMsg(f.inbox, large, time.Now())
	// Mounted again, the kernel gets no late word of the append, which
	// would drop the file's entry (and then the file) once it is closed.
	f.unmount()
	f.mount()
	path := f.path("foo.com", "users", "joe", "INBOX", store.DefaultMessageName(1))

	h1, err := os.Open(path)
	must(t, err)
	h2, err := os.Open(path)
	must(t, err)
	for _, h := range []*os.File{h1, h2} {
		got, err := io.ReadAll(h)
		must(t, err)
		if string(got) != large {
			t.Errorf("read %d bytes, want %d", len(got), len(large))
		}
	}
	h1.Close()
	h2.Close()
	got, err := os.ReadFile(path)
	must(t, err)
	if string(got) != large {
		t.Errorf("reopen: %d bytes, want %d", len(got), len(large))
	}
	time.Sleep(100 * time.Millisecond) // RELEASE reaches the mount after close returns
	if n := b.opens.Load(); n != 1 {
		t.Errorf("%d backing files registered for three opens of one message, want 1", n)
	}
	if n := b.closes.Load(); n != 0 {
		t.Errorf("%d backing files closed while the kernel knows the file, want 0", n)
	}
	if _, err := f.st.Expunge(f.ctx, store.System(), res.MailboxID, []uint32{res.UID}, store.ExpungeOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 500 && b.closes.Load() == 0; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if n := b.closes.Load(); n != 1 {
		t.Errorf("%d backing files closed after the message was expunged, want 1", n)
	}
	if strings.Contains(f.log.String(), "level=WARN") {
		t.Errorf("warnings:\n%s", f.log)
	}
}
