package tests

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"mstore/tools/testenv"
)

// The mounted store driven with shell tools: serve mounts it, and every
// command runs in a process of its own, as an administrator's would.

// mountServer starts serve with the mount on a new directory, a domain
// foo.com and users joe and bob (password "secret"), and checks at the
// end that serve left no mount behind.
func mountServer(t *testing.T) (*server, string) {
	t.Helper()
	s, mnt := mountServerIn(t, t.TempDir())
	s.mstore("", "domain", "add", "foo.com")
	s.mstore("secret\n", "user", "add", "joe@foo.com", "--password-stdin")
	s.mstore("secret\n", "user", "add", "bob@foo.com", "--password-stdin")
	return s, mnt
}

// mountServerIn starts serve on the store in dir with the mount on a new
// directory.
func mountServerIn(t *testing.T, dir string) (*server, string) {
	t.Helper()
	testenv.Root(t, "mounting")
	if _, err := os.Stat("/dev/fuse"); err != nil {
		testenv.Skip(t, "no /dev/fuse")
	}
	// The mount point is reached by the second account too.
	parent := t.TempDir()
	os.Chmod(parent, 0o755)
	os.Chmod(filepath.Dir(parent), 0o755)
	mnt := filepath.Join(parent, "mnt")
	// Registered before the server's own cleanup, so it runs after serve
	// has stopped.
	t.Cleanup(func() {
		if mounted(mnt) {
			t.Errorf("serve left a mount on %s", mnt)
			syscall.Unmount(mnt, syscall.MNT_DETACH)
		}
	})
	s := startServerIn(t, dir, "", "--mount", mnt)
	if got := s.addr("mount"); got != mnt {
		t.Fatalf("mount announced on %q, want %q", got, mnt)
	}
	return s, mnt
}

// mounted reports whether dir is a mount point.
func mounted(dir string) bool {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 4 && f[4] == dir {
			return true
		}
	}
	return false
}

// sh runs a shell script with $M set to the mount point and returns its
// standard output; a failure fails the test.
func sh(t *testing.T, mnt, script string) string {
	t.Helper()
	out, errOut, err := shErr(mnt, script, nil)
	if err != nil {
		t.Fatalf("sh %q: %v\n%s%s", script, err, out, errOut)
	}
	return out
}

// shErr runs a script, as another account when cred is set.
func shErr(mnt, script string, cred *syscall.Credential) (stdout, stderr string, err error) {
	cmd := exec.Command("sh", "-c", script)
	cmd.Env = append(os.Environ(), "M="+mnt, "LC_ALL=C")
	cmd.Dir = "/"
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// msg is a test message with CRLF line ends, as the store keeps it.
func msg(subject string, size int) string {
	body := strings.Repeat("line of the body\r\n", size/18+1)
	return "From: a@example.org\r\nTo: joe@foo.com\r\nSubject: " + subject + "\r\n\r\n" + body
}

func (s *server) deliver(t *testing.T, rcpt, body string) {
	t.Helper()
	s.mstore(body, "deliver", rcpt)
}

func (s *server) status(t *testing.T, path string) (messages int, rights string) {
	t.Helper()
	var st struct {
		Messages int    `json:"messages"`
		Rights   string `json:"rights"`
	}
	if err := json.Unmarshal([]byte(s.mstore("", "mailbox", "status", path, "--json")), &st); err != nil {
		t.Fatal(err)
	}
	return st.Messages, st.Rights
}

func lines(s string) []string {
	return strings.Fields(strings.TrimSpace(s))
}

func TestMountShellTools(t *testing.T) {
	s, mnt := mountServer(t)
	inbox := "$M/foo.com/users/joe/INBOX"
	bodies := []string{msg("first", 300), msg("second", 5000), msg("third", 70000)}
	for _, b := range bodies {
		s.deliver(t, "joe@foo.com", b)
	}

	// ls -l, cat, stat, wc -c.
	if got := lines(sh(t, mnt, "ls "+inbox)); !slices.Equal(got, []string{"1.eml", "2.eml", "3.eml"}) {
		t.Fatalf("ls: %v", got)
	}
	ll := sh(t, mnt, "ls -l "+inbox)
	for i, b := range bodies {
		if !regexp.MustCompile(fmt.Sprintf(`(?m)^-r--r--r-- 1 root root +%d .* %d\.eml$`, len(b), i+1)).MatchString(ll) {
			t.Errorf("ls -l shows no %d.eml of %d bytes:\n%s", i+1, len(b), ll)
		}
	}
	for i, b := range bodies {
		if got := sh(t, mnt, fmt.Sprintf("cat %s/%d.eml", inbox, i+1)); got != b {
			t.Errorf("cat %d.eml: %d bytes, want %d", i+1, len(got), len(b))
		}
		if got := strings.TrimSpace(sh(t, mnt, fmt.Sprintf("wc -c < %s/%d.eml", inbox, i+1))); got != strconv.Itoa(len(b)) {
			t.Errorf("wc -c %d.eml = %s", i+1, got)
		}
	}
	st := strings.Fields(sh(t, mnt, "stat -c '%s %h %i %F' "+inbox+"/2.eml"))
	if st[0] != strconv.Itoa(len(bodies[1])) || st[1] != "1" || st[3] != "regular" {
		t.Errorf("stat: %v", st)
	}
	// wc -c equals RFC822.SIZE over IMAP.
	ic := dialIMAP(t, s.addr("imap"))
	if _, r := ic.cmd("LOGIN joe@foo.com secret"); !strings.HasPrefix(r, "OK") {
		t.Fatalf("login: %s", r)
	}
	ic.cmd("SELECT INBOX")
	fl, _ := ic.cmd("UID FETCH 2 RFC822.SIZE")
	if !slices.ContainsFunc(fl, func(l string) bool { return strings.Contains(l, "RFC822.SIZE "+strconv.Itoa(len(bodies[1]))) }) {
		t.Errorf("RFC822.SIZE: %v", fl)
	}

	// grep -r, find -newer (dates set with touch -d), du -s.
	if got := sh(t, mnt, "grep -rl 'Subject: second' $M/foo.com/users/joe"); strings.TrimSpace(got) != mnt+"/foo.com/users/joe/INBOX/2.eml" {
		t.Errorf("grep -r: %q", got)
	}
	sh(t, mnt, "touch -d '2001-01-01 00:00' "+inbox+"/1.eml "+inbox+"/2.eml && touch -d '2020-01-01 00:00' "+inbox+"/3.eml")
	ref := filepath.Join(t.TempDir(), "ref")
	sh(t, mnt, "touch -d '2010-01-01' "+ref)
	if got := lines(sh(t, mnt, "find "+inbox+" -type f -newer "+ref)); !slices.Equal(got, []string{mnt + "/foo.com/users/joe/INBOX/3.eml"}) {
		t.Errorf("find -newer: %v", got)
	}
	fl, _ = ic.cmd("UID FETCH 3 INTERNALDATE")
	if !slices.ContainsFunc(fl, func(l string) bool { return strings.Contains(l, "01-Jan-2020 00:00:00") }) {
		t.Errorf("touch -d did not set the internal date: %v", fl)
	}
	total := 0
	for _, b := range bodies {
		total += len(b)
	}
	if got := strings.Fields(sh(t, mnt, "du -s -b $M/foo.com/users/joe"))[0]; got != strconv.Itoa(total+2*4096) {
		t.Errorf("du -sb = %s, want the messages (%d) and two directories", got, total)
	}
	if got := strings.Fields(sh(t, mnt, "du -s $M/foo.com/users/joe"))[0]; got == "0" {
		t.Errorf("du -s = %s", got)
	}

	// mkdir, mv and rmdir of mailboxes.
	sh(t, mnt, "mkdir -p $M/foo.com/users/joe/lists/go && mv $M/foo.com/users/joe/lists $M/foo.com/users/joe/mailing")
	list := s.mstore("", "mailbox", "list", "foo.com/users/joe")
	if !strings.Contains(list, "foo.com/users/joe/mailing/go") || strings.Contains(list, "lists") {
		t.Errorf("after mkdir and mv:\n%s", list)
	}
	sh(t, mnt, "rmdir $M/foo.com/users/joe/mailing/go")
	if strings.Contains(s.mstore("", "mailbox", "list", "foo.com/users/joe"), "mailing/go") {
		t.Error("rmdir left the mailbox")
	}

	// cp and cp -p of a message file in: stored under its name, same bytes
	// over IMAP, and cp -p keeps the date.
	src := t.TempDir()
	in := msg("copied in", 2000)
	os.WriteFile(src+"/new.eml", []byte(in), 0o644)
	os.WriteFile(src+"/kept.eml", []byte(msg("kept date", 100)), 0o644)
	sh(t, mnt, "touch -d '2005-06-07 08:09:10 UTC' "+src+"/kept.eml")
	sh(t, mnt, "cp "+src+"/new.eml "+inbox+"/ && cp -p "+src+"/kept.eml "+inbox+"/")
	if got := lines(sh(t, mnt, "ls "+inbox)); !slices.Equal(got, []string{"1.eml", "2.eml", "3.eml", "kept.eml", "new.eml"}) {
		t.Errorf("ls after cp: %v", got)
	}
	ic.cmd("NOOP")
	if got := fetchBody(t, ic, 4); got != in {
		t.Errorf("the copied message over IMAP: %q", got)
	}
	fl, _ = ic.cmd("UID FETCH 5 INTERNALDATE")
	if !slices.ContainsFunc(fl, func(l string) bool { return strings.Contains(l, "07-Jun-2005 08:09:10 +0000") }) {
		t.Errorf("cp -p date over IMAP: %v", fl)
	}

	// mv between mailboxes, rm (an IDLE session sees the EXPUNGE).
	sh(t, mnt, "mkdir $M/foo.com/users/joe/archive && mv "+inbox+"/new.eml $M/foo.com/users/joe/archive/")
	if got := sh(t, mnt, "cat $M/foo.com/users/joe/archive/new.eml"); got != in {
		t.Errorf("moved message: %q", got)
	}
	if n, _ := s.status(t, "foo.com/users/joe/INBOX"); n != 4 {
		t.Errorf("INBOX holds %d after mv, want 4", n)
	}
	idle := dialIMAP(t, s.addr("imap"))
	idle.cmd("LOGIN joe@foo.com secret")
	idle.cmd("SELECT INBOX")
	fmt.Fprintf(idle.c, "i1 IDLE\r\n")
	if l := idle.readLine(); !strings.HasPrefix(l, "+") {
		t.Fatalf("IDLE: %s", l)
	}
	sh(t, mnt, "rm "+inbox+"/1.eml")
	if l := idle.readLine(); l != "* 1 EXPUNGE" {
		t.Errorf("IDLE after rm: %q", l)
	}
	fmt.Fprintf(idle.c, "DONE\r\n")
	idle.readLine()

	// getfattr and setfattr on flags, seen as FETCH FLAGS.
	sh(t, mnt, `setfattr -n user.imap.flags -v '\Flagged $Label1' `+inbox+"/2.eml")
	fl, _ = ic.cmd("UID FETCH 2 FLAGS")
	if !slices.ContainsFunc(fl, func(l string) bool { return strings.Contains(l, `\Flagged`) && strings.Contains(l, "$Label1") }) {
		t.Errorf("FETCH FLAGS after setfattr: %v", fl)
	}
	ic.cmd(`UID STORE 2 +FLAGS (\Seen)`)
	if got := sh(t, mnt, "getfattr --only-values -n user.imap.flags "+inbox+"/2.eml"); !strings.Contains(got, `\Seen`) || !strings.Contains(got, `\Flagged`) {
		t.Errorf("getfattr after STORE: %q", got)
	}
	if got := sh(t, mnt, "getfattr --only-values -n user.imap.uid "+inbox+"/2.eml"); got != "2" {
		t.Errorf("user.imap.uid: %q", got)
	}
	if got := sh(t, mnt, "getfattr -d -m - "+inbox+"/2.eml"); !strings.Contains(got, "user.imap.internaldate=") {
		t.Errorf("getfattr -d: %q", got)
	}
}

// fetchBody reads a message's bytes over IMAP.
func fetchBody(t *testing.T, ic *imapConn, uid int) string {
	t.Helper()
	ic.n++
	tag := fmt.Sprintf("t%d", ic.n)
	fmt.Fprintf(ic.c, "%s UID FETCH %d BODY.PEEK[]\r\n", tag, uid)
	var body string
	for {
		l := ic.readLine()
		if strings.HasPrefix(l, tag+" ") {
			return body
		}
		if m := regexp.MustCompile(`\{(\d+)\}$`).FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[1])
			buf := make([]byte, n)
			if _, err := ioReadFull(ic.br, buf); err != nil {
				t.Fatal(err)
			}
			body = string(buf)
		}
	}
}

func ioReadFull(r *bufio.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		k, err := r.Read(buf[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// TestMountBackupRestore: tar and rsync of the mount hold every message
// byte for byte; an incremental rsync copies exactly what changed; an rsync
// restore into an empty mailbox keeps the names and dates.
func TestMountBackupRestore(t *testing.T) {
	s, mnt := mountServer(t)
	var bodies []string
	for i := 0; i < 5; i++ {
		b := msg(fmt.Sprintf("message %d", i), 100+i*3000)
		bodies = append(bodies, b)
		s.deliver(t, "joe@foo.com", b)
	}
	s.deliver(t, "bob@foo.com", msg("for bob", 100))
	out := t.TempDir()

	// tar -c of a user's tree.
	sh(t, mnt, "tar -cf "+out+"/joe.tar -C $M/foo.com/users joe && mkdir "+out+"/untar && tar -xf "+out+"/joe.tar -C "+out+"/untar")
	for i, b := range bodies {
		got, err := os.ReadFile(fmt.Sprintf("%s/untar/joe/INBOX/%d.eml", out, i+1))
		if err != nil || string(got) != b {
			t.Errorf("tar holds %d.eml: %v (%d bytes, want %d)", i+1, err, len(got), len(b))
		}
	}

	// rsync -a backups: everything, then exactly the one new message,
	// then nothing.
	transferred := func(stats string) int {
		m := regexp.MustCompile(`Number of regular files transferred: (\d+)`).FindStringSubmatch(stats)
		if m == nil {
			t.Fatalf("no rsync stats: %s", stats)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	backup := out + "/backup"
	if n := transferred(sh(t, mnt, "rsync -a --stats $M/ "+backup+"/")); n != 6 {
		t.Errorf("first rsync copied %d files, want 6", n)
	}
	s.deliver(t, "joe@foo.com", msg("late", 500))
	if n := transferred(sh(t, mnt, "rsync -a --stats $M/ "+backup+"/")); n != 1 {
		t.Errorf("rsync after one delivery copied %d files, want 1", n)
	}
	if n := transferred(sh(t, mnt, "rsync -a --stats $M/ "+backup+"/")); n != 0 {
		t.Errorf("rsync with no change copied %d files, want 0", n)
	}
	for i, b := range bodies {
		got, _ := os.ReadFile(fmt.Sprintf("%s/foo.com/users/joe/INBOX/%d.eml", backup, i+1))
		if string(got) != b {
			t.Errorf("backup of %d.eml differs", i+1)
		}
	}

	// Restore the saved INBOX into an empty mailbox: every message once,
	// names and dates kept; a second run copies nothing.
	sh(t, mnt, "touch -d '2002-02-02 02:02:02 UTC' "+backup+"/foo.com/users/joe/INBOX/3.eml")
	sh(t, mnt, "mkdir $M/foo.com/users/joe/restored")
	if n := transferred(sh(t, mnt, "rsync -a --stats "+backup+"/foo.com/users/joe/INBOX/ $M/foo.com/users/joe/restored/")); n != 6 {
		t.Errorf("restore copied %d files, want 6", n)
	}
	if n, _ := s.status(t, "foo.com/users/joe/restored"); n != 6 {
		t.Errorf("restored mailbox holds %d messages, want 6", n)
	}
	if got := lines(sh(t, mnt, "ls $M/foo.com/users/joe/restored")); !slices.Equal(got, []string{"1.eml", "2.eml", "3.eml", "4.eml", "5.eml", "6.eml"}) {
		t.Errorf("restored names: %v", got)
	}
	if got := sh(t, mnt, "stat -c %Y $M/foo.com/users/joe/restored/3.eml"); strings.TrimSpace(got) != "1012615322" {
		t.Errorf("restored date: %s", got)
	}
	if n := transferred(sh(t, mnt, "rsync -a --stats "+backup+"/foo.com/users/joe/INBOX/ $M/foo.com/users/joe/restored/")); n != 0 {
		t.Errorf("a second restore copied %d files, want 0", n)
	}
	if n, _ := s.status(t, "foo.com/users/joe/restored"); n != 6 {
		t.Errorf("after a second restore: %d messages", n)
	}
}

// TestMountRightsAndQuota runs commands as a second system account, tied
// to bob by the authmap: it gets exactly bob's rights. A cp past joe's
// quota fails with "Disk quota exceeded" and stores nothing.
func TestMountRightsAndQuota(t *testing.T) {
	s, mnt := mountServer(t)
	acct := fmt.Sprintf("mstfs%d", time.Now().UnixNano()%1000000)
	if out, err := exec.Command("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", acct).CombinedOutput(); err != nil {
		t.Fatalf("useradd: %v %s", err, out)
	}
	defer exec.Command("userdel", acct).Run()
	uid, _ := strconv.Atoi(strings.TrimSpace(string(must1(exec.Command("id", "-u", acct).Output()))))
	gid, _ := strconv.Atoi(strings.TrimSpace(string(must1(exec.Command("id", "-g", acct).Output()))))
	cred := &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	s.mstore("", "authmap", "add", acct, "bob@foo.com")
	s.deliver(t, "joe@foo.com", msg("to joe", 200))
	s.deliver(t, "bob@foo.com", msg("to bob", 200))
	s.mstore("", "mailbox", "create", "foo.com/users/joe/secret")
	s.mstore("", "acl", "set", "foo.com/users/joe/INBOX", "bob@foo.com", "lr")
	src := t.TempDir()
	os.Chmod(src, 0o755)
	os.Chmod(filepath.Dir(src), 0o755)
	os.WriteFile(src+"/m.eml", []byte(msg("from bob", 100)), 0o644)

	asBob := func(script string) (string, error) {
		out, errOut, err := shErr(mnt, script, cred)
		return out + errOut, err
	}
	ok := func(script string) string {
		t.Helper()
		out, err := asBob(script)
		if err != nil {
			t.Errorf("as bob, %q: %v %s", script, err, out)
		}
		return out
	}
	refused := func(script, why string) {
		t.Helper()
		out, err := asBob(script)
		if err == nil || !strings.Contains(out, why) {
			t.Errorf("as bob, %q: %v %q, want %q", script, err, out, why)
		}
	}
	if got := lines(ok("ls $M/foo.com/users/joe")); !slices.Equal(got, []string{"INBOX"}) {
		t.Errorf("bob sees in joe's tree: %v", got)
	}
	if got := ok("cat $M/foo.com/users/joe/INBOX/1.eml"); got != msg("to joe", 200) {
		t.Errorf("bob reads joe's message: %q", got)
	}
	refused("ls $M/foo.com/users/joe/secret", "No such file or directory")
	refused("rm $M/foo.com/users/joe/INBOX/1.eml", "Permission denied")
	refused("cp "+src+"/m.eml $M/foo.com/users/joe/INBOX/", "Permission denied")
	refused("mkdir $M/foo.com/users/joe/INBOX/sub", "Permission denied")
	// touch without -h opens the file for writing first: EPERM, a message
	// never changes. Its time alone needs w.
	refused("touch -h $M/foo.com/users/joe/INBOX/1.eml", "Permission denied")
	refused("setfattr -n user.imap.acl -v 'bob@foo.com lrswipkxtea' $M/foo.com/users/joe/INBOX", "Permission denied")
	ok("cp " + src + "/m.eml $M/foo.com/users/bob/INBOX/ && mkdir $M/foo.com/users/bob/projects && rm $M/foo.com/users/bob/INBOX/1.eml")
	if n, _ := s.status(t, "foo.com/users/bob/INBOX"); n != 1 {
		t.Errorf("bob's INBOX holds %d", n)
	}
	if n, _ := s.status(t, "foo.com/users/joe/INBOX"); n != 1 {
		t.Errorf("joe's INBOX holds %d after bob's refused changes", n)
	}

	// Quota: df shows it, and a cp past it fails and stores nothing.
	s.mstore("", "quota", "set", "foo.com/users/joe", "--storage", "20")
	df := sh(t, mnt, "df -k --output=size $M/foo.com/users/joe/INBOX")
	if f := lines(df); len(f) < 2 || f[1] != "20" {
		t.Errorf("df: %q", df)
	}
	os.WriteFile(src+"/big.eml", []byte(msg("big", 64<<10)), 0o644)
	_, errOut, err := shErr(mnt, "cp "+src+"/big.eml $M/foo.com/users/joe/INBOX/", nil)
	if err == nil || !strings.Contains(errOut, "Disk quota exceeded") {
		t.Errorf("cp past the quota: %v %q", err, errOut)
	}
	if n, _ := s.status(t, "foo.com/users/joe/INBOX"); n != 1 {
		t.Errorf("a refused cp stored something: %d messages", n)
	}
	if got := sh(t, mnt, "ls $M/foo.com/users/joe/INBOX"); strings.Contains(got, "big.eml") {
		t.Errorf("ls after the refused cp: %s", got)
	}
}

func must1(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// TestMountLive: a delivery through the server shows in ls within a
// second; a server killed without unmounting leaves a stale mount that the
// next start cleans up.
func TestMountLive(t *testing.T) {
	s, mnt := mountServer(t)
	s.deliver(t, "joe@foo.com", msg("one", 100))
	sh(t, mnt, "ls -l $M/foo.com/users/joe/INBOX")
	start := time.Now()
	s.deliver(t, "joe@foo.com", msg("two", 100))
	for !strings.Contains(sh(t, mnt, "ls $M/foo.com/users/joe/INBOX"), "2.eml") {
		if time.Since(start) > time.Second {
			t.Fatal("a delivery did not show in ls within a second")
		}
		time.Sleep(10 * time.Millisecond)
	}

	// A crash: the mount stays, dead.
	s.cmd.Process.Kill()
	<-s.done
	s.cmd.Wait()
	if !mounted(mnt) {
		t.Fatal("no mount left after a kill")
	}
	if _, err := os.ReadDir(mnt); !errors.Is(err, syscall.ENOTCONN) {
		t.Fatalf("listing the mount of a killed server: %v, want ENOTCONN", err)
	}
	s2 := startServerIn(t, s.dir, "", "--mount", mnt)
	if !strings.Contains(s2.log(), "stale mount") {
		t.Errorf("no word of the stale mount:\n%s", s2.log())
	}
	if got := lines(sh(t, mnt, "ls $M/foo.com/users/joe/INBOX")); !slices.Equal(got, []string{"1.eml", "2.eml"}) {
		t.Errorf("after the restart: %v", got)
	}
	// The warning about the stale mount is expected; stop fails on any
	// other.
	s2.mu.Lock()
	s2.stderr.Reset()
	s2.mu.Unlock()
	s2.stop()
}
