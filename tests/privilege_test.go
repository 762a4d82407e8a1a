package tests

import (
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"mstore/tools/testenv"
)

// serve started by root gives root up for server.user once its ports are
// bound and its mount is made; only the authentication proxy stays root.
// Everything the store holds belongs to the account, whether the server
// made it or an admin command run by root with no server running, and the
// mount still comes down when serve stops.
func TestServeGivesUpRoot(t *testing.T) {
	testenv.Root(t, "giving root up")
	uid, gid := runAccount(t)

	// An admin command as root, before any server: the store it makes
	// is already the account's.
	dir := t.TempDir()
	reachable(t, dir)
	direct := &server{t: t, dir: dir, config: writeConfig(t, "")}
	direct.mstore("", "domain", "add", "foo.com")
	direct.mstore("secret\n", "user", "add", "joe@foo.com", "--password-stdin")

	s, mnt := mountServerIn(t, dir)
	pid := s.cmd.Process.Pid
	if got := procIDs(t, pid, "Uid:"); got != strings.Repeat(strconv.Itoa(uid)+" ", 4) {
		t.Errorf("serve's uids %q, want %d four times", got, uid)
	}
	if got := procIDs(t, pid, "Gid:"); got != strings.Repeat(strconv.Itoa(gid)+" ", 4) {
		t.Errorf("serve's gids %q, want %d four times", got, gid)
	}
	if !strings.Contains(s.log(), "mstore: running as "+runUser+" (uid "+strconv.Itoa(uid)+")") {
		t.Errorf("serve does not say who it runs as:\n%s", s.log())
	}
	proxy := childOf(t, pid)
	if got := procIDs(t, proxy, "Uid:"); got != "0 0 0 0 " {
		t.Errorf("the authentication proxy's uids %q, want root", got)
	}

	// The server, no longer root, still stores mail: over the control
	// socket, through the mount, and for a user an admin command adds
	// while it runs.
	s.deliver(t, "joe@foo.com", msg("by the server", 100))
	s.mstore("", "user", "add", "ann@foo.com")
	s.deliver(t, "ann@foo.com", msg("for ann", 100))
	sh(t, mnt, `printf 'Subject: copied\r\n\r\nin\r\n' > "$M/foo.com/users/joe/INBOX/new"`)
	if got := sh(t, mnt, `ls "$M/foo.com/users/joe/INBOX" | wc -l`); strings.TrimSpace(got) != "2" {
		t.Errorf("joe's INBOX through the mount holds %s messages, want 2", got)
	}
	// A large message is read by the kernel from its file (passthrough),
	// registered by the proxy; a refusal would be a warning in serve's
	// log, which stop reports.
	big := msg("large", 2<<20)
	s.deliver(t, "ann@foo.com", big)
	if got := sh(t, mnt, `cat "$M/foo.com/users/ann/INBOX/2.eml" | wc -c`); strings.TrimSpace(got) != strconv.Itoa(len(big)) {
		t.Errorf("the large message reads %s bytes through the mount, want %d", got, len(big))
	}
	s.stop()
	if _, err := os.Stat("/proc/" + strconv.Itoa(proxy)); err == nil {
		time.Sleep(time.Second)
		if _, err := os.Stat("/proc/" + strconv.Itoa(proxy)); err == nil {
			t.Errorf("the authentication proxy (pid %d) outlived serve", proxy)
		}
	}

	// Root again, with no server: a new user's mailbox is the account's,
	// so that the next server can deliver to it.
	direct.mstore("", "user", "add", "kim@foo.com")
	if bad := notOwnedBy(t, dir, uid, gid); len(bad) > 0 {
		t.Errorf("not %s's: %v", runUser, bad)
	}
	s2 := startServerIn(t, dir, "")
	s2.deliver(t, "kim@foo.com", msg("for kim", 100))
	if bad := notOwnedBy(t, dir, uid, gid); len(bad) > 0 {
		t.Errorf("not %s's: %v", runUser, bad)
	}
}

// A store made by root before an account was configured is given to the
// account when serve first starts on it.
func TestServeAdoptsARootStore(t *testing.T) {
	testenv.Root(t, "giving root up")
	uid, gid := runAccount(t)
	dir := t.TempDir()
	s := startServerIn(t, dir, "", "--user", "")
	s.warnOK = "serving as root"
	s.mstore("", "domain", "add", "foo.com")
	s.mstore("", "user", "add", "joe@foo.com")
	s.deliver(t, "joe@foo.com", msg("as root", 100))
	s.stop()
	if len(notOwnedBy(t, dir, uid, gid)) == 0 {
		t.Fatal("a store served as root already belongs to the account")
	}
	s2 := startServerIn(t, dir, "")
	s2.deliver(t, "joe@foo.com", msg("as the account", 100))
	if n, _ := s2.status(t, "foo.com/users/joe/INBOX"); n != 2 {
		t.Errorf("joe has %d messages, want 2", n)
	}
	if bad := notOwnedBy(t, dir, uid, gid); len(bad) > 0 {
		t.Errorf("not adopted: %v", bad)
	}
}

// A server told to run as an account that does not exist says so and
// how to make it, before it touches anything.
func TestServeRefusesAMissingAccount(t *testing.T) {
	testenv.Root(t, "giving root up")
	dir := t.TempDir()
	cmd := exec.Command(bin, "serve", "--store", dir, "--user", "no-such-account-here", "--imap", "", "--pop3", "", "--lmtp", "", "--web", "", "--mount", "")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 8 {
		t.Fatalf("serve as a missing account: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), `server.user "no-such-account-here"`) || !strings.Contains(string(out), "useradd") {
		t.Errorf("message: %s", out)
	}
}

// procIDs is a line of /proc/PID/status ("Uid:") without its name.
func procIDs(t *testing.T, pid int, field string) string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, field); ok {
			return strings.Join(strings.Fields(rest), " ") + " "
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return ""
}

// childOf finds the one child process of pid, whichever thread made it.
func childOf(t *testing.T, pid int) int {
	t.Helper()
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
	var kids []string
	for _, p := range tasks {
		b, err := os.ReadFile(p)
		if err == nil {
			kids = append(kids, strings.Fields(string(b))...)
		}
	}
	if len(kids) != 1 {
		t.Fatalf("serve has children %q, want the proxy alone", kids)
	}
	child, _ := strconv.Atoi(kids[0])
	return child
}

// notOwnedBy lists what under dir is not uid:gid's.
func notOwnedBy(t *testing.T, dir string, uid, gid int) []string {
	t.Helper()
	var bad []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		st := info.Sys().(*syscall.Stat_t)
		if int(st.Uid) != uid || int(st.Gid) != gid {
			bad = append(bad, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return bad
}

// A store the account could not reach is refused while serve is still
// root, naming the directory in the way, rather than failing later.
func TestServeRefusesAStoreOutOfReach(t *testing.T) {
	testenv.Root(t, "giving root up")
	private := t.TempDir()
	if err := os.Chmod(private, 0o700); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(private, "store")
	cmd := exec.Command(bin, "serve", "--store", dir, "--config", writeConfig(t, ""), "--imap", "", "--pop3", "", "--lmtp", "", "--web", "", "--mount", "")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 8 {
		t.Fatalf("serve on a private directory: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "out of reach of server.user "+runUser) || !strings.Contains(string(out), private+" has mode 0700") {
		t.Errorf("message: %s", out)
	}
}

// runAccount returns the uid and gid of the account serve runs as.
func runAccount(t *testing.T) (uid, gid int) {
	t.Helper()
	u, err := user.Lookup(runUser)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return uid, gid
}
