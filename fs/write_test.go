package fs

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"mstore/store"
)

// messageNamed reads a message of a mailbox through the store.
func (f *fixture) messageNamed(mb store.MailboxName, name string) (store.Message, []byte) {
	f.t.Helper()
	info, err := f.st.Mailbox(f.ctx, store.System(), mb)
	must(f.t, err)
	msg, err := f.st.MessageByName(f.ctx, store.System(), info.ID, name)
	if err != nil {
		f.t.Fatalf("message %s in %s: %v", name, mb, err)
	}
	b, err := f.st.OpenMessage(f.ctx, store.System(), info.ID, msg.UID)
	must(f.t, err)
	defer b.Close()
	var buf bytes.Buffer
	_, err = buf.ReadFrom(b)
	must(f.t, err)
	return msg, buf.Bytes()
}

func (f *fixture) count(mb store.MailboxName) uint32 {
	f.t.Helper()
	info, err := f.st.Mailbox(f.ctx, store.System(), mb)
	must(f.t, err)
	return info.Messages
}

func TestCreateWriteClose(t *testing.T) {
	f := newFixture(t, Options{WriteBuffer: 64})
	inbox := f.path("foo.com", "users", "joe", "INBOX")
	body := message(7) + strings.Repeat("more body text\r\n", 20) // spills past the 64-byte buffer

	// cp: create, write, close.
	must(t, os.WriteFile(inbox+"/note.eml", []byte(body), 0o600))
	msg, got := f.messageNamed(f.inbox, "note.eml")
	if string(got) != body {
		t.Errorf("stored %q", got)
	}
	fi, err := os.Stat(inbox + "/note.eml")
	must(t, err)
	if fi.Size() != int64(len(body)) || fi.Mode() != 0o444 {
		t.Errorf("stat after close: size %d mode %v", fi.Size(), fi.Mode())
	}
	read, err := os.ReadFile(inbox + "/note.eml")
	must(t, err)
	if string(read) != body {
		t.Errorf("read back %q", read)
	}

	// cp -p: the time is set through the descriptor before close.
	date := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	fh, err := os.OpenFile(inbox+"/dated.eml", os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	must(t, err)
	_, err = fh.WriteString(message(8))
	must(t, err)
	must(t, fh.Chmod(0o600))
	must(t, syscall.Futimes(int(fh.Fd()), []syscall.Timeval{syscall.NsecToTimeval(date.UnixNano()), syscall.NsecToTimeval(date.UnixNano())}))
	must(t, fh.Close())
	msg, _ = f.messageNamed(f.inbox, "dated.eml")
	if !msg.InternalDate.Equal(date) {
		t.Errorf("cp -p: internal date %v, want %v", msg.InternalDate, date)
	}

	// rsync: a temporary name, close, then the time by path, then rename.
	tmp := inbox + "/.restored.eml.AbC123"
	must(t, os.WriteFile(tmp, []byte(message(9)), 0o600))
	date2 := time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC)
	must(t, os.Chtimes(tmp, date2, date2))
	must(t, os.Chmod(tmp, 0o644))
	must(t, os.Rename(tmp, inbox+"/restored.eml"))
	msg, got = f.messageNamed(f.inbox, "restored.eml")
	if string(got) != message(9) || !msg.InternalDate.Equal(date2) {
		t.Errorf("rsync-style: %q at %v", got, msg.InternalDate)
	}
	fi, err = os.Stat(inbox + "/restored.eml")
	must(t, err)
	if !fi.ModTime().Equal(date2) || fi.Size() != int64(len(message(9))) {
		t.Errorf("rsync-style stat: %v %d", fi.ModTime(), fi.Size())
	}
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary name still there: %v", err)
	}

	// A shell redirection: open, duplicate, close the first descriptor,
	// then write through the second.
	fh, err = os.OpenFile(inbox+"/redirected.eml", os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	must(t, err)
	dup, err := syscall.Dup(int(fh.Fd()))
	must(t, err)
	must(t, fh.Close())
	_, err = syscall.Write(dup, []byte(message(10)))
	must(t, err)
	must(t, syscall.Close(dup))
	_, got = f.messageNamed(f.inbox, "redirected.eml")
	if string(got) != message(10) {
		t.Errorf("redirected: %q", got)
	}

	// touch: an empty file is an empty message.
	fh, err = os.OpenFile(inbox+"/empty.eml", os.O_CREATE|os.O_WRONLY, 0o644)
	must(t, err)
	must(t, fh.Close())
	deadline := time.Now().Add(time.Second)
	for {
		if _, err := f.st.MessageByName(f.ctx, store.System(), f.mboxID(f.inbox), "empty.eml"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("an empty file was not stored")
		}
		time.Sleep(5 * time.Millisecond)
	}

	want := []string{"dated.eml", "empty.eml", "note.eml", "redirected.eml", "restored.eml"}
	got2 := readDirNames(t, inbox)
	slices.Sort(got2)
	if !slices.Equal(got2, want) {
		t.Errorf("ls = %v, want %v", got2, want)
	}

	// A message is never rewritten.
	for _, flags := range []int{os.O_WRONLY, os.O_RDWR, os.O_WRONLY | os.O_TRUNC, os.O_WRONLY | os.O_APPEND} {
		if _, err := os.OpenFile(inbox+"/note.eml", flags, 0); !errors.Is(err, syscall.EPERM) {
			t.Errorf("open(%#x) of a stored message: %v, want EPERM", flags, err)
		}
	}
	if err := os.Truncate(inbox+"/note.eml", 3); !errors.Is(err, syscall.EPERM) {
		t.Errorf("truncate: %v, want EPERM", err)
	}
	if err := os.Link(inbox+"/note.eml", inbox+"/link.eml"); !errors.Is(err, syscall.EPERM) {
		t.Errorf("link: %v, want EPERM", err)
	}
	if err := os.Symlink("note.eml", inbox+"/sym.eml"); !errors.Is(err, syscall.EPERM) {
		t.Errorf("symlink: %v, want EPERM", err)
	}
	if err := syscall.Mknod(inbox+"/fifo", syscall.S_IFIFO|0o644, 0); !errors.Is(err, syscall.EPERM) {
		t.Errorf("mknod: %v, want EPERM", err)
	}
	// chmod and chown succeed and change nothing.
	must(t, os.Chmod(inbox+"/note.eml", 0o777))
	must(t, os.Chown(inbox+"/note.eml", 1234, 1234))
	must(t, os.Chmod(inbox, 0o700))
	fi, err = os.Stat(inbox + "/note.eml")
	must(t, err)
	if fi.Mode() != 0o444 || fi.Sys().(*syscall.Stat_t).Uid != 0 {
		t.Errorf("after chmod/chown: %v uid %d", fi.Mode(), fi.Sys().(*syscall.Stat_t).Uid)
	}
	// touch -d on a stored message sets its internal date.
	date3 := time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)
	must(t, os.Chtimes(inbox+"/note.eml", date3, date3))
	msg, _ = f.messageNamed(f.inbox, "note.eml")
	if !msg.InternalDate.Equal(date3) {
		t.Errorf("touch -d: %v", msg.InternalDate)
	}
	// Files live in mailboxes only.
	if err := os.WriteFile(f.path("foo.com", "users", "joe", "stray.eml"), nil, 0o644); !errors.Is(err, syscall.EPERM) {
		t.Errorf("create in a user's directory: %v, want EPERM", err)
	}
}

func (f *fixture) mboxID(mb store.MailboxName) uint64 {
	f.t.Helper()
	info, err := f.st.Mailbox(f.ctx, store.System(), mb)
	must(f.t, err)
	return info.ID
}

func TestUnlinkAndMove(t *testing.T) {
	f := newFixture(t, Options{})
	for i := 1; i <= 3; i++ {
		f.appendMsg(f.inbox, message(i), time.Now())
	}
	archive := store.MailboxName{Domain: "foo.com", Name: "user/joe/archive"}
	inbox := f.path("foo.com", "users", "joe", "INBOX")
	must(t, os.Mkdir(f.path("foo.com", "users", "joe", "archive"), 0o755))

	must(t, os.Remove(inbox+"/1.eml"))
	if n := f.count(f.inbox); n != 2 {
		t.Errorf("after rm: %d messages", n)
	}
	if _, err := os.Stat(inbox + "/1.eml"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stat after rm: %v", err)
	}

	// Renaming within the mailbox renames only the name.
	must(t, os.Rename(inbox+"/2.eml", inbox+"/two.eml"))
	msg, got := f.messageNamed(f.inbox, "two.eml")
	if msg.UID != 2 || string(got) != message(2) {
		t.Errorf("renamed: uid %d %q", msg.UID, got)
	}
	// Over an existing name, it replaces it.
	must(t, os.Rename(inbox+"/two.eml", inbox+"/3.eml"))
	if n := f.count(f.inbox); n != 1 {
		t.Errorf("after a replacing rename: %d messages", n)
	}

	// Into another mailbox, it moves.
	must(t, os.Rename(inbox+"/3.eml", f.path("foo.com", "users", "joe", "archive", "kept.eml")))
	if n := f.count(f.inbox); n != 0 {
		t.Errorf("after mv: %d left in INBOX", n)
	}
	_, got = f.messageNamed(archive, "kept.eml")
	if string(got) != message(2) {
		t.Errorf("moved: %q", got)
	}
	b, err := os.ReadFile(f.path("foo.com", "users", "joe", "archive", "kept.eml"))
	must(t, err)
	if string(b) != message(2) {
		t.Errorf("moved, read through the mount: %q", b)
	}
	if names := readDirNames(t, inbox); len(names) != 0 {
		t.Errorf("INBOX after mv: %v", names)
	}
	// A message belongs in a mailbox, not in a user's directory.
	err = os.Rename(f.path("foo.com", "users", "joe", "archive", "kept.eml"), f.path("foo.com", "users", "joe", "kept.eml"))
	if !errors.Is(err, syscall.EPERM) {
		t.Errorf("mv to a user's directory: %v, want EPERM", err)
	}
}

func TestMailboxDirectories(t *testing.T) {
	f := newFixture(t, Options{Debug: os.Getenv("FSDEBUG") != ""})
	joe := f.path("foo.com", "users", "joe")
	must(t, os.Mkdir(joe+"/lists", 0o755))
	must(t, os.MkdirAll(joe+"/lists/go/nuts", 0o755))
	if _, err := f.st.Mailbox(f.ctx, store.System(), store.MailboxName{Domain: "foo.com", Name: "user/joe/lists/go/nuts"}); err != nil {
		t.Fatalf("mkdir -p made no mailbox: %v", err)
	}
	if err := os.Mkdir(joe+"/lists", 0o755); !errors.Is(err, os.ErrExist) {
		t.Errorf("mkdir of an existing mailbox: %v", err)
	}
	if err := os.Remove(joe + "/lists"); !errors.Is(err, syscall.ENOTEMPTY) {
		t.Errorf("rmdir of a mailbox with children: %v, want ENOTEMPTY", err)
	}
	f.appendMsg(store.MailboxName{Domain: "foo.com", Name: "user/joe/lists/go/nuts"}, message(1), time.Now())
	if err := os.Remove(joe + "/lists/go/nuts"); !errors.Is(err, syscall.ENOTEMPTY) {
		t.Errorf("rmdir of a mailbox with messages: %v, want ENOTEMPTY", err)
	}
	if err := os.Remove(joe + "/INBOX"); !errors.Is(err, syscall.EPERM) {
		t.Errorf("rmdir INBOX: %v, want EPERM", err)
	}

	// Rename a subtree: every mailbox below follows, messages too.
	must(t, os.Rename(joe+"/lists", joe+"/mailing"))
	if names := readDirNames(t, joe); !slices.Equal(names, []string{"INBOX", "mailing"}) {
		t.Errorf("after mv: %v", names)
	}
	b, err := os.ReadFile(joe + "/mailing/go/nuts/1.eml")
	must(t, err)
	if string(b) != message(1) {
		t.Errorf("message after the rename: %q", b)
	}

	// A level that is no mailbox (its mailbox deleted, a child kept)
	// still shows as a directory.
	must(t, f.st.DeleteMailbox(f.ctx, store.System(), store.MailboxName{Domain: "foo.com", Name: "user/joe/mailing/go"}))
	// The store's event reaches the kernel's cache a moment later.
	var fi os.FileInfo
	waitFor(t, "the deleted mailbox to become a folder", func() bool {
		var err error
		fi, err = os.Stat(joe + "/mailing/go")
		must(t, err)
		kind, _, _ := splitIno(fi.Sys().(*syscall.Stat_t).Ino)
		return kind == kindFolder
	})
	if !fi.IsDir() {
		t.Errorf("folder: %v", fi.Mode())
	}
	if names := readDirNames(t, joe+"/mailing/go"); !slices.Equal(names, []string{"nuts"}) {
		t.Errorf("folder lists %v", names)
	}
	if _, _, uid := splitIno(fi.Sys().(*syscall.Stat_t).Ino); uid != 0 {
		t.Errorf("folder number %x", fi.Sys().(*syscall.Stat_t).Ino)
	}
	if kind, _, _ := splitIno(fi.Sys().(*syscall.Stat_t).Ino); kind != kindFolder {
		t.Errorf("folder kind %d", kind)
	}
	// rm of the last mailbox leaves nothing.
	must(t, os.Remove(joe+"/mailing/go/nuts/1.eml"))
	must(t, os.Remove(joe+"/mailing/go/nuts"))
	if names := readDirNames(t, joe+"/mailing"); len(names) != 0 {
		t.Errorf("after rmdir: %v", names)
	}
	must(t, os.Remove(joe+"/mailing"))
	if names := readDirNames(t, joe); !slices.Equal(names, []string{"INBOX"}) {
		t.Errorf("at the end: %v", names)
	}
	// Domains and users are not made with mkdir.
	if err := os.Mkdir(f.path("bar.com"), 0o755); !errors.Is(err, syscall.EPERM) {
		t.Errorf("mkdir of a domain: %v", err)
	}
	if err := os.Mkdir(f.path("foo.com", "users", "ann"), 0o755); !errors.Is(err, syscall.EPERM) {
		t.Errorf("mkdir of a user: %v", err)
	}
}
