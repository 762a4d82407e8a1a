package imap

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"mstore/store"
	"mstore/tools/testenv"
)

// runClient runs a client program with a deadline and returns its output.
func runClient(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %q: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// maildirFiles lists the files of a Maildir folder's cur and new, by the
// UID mbsync writes into their names (",U=<uid>:").
func maildirFiles(t *testing.T, dir string) map[uint32]string {
	t.Helper()
	out := map[uint32]string{}
	for _, sub := range []string{"cur", "new"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, ent := range entries {
			var uid uint32
			i := strings.Index(ent.Name(), ",U=")
			if i < 0 {
				out[0] = filepath.Join(dir, sub, ent.Name()) // not yet synced
				continue
			}
			fmt.Sscanf(ent.Name()[i+3:], "%d", &uid)
			out[uid] = filepath.Join(dir, sub, ent.Name())
		}
	}
	return out
}

// maildirFlags returns the flag letters of a Maildir file name.
func maildirFlags(path string) string {
	_, info, _ := strings.Cut(filepath.Base(path), ":2,")
	return info
}

// TestMbsync syncs a mailbox of 200 messages to a Maildir with mbsync
// (isync), pushes flag changes and a new message back, and checks that a
// run with nothing changed changes nothing.
func TestMbsync(t *testing.T) {
	mbsync := testenv.Program(t, "mbsync", "isync")
	e := newTestEnv(t, Options{})
	ctx := context.Background()
	for i := 1; i <= 200; i++ {
		e.deliver("joe@foo.com", fmt.Sprintf("From: s%d@example.org\r\nSubject: message %d\r\nMessage-ID: <m%d@example.org>\r\n\r\nbody %d\r\n", i, i, i, i))
	}
	joe := e.caller("joe@foo.com")
	inbox := e.inboxID("joe@foo.com")
	if _, _, err := e.st.StoreFlags(ctx, joe, inbox, []uint32{5}, store.FlagsAdd, []string{store.FlagFlagged}, 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.st.StoreFlags(ctx, joe, inbox, []uint32{6, 7}, store.FlagsAdd, []string{store.FlagSeen}, 0); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	host, port, _ := strings.Cut(e.addr, ":")
	rc := fmt.Sprintf(`IMAPAccount acc
Host %s
Port %s
User joe@foo.com
Pass %s
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account acc

MaildirStore local
Path %s/mail/
Inbox %s/mail/INBOX
SubFolders Verbatim

Channel ch
Far :remote:
Near :local:
Patterns INBOX
Create Both
SyncState *
Sync All
`, host, port, testPassword, dir, dir)
	if err := os.WriteFile(filepath.Join(dir, "mbsyncrc"), []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "mail"), 0o700); err != nil {
		t.Fatal(err)
	}
	sync := func() string { return runClient(t, dir, mbsync, "-c", filepath.Join(dir, "mbsyncrc"), "-a") }

	sync()
	local := filepath.Join(dir, "mail", "INBOX")
	files := maildirFiles(t, local)
	if len(files) != 200 {
		t.Fatalf("Maildir holds %d messages, want 200", len(files))
	}
	if f := maildirFlags(files[5]); f != "F" {
		t.Errorf("UID 5 flags %q, want F", f)
	}
	if f := maildirFlags(files[6]); f != "S" {
		t.Errorf("UID 6 flags %q, want S", f)
	}
	b, err := os.ReadFile(files[123])
	if err != nil {
		t.Fatal(err)
	}
	// mbsync keeps LF line ends and adds its X-TUID header.
	if want := e.bodyOf("joe@foo.com", "INBOX", 123); withoutTUID(string(b)) != withoutTUID(want) {
		t.Errorf("UID 123 local copy differs:\n%q\n%q", b, want)
	}

	// Push back: flags set by renaming files, and a new message.
	rename := func(uid uint32, flags string) {
		old := files[uid]
		base, _, _ := strings.Cut(filepath.Base(old), ":2,")
		if err := os.Rename(old, filepath.Join(local, "cur", base+":2,"+flags)); err != nil {
			t.Fatal(err)
		}
	}
	rename(10, "FS")
	rename(6, "") // \Seen taken away
	rename(11, "R")
	newMsg := "From: me@example.org\r\nSubject: written locally\r\n\r\nlocal body\r\n"
	if err := os.WriteFile(filepath.Join(local, "new", "1700000000.local.host"), []byte(newMsg), 0o600); err != nil {
		t.Fatal(err)
	}
	// A flag set on the server meanwhile travels the other way.
	if _, _, err := e.st.StoreFlags(ctx, joe, inbox, []uint32{20}, store.FlagsAdd, []string{store.FlagAnswered}, 0); err != nil {
		t.Fatal(err)
	}
	sync()
	flagsOf := map[uint32][]string{}
	ms := e.messagesOf("joe@foo.com", "INBOX")
	for _, m := range ms {
		flagsOf[m.UID] = m.Flags
	}
	if len(ms) != 201 {
		t.Errorf("server holds %d messages, want 201", len(ms))
	}
	if f := flagsOf[10]; !slices.Contains(f, store.FlagFlagged) || !slices.Contains(f, store.FlagSeen) {
		t.Errorf("UID 10 flags %q", f)
	}
	if f := flagsOf[6]; slices.Contains(f, store.FlagSeen) {
		t.Errorf("UID 6 flags %q, \\Seen should be gone", f)
	}
	if f := flagsOf[11]; !slices.Contains(f, store.FlagAnswered) {
		t.Errorf("UID 11 flags %q", f)
	}
	if got := e.bodyOf("joe@foo.com", "INBOX", 201); withoutTUID(got) != withoutTUID(newMsg) {
		t.Errorf("pushed message %q", got)
	}
	files = maildirFiles(t, local)
	if f := maildirFlags(files[20]); f != "R" {
		t.Errorf("UID 20 flags %q, want R", f)
	}
	if len(files) != 201 || files[0] != "" {
		t.Errorf("Maildir after the second run: %d files, unsynced %q", len(files), files[0])
	}

	// Nothing changed: a third run changes nothing on either side.
	before, err := e.st.MailboxByID(ctx, joe, inbox)
	if err != nil {
		t.Fatal(err)
	}
	// -Dn traces the commands sent: reading the flags is all it may do.
	idle := runClient(t, dir, mbsync, "-Dn", "-c", filepath.Join(dir, "mbsyncrc"), "-a")
	for _, l := range strings.Split(idle, "\n") {
		if c, ok := strings.CutPrefix(l, ">>> "); ok && (strings.Contains(c, "APPEND") || strings.Contains(c, "STORE") || strings.Contains(c, "BODY")) {
			t.Errorf("an idle sync sent %q", c)
		}
	}
	after, err := e.st.MailboxByID(ctx, joe, inbox)
	if err != nil {
		t.Fatal(err)
	}
	if after.HighestModSeq != before.HighestModSeq || after.UIDNext != before.UIDNext || after.Messages != before.Messages {
		t.Errorf("an idle sync changed the server: %+v -> %+v", before, after)
	}
	if again := maildirFiles(t, local); !mapsEqual(again, files) {
		t.Error("an idle sync changed the Maildir")
	}
}

// withoutTUID drops the X-TUID header mbsync adds and makes line ends LF.
func withoutTUID(m string) string {
	m = strings.ReplaceAll(m, "\r\n", "\n")
	var out []string
	for _, l := range strings.SplitAfter(m, "\n") {
		if !strings.HasPrefix(l, "X-TUID: ") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}

func mapsEqual(a, b map[uint32]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestMutt opens the INBOX with mutt in batch mode and saves (copies) a
// message to another folder, which must then hold the same bytes.
func TestMutt(t *testing.T) {
	mutt := testenv.Program(t, "mutt", "mutt")
	testenv.Program(t, "script", "bsdutils")
	e := newTestEnv(t, Options{})
	for i := 1; i <= 5; i++ {
		e.deliver("joe@foo.com", fmt.Sprintf("From: s%d@example.org\r\nTo: joe@foo.com\r\nSubject: note %d\r\n\r\nbody %d\r\n", i, i, i))
	}
	e.deliver("joe@foo.com", "From: boss@example.org\r\nTo: joe@foo.com\r\nSubject: keep this one\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGrüße\r\n")
	// Saved does not exist: mutt gets TRYCREATE, creates it, and copies.
	muttCopy(t, mutt, e.addr, "joe@foo.com", "INBOX", "keep", "Saved")

	saved := e.messagesOf("joe@foo.com", "Saved")
	if len(saved) != 1 {
		t.Fatalf("Saved holds %d messages, want 1", len(saved))
	}
	if got, want := e.bodyOf("joe@foo.com", "Saved", saved[0].UID), e.bodyOf("joe@foo.com", "INBOX", 6); got != want {
		t.Errorf("saved copy differs:\n%q\n%q", got, want)
	}
	if n := len(e.messagesOf("joe@foo.com", "INBOX")); n != 6 {
		t.Errorf("INBOX holds %d after a copy", n)
	}
}

// muttCopy has mutt, in batch mode under script(1), log in as user, open
// folder over IMAP, and copy the messages whose subject matches to the
// folder "to" of the same account.
func muttCopy(t *testing.T, mutt, addr, user, folder, subject, to string) {
	t.Helper()
	dir := t.TempDir()
	url := "imap://" + addr + "/"
	rc := fmt.Sprintf(`set imap_user="%s"
set imap_pass="%s"
set ssl_starttls=no
set ssl_force_tls=no
set folder="%s"
set spoolfile="+INBOX"
set confirmcreate=no
set confirmappend=no
set header_cache=""
set message_cachedir=""
set move=no
set mbox_type=Maildir
set record=""
`, user, testPassword, url)
	if err := os.WriteFile(filepath.Join(dir, "muttrc"), []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	keys := fmt.Sprintf(`push "<tag-pattern>~s %s<enter><tag-prefix><copy-message>=%s<enter><quit>"`, subject, to)
	cmdline := fmt.Sprintf(`TERM=xterm %s -n -F %s -f "%s%s" -e '%s'`, mutt, filepath.Join(dir, "muttrc"), url, folder, keys)
	runClient(t, dir, "script", "-qec", cmdline, "/dev/null")
}
