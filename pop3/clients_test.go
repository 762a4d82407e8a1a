package pop3

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"mstore/tools/testenv"
)

// Real POP3 clients from Debian: fetchmail and mpop fetch 100 messages
// into local files, which must hold the stored bytes.

// hundredMessages are the messages the clients fetch: sizes from a few
// hundred octets to 1 MiB, each with dot lines in its body.
func hundredMessages() [][]byte {
	msgs := make([][]byte, 100)
	for i := range msgs {
		size := 200 + i*i*37
		if i == 50 {
			size = 1 << 20
		}
		msgs[i] = testMessage(i+1, size)
	}
	return msgs
}

// sameMessages checks that got holds exactly the messages of want, in any
// order.
func sameMessages(t *testing.T, who string, got, want [][]byte) {
	t.Helper()
	got, want = slices.Clone(got), slices.Clone(want)
	slices.SortFunc(got, bytes.Compare)
	slices.SortFunc(want, bytes.Compare)
	if len(got) != len(want) {
		t.Fatalf("%s delivered %d messages, want %d", who, len(got), len(want))
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("%s: a message of %d octets differs from the stored one of %d:\n%.300q", who, len(got[i]), len(want[i]), got[i])
			return
		}
	}
}

// readDir returns the contents of every file in dir.
func readDir(t *testing.T, dir string) [][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, ent := range ents {
		b, err := os.ReadFile(filepath.Join(dir, ent.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func runClient(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	// The clients keep state under HOME; keep it in the test's directory.
	cmd.Env = append(os.Environ(), "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestFetchmail(t *testing.T) {
	fetchmail := testenv.Program(t, "fetchmail", "fetchmail")
	msgs := hundredMessages()
	for _, tc := range []struct {
		name string
		keep bool
		tls  string // how fetchmail reaches the server
	}{
		{"keep over STLS", true, "stls"},
		{"delete over POP3S", false, "pop3s"},
		{"delete in clear", false, "none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, testOptions())
			e.addUser("joe@foo.com", "secret")
			e.deliver("joe@foo.com", msgs...)
			dir := t.TempDir()
			out := filepath.Join(dir, "out")
			if err := os.Mkdir(out, 0o700); err != nil {
				t.Fatal(err)
			}
			addr, tlsOpts := e.plain, ""
			switch tc.tls {
			case "stls":
				tlsOpts = fmt.Sprintf("sslproto 'TLS1.2+' sslcertck sslcertfile %q sslcommonname pop.test", e.caFile)
			case "pop3s":
				addr = e.tls
				tlsOpts = fmt.Sprintf("ssl sslcertck sslcertfile %q sslcommonname pop.test", e.caFile)
			case "none":
				tlsOpts = "sslproto ''"
			}
			keep := "no keep"
			if tc.keep {
				keep = "keep"
			}
			host, port, _ := strings.Cut(addr, ":")
			// no stripcr keeps the CRLF line ends, no rewrite the headers,
			// and invisible adds no Received field: the files must then
			// hold the stored bytes.
			rc := fmt.Sprintf("set invisible\n"+
				"poll %s service %s protocol POP3 auth password\n"+
				"  user \"joe@foo.com\" password \"secret\" is root here\n"+
				"  %s fetchall no rewrite no stripcr %s\n"+
				"  mda \"/bin/sh -c 'cat > %s/msg.$$.$(date +%%s%%N)'\"\n",
				host, port, keep, tlsOpts, out)
			rcPath := filepath.Join(dir, "fetchmailrc")
			if err := os.WriteFile(rcPath, []byte(rc), 0o600); err != nil {
				t.Fatal(err)
			}
			log := runClient(t, dir, fetchmail, "-f", rcPath, "--nosyslog", "--nodetach",
				"--idfile", filepath.Join(dir, "fetchids"), "--pidfile", filepath.Join(dir, "pid"), "-v")
			if tc.tls != "none" && !strings.Contains(log, "SSL/TLS: using protocol") {
				t.Errorf("fetchmail did not use TLS:\n%s", log)
			}
			sameMessages(t, "fetchmail", readDir(t, out), msgs)
			_, left := e.inbox("joe@foo.com")
			if tc.keep && len(left) != len(msgs) || !tc.keep && len(left) != 0 {
				t.Errorf("%d messages left in the INBOX (keep %v)", len(left), tc.keep)
			}
		})
	}
}

func TestMpop(t *testing.T) {
	mpop := testenv.Program(t, "mpop", "mpop")
	msgs := hundredMessages()
	// A Maildir holds files with the local line end, so mpop writes LF
	// there; its Exchange pickup delivery keeps the bytes as they came.
	lfMsgs := make([][]byte, len(msgs))
	for i, m := range msgs {
		lfMsgs[i] = bytes.ReplaceAll(m, []byte("\r\n"), []byte("\n"))
	}
	for _, tc := range []struct {
		name     string
		keep     bool
		auth     string
		tls      string
		delivery string // maildir or exchange
	}{
		{"keep with USER over STLS into a Maildir", true, "user", "stls", "maildir"},
		{"delete with SCRAM-SHA-256 in clear into a Maildir", false, "scram-sha-256", "none", "maildir"},
		{"delete with CRAM-MD5 over POP3S, exact bytes", false, "cram-md5", "pop3s", "exchange"},
		{"keep with PLAIN over POP3S, exact bytes", true, "plain", "pop3s", "exchange"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, testOptions())
			e.addUser("joe@foo.com", "secret")
			e.deliver("joe@foo.com", msgs...)
			dir := t.TempDir()
			maildir := filepath.Join(dir, "Maildir")
			for _, sub := range []string{"cur", "new", "tmp"} {
				if err := os.MkdirAll(filepath.Join(maildir, sub), 0o700); err != nil {
					t.Fatal(err)
				}
			}
			// target is what the configuration names, delivered where the
			// files land.
			target, delivered, want := maildir, filepath.Join(maildir, "new"), lfMsgs
			if tc.delivery == "exchange" {
				target, delivered, want = filepath.Join(dir, "pickup"), filepath.Join(dir, "pickup"), msgs
				if err := os.Mkdir(target, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			addr, tlsOpts := e.plain, "tls off\n"
			switch tc.tls {
			case "stls":
				tlsOpts = fmt.Sprintf("tls on\ntls_starttls on\ntls_trust_file %s\ntls_host_override pop.test\n", e.caFile)
			case "pop3s":
				addr = e.tls
				tlsOpts = fmt.Sprintf("tls on\ntls_starttls off\ntls_trust_file %s\ntls_host_override pop.test\n", e.caFile)
			}
			keep := "off"
			if tc.keep {
				keep = "on"
			}
			host, port, _ := strings.Cut(addr, ":")
			rc := fmt.Sprintf("account test\nhost %s\nport %s\nuser joe@foo.com\npassword secret\nauth %s\n%s"+
				"delivery %s %s\nkeep %s\nonly_new off\nreceived_header off\nuidls_file %s\n",
				host, port, tc.auth, tlsOpts, tc.delivery, target, keep, filepath.Join(dir, "uidls"))
			rcPath := filepath.Join(dir, "mpoprc")
			if err := os.WriteFile(rcPath, []byte(rc), 0o600); err != nil {
				t.Fatal(err)
			}
			runClient(t, dir, mpop, "-C", rcPath, "-q", "test")
			sameMessages(t, "mpop", readDir(t, delivered), want)
			_, left := e.inbox("joe@foo.com")
			if tc.keep && len(left) != len(msgs) || !tc.keep && len(left) != 0 {
				t.Errorf("%d messages left in the INBOX (keep %v)", len(left), tc.keep)
			}
			if !strings.Contains(e.logs.String(), "mech="+strings.ToUpper(tc.auth)) {
				t.Errorf("mpop did not log in with %s:\n%s", tc.auth, logTail(e.logs, 20))
			}
		})
	}
}
