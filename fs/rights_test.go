package fs

import (
	"errors"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"mstore/store"
)

func i64(v int64) *int64 { return &v }

func TestRights(t *testing.T) {
	// Short directory timeouts: the kernel's cache is shared by every
	// caller, and this test changes callers.
	f := newFixture(t, Options{DirTimeout: time.Nanosecond, MessageTimeout: time.Nanosecond})
	sys := store.System()
	f.appendMsg(f.inbox, message(1), time.Now())
	shared := store.MailboxName{Domain: "foo.com", Name: "shared/staff"}
	_, err := f.st.CreateMailbox(f.ctx, sys, shared, store.CreateOptions{})
	must(t, err)
	f.appendMsg(shared, message(2), time.Now())
	secret := store.MailboxName{Domain: "foo.com", Name: "user/joe/secret"}
	_, err = f.st.CreateMailbox(f.ctx, sys, secret, store.CreateOptions{})
	must(t, err)
	// bob may look up and read joe's INBOX, and only look at staff.
	must(t, f.st.SetACL(f.ctx, sys, f.inbox, "bob@foo.com", "lr"))
	must(t, f.st.SetACL(f.ctx, sys, shared, "bob@foo.com", "l"))

	defer f.as(f.bob)()
	users := readDirNames(t, f.path("foo.com", "users"))
	if !slices.Equal(users, []string{"bob", "joe"}) {
		t.Errorf("bob sees users %v", users)
	}
	if got := readDirNames(t, f.path("foo.com", "users", "joe")); !slices.Equal(got, []string{"INBOX"}) {
		t.Errorf("bob sees in joe's tree %v (secret must not show)", got)
	}
	if _, err := os.Stat(f.path("foo.com", "users", "joe", "secret")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stat of a mailbox bob may not see: %v", err)
	}
	b, err := os.ReadFile(f.path("foo.com", "users", "joe", "INBOX", "1.eml"))
	if err != nil || string(b) != message(1) {
		t.Errorf("bob reads joe's message: %q %v", b, err)
	}
	if _, err := os.ReadDir(f.path("foo.com", "shared", "staff")); !errors.Is(err, syscall.EACCES) {
		t.Errorf("listing staff without r: %v, want EACCES", err)
	}
	if err := os.Remove(f.path("foo.com", "users", "joe", "INBOX", "1.eml")); !errors.Is(err, syscall.EACCES) {
		t.Errorf("rm without t and e: %v, want EACCES", err)
	}
	if err := os.WriteFile(f.path("foo.com", "users", "joe", "INBOX", "new.eml"), []byte(message(3)), 0o644); !errors.Is(err, syscall.EACCES) {
		t.Errorf("create without i: %v, want EACCES", err)
	}
	if err := os.Mkdir(f.path("foo.com", "users", "joe", "INBOX", "sub"), 0o755); !errors.Is(err, syscall.EACCES) {
		t.Errorf("mkdir without k: %v, want EACCES", err)
	}
	if err := os.Chtimes(f.path("foo.com", "users", "joe", "INBOX", "1.eml"), time.Now(), time.Now()); !errors.Is(err, syscall.EACCES) {
		t.Errorf("touch without w: %v, want EACCES", err)
	}
	if err := unix.Access(f.path("foo.com", "users", "joe", "INBOX"), unix.W_OK); !errors.Is(err, syscall.EACCES) {
		t.Errorf("access(W_OK) without i or k: %v", err)
	}
	must(t, unix.Access(f.path("foo.com", "users", "joe", "INBOX"), unix.R_OK|unix.X_OK))
	fi, err := os.Stat(f.path("foo.com", "users", "joe", "INBOX"))
	must(t, err)
	if fi.Mode().Perm() != 0o555 {
		t.Errorf("bob's view of the INBOX mode: %v", fi.Mode())
	}
	if _, err := unix.Getxattr(f.path("foo.com", "users", "joe", "INBOX"), xattrACL, make([]byte, 256)); !errors.Is(err, syscall.EACCES) {
		t.Errorf("reading the ACL without a: %v", err)
	}
	// In his own tree bob may do everything.
	bobInbox := f.path("foo.com", "users", "bob", "INBOX")
	must(t, os.WriteFile(bobInbox+"/mine.eml", []byte(message(4)), 0o644))
	must(t, os.Mkdir(f.path("foo.com", "users", "bob", "projects"), 0o755))
	must(t, os.Remove(bobInbox+"/mine.eml"))

	// An unmapped caller sees nothing of the domain.
	f.m.callers.as.Store(ptr(store.Anonymous()))
	if got := readDirNames(t, f.mnt); len(got) != 0 {
		t.Errorf("anonymous sees %v", got)
	}
}

func ptr[T any](v T) *T { return &v }

func TestQuota(t *testing.T) {
	f := newFixture(t, Options{WriteBuffer: 1 << 10})
	sys := store.System()
	must(t, f.st.SetQuota(f.ctx, sys, "foo.com/users/joe", i64(8), i64(3)))
	inbox := f.path("foo.com", "users", "joe", "INBOX")

	// statfs in joe's tree shows his quota.
	var sfs unix.Statfs_t
	must(t, unix.Statfs(inbox, &sfs))
	if sfs.Blocks*uint64(sfs.Frsize) != 8*1024 || sfs.Files != 3 || sfs.Ffree != 3 {
		t.Errorf("statfs: blocks %d frsize %d files %d ffree %d", sfs.Blocks, sfs.Frsize, sfs.Files, sfs.Ffree)
	}
	must(t, unix.Statfs(f.path("foo.com", "users", "joe"), &sfs))
	if sfs.Blocks*uint64(sfs.Frsize) != 8*1024 {
		t.Errorf("statfs of the user's directory: %d blocks", sfs.Blocks)
	}

	// A write past the STORAGE limit fails at once, and nothing is stored.
	big := strings.Repeat("x", 20<<10)
	fh, err := os.Create(inbox + "/big.eml")
	must(t, err)
	_, err = fh.WriteString(big)
	if !errors.Is(err, syscall.EDQUOT) {
		t.Errorf("write past the quota: %v, want EDQUOT", err)
	}
	if err := fh.Close(); !errors.Is(err, syscall.EDQUOT) {
		t.Errorf("close after a refused write: %v, want EDQUOT", err)
	}
	if n := f.count(f.inbox); n != 0 {
		t.Errorf("%d messages stored after EDQUOT", n)
	}
	waitFor(t, "the refused file to go", func() bool {
		_, err := os.Stat(inbox + "/big.eml")
		return errors.Is(err, os.ErrNotExist)
	})
	// Within the limit it works, and df shows what is used.
	must(t, os.WriteFile(inbox+"/small.eml", []byte(message(1)), 0o644))
	must(t, unix.Statfs(inbox, &sfs))
	if sfs.Bfree != 7 || sfs.Ffree != 2 {
		t.Errorf("statfs after one message: bfree %d ffree %d", sfs.Bfree, sfs.Ffree)
	}
	// The MESSAGE limit refuses the file at create.
	must(t, os.WriteFile(inbox+"/two.eml", []byte(message(2)), 0o644))
	must(t, os.WriteFile(inbox+"/three.eml", []byte(message(3)), 0o644))
	if err := os.WriteFile(inbox+"/four.eml", []byte(message(4)), 0o644); !errors.Is(err, syscall.EDQUOT) {
		t.Errorf("create past the MESSAGE limit: %v, want EDQUOT", err)
	}
	if n := f.count(f.inbox); n != 3 {
		t.Errorf("%d messages, want 3", n)
	}
	buf := make([]byte, 256)
	n, err := unix.Getxattr(inbox, xattrQuota, buf)
	must(t, err)
	if got := string(buf[:n]); !strings.Contains(got, "foo.com/users/joe STORAGE 1 8\n") || !strings.Contains(got, "foo.com/users/joe MESSAGE 3 3\n") {
		t.Errorf("quota %q", got)
	}
}

func TestXattrs(t *testing.T) {
	f := newFixture(t, Options{})
	date := time.Date(2020, 5, 6, 7, 8, 9, 0, time.FixedZone("", 2*3600))
	f.appendMsg(f.inbox, message(1), date)
	p := f.path("foo.com", "users", "joe", "INBOX", "1.eml")
	get := func(path, name string) string {
		t.Helper()
		buf := make([]byte, 1024)
		n, err := unix.Getxattr(path, name, buf)
		if err != nil {
			t.Fatalf("getxattr %s %s: %v", path, name, err)
		}
		return string(buf[:n])
	}
	if got := get(p, xattrUID); got != "1" {
		t.Errorf("uid %q", got)
	}
	if got := get(p, xattrDate); got != "06-May-2020 07:08:09 +0200" {
		t.Errorf("internaldate %q", got)
	}
	if got := get(p, xattrFlags); got != "" {
		t.Errorf("flags %q", got)
	}
	must(t, unix.Setxattr(p, xattrFlags, []byte(`\Seen \Flagged $Label1`), 0))
	msg, err := f.st.Message(f.ctx, store.System(), f.mboxID(f.inbox), 1)
	must(t, err)
	if !slices.Contains(msg.Flags, `\Flagged`) || !slices.Contains(msg.Flags, `\Seen`) || !slices.Contains(msg.Flags, "$Label1") {
		t.Errorf("flags in the store: %v", msg.Flags)
	}
	if got := get(p, xattrFlags); !strings.Contains(got, `\Flagged`) || !strings.Contains(got, "$Label1") {
		t.Errorf("flags read back %q", got)
	}
	must(t, unix.Setxattr(p, xattrDate, []byte("01-Jan-2000 00:00:00 +0000"), 0))
	fi, err := os.Stat(p)
	must(t, err)
	if !fi.ModTime().Equal(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("mtime after setting internaldate: %v", fi.ModTime())
	}
	if err := unix.Setxattr(p, xattrUID, []byte("7"), 0); !errors.Is(err, syscall.EPERM) {
		t.Errorf("setting the uid: %v", err)
	}
	if err := unix.Setxattr(p, xattrFlags, []byte(`\Bogus`), 0); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("an invalid flag: %v", err)
	}
	buf := make([]byte, 256)
	n, err := unix.Listxattr(p, buf)
	must(t, err)
	if got := strings.Split(strings.TrimRight(string(buf[:n]), "\x00"), "\x00"); !slices.Equal(got, []string{xattrFlags, xattrUID, xattrDate}) {
		t.Errorf("listxattr %q", got)
	}
	if _, err := unix.Getxattr(p, "user.other", buf); !errors.Is(err, unix.ENODATA) {
		t.Errorf("an unknown attribute: %v", err)
	}
	// No SELinux labels and no POSIX ACLs: unsupported, so that ls -l stops
	// asking after the first file.
	for _, path := range []string{p, f.path("foo.com", "users", "joe", "INBOX"), f.path("foo.com"), f.mnt} {
		for _, name := range []string{"security.selinux", "system.posix_acl_access"} {
			if _, err := unix.Lgetxattr(path, name, buf); !errors.Is(err, unix.EOPNOTSUPP) {
				t.Errorf("%s on %s: %v, want EOPNOTSUPP", name, path, err)
			}
		}
	}

	// The ACL of a mailbox.
	dir := f.path("foo.com", "users", "joe", "INBOX")
	if got := get(dir, xattrACL); got != "joe@foo.com lrswipkxtea\n" {
		t.Errorf("acl %q", got)
	}
	must(t, unix.Setxattr(dir, xattrACL, []byte("bob@foo.com lr\nanyone p\n"), 0))
	if got := get(dir, xattrACL); got != "anyone p\nbob@foo.com lr\njoe@foo.com lrswipkxtea\n" {
		t.Errorf("acl after setting %q", got)
	}
	must(t, unix.Setxattr(dir, xattrACL, []byte("bob@foo.com +s\nanyone\n"), 0))
	if got := get(dir, xattrACL); got != "bob@foo.com lrs\njoe@foo.com lrswipkxtea\n" {
		t.Errorf("acl after editing %q", got)
	}
	if got := get(dir, xattrMyRights); got != "lrswipkxtea\n" {
		t.Errorf("myrights %q", got)
	}
	must(t, f.st.SetQuota(f.ctx, store.System(), "foo.com/users/joe", i64(100), nil))
	if got := get(dir, xattrQuota); !strings.HasPrefix(got, "foo.com/users/joe STORAGE 1 100\n") {
		t.Errorf("quota %q", got)
	}
}
