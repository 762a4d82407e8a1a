package fs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"mstore/store"
	"mstore/tools/testenv"
)

// TestLive: changes made through the store, as LMTP, IMAP or the command
// line make them, are seen in the mount with every cache on.
func TestLive(t *testing.T) {
	f := newFixture(t, Options{})
	inbox := f.path("foo.com", "users", "joe", "INBOX")
	res := f.appendMsg(f.inbox, message(1), time.Now())
	// The kernel learns the directory and a message first.
	if got := readDirNames(t, inbox); !slices.Equal(got, []string{"1.eml"}) {
		t.Fatalf("ls %v", got)
	}
	if _, err := os.Stat(inbox + "/2.eml"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("stat of a message to come: %v", err)
	}

	// A delivery is there at once: no waiting.
	f.appendMsg(f.inbox, message(2), time.Now())
	fi, err := os.Stat(inbox + "/2.eml")
	if err != nil || fi.Size() != int64(len(message(2))) {
		t.Fatalf("stat right after a delivery: %v", err)
	}
	if got := readDirNames(t, inbox); !slices.Equal(got, []string{"1.eml", "2.eml"}) {
		t.Errorf("ls right after a delivery: %v", got)
	}

	// A mailbox made by another door is there at once too.
	_, err = f.st.CreateMailbox(f.ctx, store.System(), store.MailboxName{Domain: "foo.com", Name: "user/joe/Sent"}, store.CreateOptions{})
	must(t, err)
	if _, err := os.Stat(f.path("foo.com", "users", "joe", "Sent")); err != nil {
		t.Errorf("stat right after a create: %v", err)
	}

	// An expunge takes the cached entry away.
	_, err = os.Stat(inbox + "/1.eml")
	must(t, err)
	_, err = f.st.Expunge(f.ctx, store.System(), res.MailboxID, []uint32{res.UID}, store.ExpungeOptions{})
	must(t, err)
	waitFor(t, "an expunged message to leave the kernel's cache", func() bool {
		_, err := os.Stat(inbox + "/1.eml")
		return errors.Is(err, os.ErrNotExist)
	})

	// A name made in the mount, expunged elsewhere, can be made again.
	must(t, os.WriteFile(inbox+"/a.eml", []byte(message(3)), 0o644))
	msg, _ := f.messageNamed(f.inbox, "a.eml")
	_, err = f.st.Expunge(f.ctx, store.System(), res.MailboxID, []uint32{msg.UID}, store.ExpungeOptions{})
	must(t, err)
	waitFor(t, "the name to be free", func() bool {
		err := os.WriteFile(inbox+"/a.eml", []byte(message(4)), 0o644)
		return err == nil
	})
	_, got := f.messageNamed(f.inbox, "a.eml")
	if string(got) != message(4) {
		t.Errorf("made again: %q", got)
	}

	// A rename by another door moves the directory.
	_, err = os.Stat(f.path("foo.com", "users", "joe", "Sent", "."))
	must(t, err)
	must(t, f.st.RenameMailbox(f.ctx, store.System(),
		store.MailboxName{Domain: "foo.com", Name: "user/joe/Sent"},
		store.MailboxName{Domain: "foo.com", Name: "user/joe/Sent Items"}))
	waitFor(t, "a renamed mailbox to move", func() bool {
		_, errOld := os.Stat(f.path("foo.com", "users", "joe", "Sent"))
		_, errNew := os.Stat(f.path("foo.com", "users", "joe", "Sent Items"))
		return errors.Is(errOld, os.ErrNotExist) && errNew == nil
	})

	// A new internal date shows as the new mtime.
	fi, err = os.Stat(inbox + "/2.eml")
	must(t, err)
	when := time.Date(2003, 4, 5, 6, 7, 8, 0, time.UTC)
	must(t, f.st.SetInternalDate(f.ctx, store.System(), res.MailboxID, 2, when))
	waitFor(t, "a new date to show", func() bool {
		fi, err := os.Stat(inbox + "/2.eml")
		return err == nil && fi.ModTime().Equal(when)
	})
}

// TestInodesStable: the same files have the same numbers after a remount.
func TestInodesStable(t *testing.T) {
	f := newFixture(t, Options{})
	for i := 0; i < 5; i++ {
		f.appendMsg(f.inbox, message(i), time.Now())
	}
	_, err := f.st.CreateMailbox(f.ctx, store.System(), store.MailboxName{Domain: "foo.com", Name: "shared/a/b"}, store.CreateOptions{})
	must(t, err)
	must(t, f.st.DeleteMailbox(f.ctx, store.System(), store.MailboxName{Domain: "foo.com", Name: "shared/a"}))
	collect := func() map[string]uint64 {
		out := map[string]uint64{}
		err := filepath.WalkDir(f.mnt, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			var st unix.Stat_t
			if err := unix.Lstat(p, &st); err != nil {
				return err
			}
			out[p] = st.Ino
			return nil
		})
		must(t, err)
		return out
	}
	before := collect()
	seen := map[uint64]string{}
	for p, n := range before {
		if other, ok := seen[n]; ok {
			t.Errorf("%s and %s share inode %x", p, other, n)
		}
		seen[n] = p
	}
	if len(before) < 12 {
		t.Errorf("walked only %v", before)
	}
	f.unmount()
	f.mount()
	after := collect()
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("numbers changed across a remount:\n%v\n%v", before, after)
	}
	if before[f.mnt] != rootIno {
		t.Errorf("root %d", before[f.mnt])
	}
	if k, id, _ := splitIno(before[f.path("foo.com", "users", "joe")]); k != kindUser || id != f.joe.UserID() {
		t.Errorf("joe's directory: kind %d id %d", k, id)
	}
}

// TestLargeListing lists a mailbox in many small reads, with a seek back,
// and gets every message once, in order.
func TestLargeListing(t *testing.T) {
	f := newFixture(t, Options{})
	const n = 3*readdirChunk + 17
	for i := 1; i <= n; i++ {
		_, err := f.st.Append(f.ctx, store.System(), f.inbox, strings.NewReader(message(i)), store.AppendOptions{})
		must(t, err)
	}
	dir, err := os.Open(f.path("foo.com", "users", "joe", "INBOX"))
	must(t, err)
	defer dir.Close()
	var names []string
	buf := make([]byte, 1024) // a few entries per call
	fd := int(dir.Fd())
	var resumeAt int64
	for {
		k, err := unix.Getdents(fd, buf)
		must(t, err)
		if k == 0 {
			break
		}
		for off := 0; off < k; {
			reclen := int(buf[off+16]) | int(buf[off+17])<<8
			name := buf[off+19 : off+reclen]
			if i := slices.Index(name, 0); i >= 0 {
				name = name[:i]
			}
			if s := string(name); s != "." && s != ".." {
				names = append(names, s)
				if len(names) == 1000 {
					resumeAt = int64(leUint64(buf[off+8:]))
				}
			}
			off += reclen
		}
	}
	if len(names) != n {
		t.Fatalf("listed %d, want %d", len(names), n)
	}
	for i, name := range names {
		if name != store.DefaultMessageName(uint32(i+1)) {
			t.Fatalf("entry %d is %s", i, name)
		}
	}
	// telldir/seekdir: resume after the 1000th message.
	_, err = unix.Seek(fd, resumeAt, 0)
	must(t, err)
	k, err := unix.Getdents(fd, buf)
	must(t, err)
	if k == 0 {
		t.Fatal("nothing after seekdir")
	}
	reclen := int(buf[16]) | int(buf[17])<<8
	first := string(buf[19:reclen])
	if i := slices.Index([]byte(first), 0); i >= 0 {
		first = first[:i]
	}
	if first != "1001.eml" {
		t.Errorf("after seekdir: %q", first)
	}
}

func leUint64(b []byte) uint64 {
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// TestStaleMount: a mount whose server died is cleaned up by the next
// Mount on the same directory.
func TestStaleMount(t *testing.T) {
	f := newFixture(t, Options{})
	abort := fuseAbortFile(t, f.mnt)
	must(t, os.WriteFile(abort, []byte("1"), 0))
	// The root's attributes stay cached for a second.
	waitWithin(t, 5*time.Second, "the aborted mount to go stale", func() bool {
		_, err := os.Stat(f.mnt)
		return errors.Is(err, syscall.ENOTCONN)
	})
	f.m.Close()
	f.mount()
	if got := readDirNames(t, f.mnt); !slices.Equal(got, []string{"foo.com"}) {
		t.Errorf("after cleaning the stale mount: %v", got)
	}
	if _, err := Mount(f.st, f.mnt, Options{}, nil); err == nil {
		t.Error("a second mount on a live mount point succeeded")
	}
}

// fuseAbortFile finds the fusectl file that aborts the connection of the
// mount at dir, mounting fusectl when it is not.
func fuseAbortFile(t *testing.T, dir string) string {
	t.Helper()
	var st unix.Stat_t
	must(t, unix.Stat(dir, &st))
	ctl := "/sys/fs/fuse/connections"
	if _, ok := mountedAt(ctl); !ok {
		if err := unix.Mount("fusectl", ctl, "fusectl", 0, ""); err != nil {
			testenv.Skip(t, "no fusectl: %v", err)
		}
		t.Cleanup(func() { unix.Unmount(ctl, 0) })
	}
	return filepath.Join(ctl, fmt.Sprint(unix.Minor(st.Dev)), "abort")
}
