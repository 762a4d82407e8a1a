package lmtp

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mstore/tools/testenv"
)

// TestPostfix hands mail to the server through a real MTA: Debian's
// Postfix, on loopback, relaying foo.com to the LMTP socket. It needs root
// and installs postfix and swaks when they are missing, so it runs only
// with MSTORE_TEST_POSTFIX=1 (.ci/run sets it). The instance is private:
// its own configuration, queue and log under a temporary directory.
func TestPostfix(t *testing.T) {
	if os.Getenv("MSTORE_TEST_POSTFIX") != "1" {
		t.Skip("set MSTORE_TEST_POSTFIX=1 to run Postfix end to end (needs root)")
	}
	if os.Geteuid() != 0 {
		t.Fatal("MSTORE_TEST_POSTFIX=1 needs root: it installs and runs Postfix")
	}
	testenv.Program(t, "postfix", "postfix")
	swaks := testenv.Program(t, "swaks", "swaks")
	// Installed with "No configuration", Postfix has no main.cf, which
	// must name our private configuration directory.
	if _, err := os.Stat("/etc/postfix/main.cf"); os.IsNotExist(err) {
		if err := os.WriteFile("/etc/postfix/main.cf", nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pf, err := user.LookupGroup("postfix")
	if err != nil {
		t.Fatal(err)
	}
	gid, _ := strconv.Atoi(pf.Gid)

	// Postfix's lmtp client runs as postfix: it must get through the
	// directories to ipc/ and may then use the socket through its group.
	e := newEnv(t, envConfig{
		sockOpt: SocketOptions{Mode: 0o660, Group: "postfix"},
		sockDir: func(dir string) {
			openPath(t, dir, 0o711)
			ipc := filepath.Join(dir, "ipc")
			if err := os.Chown(ipc, 0, gid); err != nil {
				t.Fatal(err)
			}
		},
	})
	if fi, err := os.Stat(e.sock); err != nil || fi.Mode().Perm() != 0o660 {
		t.Fatalf("socket %v, %v", fi.Mode(), err)
	}

	pfDir := t.TempDir()
	openPath(t, pfDir, 0o755)
	port := freePort(t)
	startPostfix(t, pfDir, "foo.com", "unix:"+e.sock, port)
	t.Cleanup(func() { stopPostfix(t, pfDir) })

	marker := fmt.Sprintf("mstore-postfix-%d", time.Now().UnixNano())
	run(t, swaks, "--server", fmt.Sprintf("127.0.0.1:%d", port), "--from", "sender@example.net",
		"--to", "joe@foo.com,nobody@foo.com,full@foo.com", "--header", "Subject: "+marker,
		"--body", "through postfix\n"+marker+"\n")

	maillog := filepath.Join(pfDir, "maillog")
	waitFor(t, 60*time.Second, maillog, func() bool {
		log, _ := os.ReadFile(maillog)
		return e.count(mbox("joe", "INBOX")) == 1 &&
			strings.Contains(string(log), "to=<nobody@foo.com>") && strings.Contains(string(log), "to=<full@foo.com>")
	})
	got := e.messages(mbox("joe", "INBOX"))[0]
	rp, rcv, body := splitTrace(t, got)
	if rp != "Return-Path: <sender@example.net>" || !strings.Contains(rcv, "(local)") || !strings.Contains(string(body), marker) {
		t.Errorf("stored message:\n%s", got)
	}
	// Postfix's own trace field sits below ours.
	if !strings.Contains(string(body), "by mta.localdomain (Postfix)") {
		t.Errorf("no Received field of Postfix in %q", body)
	}
	log, _ := os.ReadFile(maillog)
	for _, want := range []string{
		"to=<joe@foo.com>, relay=", "status=sent (250 2.0.0",
		"to=<nobody@foo.com>", "status=bounced (host", "said: 550 5.1.1",
		"to=<full@foo.com>", "status=deferred (host", "said: 452 4.2.2",
	} {
		if !strings.Contains(string(log), want) {
			t.Errorf("maillog lacks %q:\n%s", want, log)
		}
	}
	if n := e.count(mbox("full", "INBOX")); n != 0 {
		t.Errorf("full has %d", n)
	}
}

// openPath sets mode on dir and on every directory above it up to the
// temporary directory root, so that another user can get through.
func openPath(t *testing.T, dir string, mode os.FileMode) {
	root := filepath.Clean(os.TempDir())
	for d := dir; strings.HasPrefix(d, root+"/"); d = filepath.Dir(d) {
		if err := os.Chmod(d, mode); err != nil {
			t.Fatal(err)
		}
	}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// startPostfix runs a Postfix of its own under dir: SMTP on 127.0.0.1:port,
// relaying domain to the LMTP target ("unix:/path" or "inet:host:port"),
// its log in dir/maillog.
func startPostfix(t *testing.T, dir, domain, target string, port int) {
	etc := filepath.Join(dir, "etc")
	for _, d := range []string{etc, filepath.Join(dir, "queue"), filepath.Join(dir, "data")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// master.cf: the system's services, with smtpd on our port only.
	master, err := os.ReadFile("/usr/share/postfix/master.cf.dist")
	if err != nil {
		if master, err = os.ReadFile("/etc/postfix/master.cf"); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Split(string(master), "\n")
	for i, l := range lines {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "smtp" && f[1] == "inet" {
			lines[i] = fmt.Sprintf("127.0.0.1:%d", port) + strings.TrimPrefix(l, "smtp")
		}
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(etc, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("master.cf", strings.Join(lines, "\n"))
	write("transport", domain+" lmtp:"+target+"\n")
	write("main.cf", strings.Join([]string{
		"compatibility_level = 3.6",
		"queue_directory = " + filepath.Join(dir, "queue"),
		"data_directory = " + filepath.Join(dir, "data"),
		"maillog_file = " + filepath.Join(dir, "maillog"),
		"maillog_file_prefixes = " + dir,
		"mail_owner = postfix",
		"setgid_group = postdrop",
		"myhostname = mta.localdomain",
		"mydestination =",
		"inet_interfaces = loopback-only",
		"inet_protocols = ipv4",
		"mynetworks = 127.0.0.0/8",
		"relay_domains = " + domain,
		"transport_maps = texthash:" + filepath.Join(etc, "transport"),
		"smtpd_relay_restrictions = permit_mynetworks, reject",
		"alias_maps =",
		"alias_database =",
		"local_recipient_maps =",
		// Keep retries of the deferred recipient from crowding the log.
		"minimal_backoff_time = 1h",
	}, "\n")+"\n")
	// Our daemons run unchrooted, so the LMTP socket path works as given.
	run(t, "postconf", "-c", etc, "-F", "*/*/chroot = n")
	// Postfix takes a private configuration directory only when the
	// system's main.cf names it.
	out, _ := exec.Command("postconf", "-h", "alternate_config_directories").Output()
	cur := strings.TrimSpace(string(out))
	run(t, "postconf", "-e", "alternate_config_directories = "+strings.TrimSpace(cur+" "+etc))
	exec.Command("postfix", "-c", etc, "set-permissions").Run()
	run(t, "postfix", "-c", etc, "check")
	run(t, "postfix", "-c", etc, "start")
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "maillog"))
			t.Fatalf("postfix did not listen on %d:\n%s", port, log)
		}
	}
}

// stopPostfix stops the instance and takes its directory out of the
// system's alternate_config_directories again.
func stopPostfix(t *testing.T, dir string) {
	etc := filepath.Join(dir, "etc")
	exec.Command("postfix", "-c", etc, "stop").Run()
	out, err := exec.Command("postconf", "-h", "alternate_config_directories").Output()
	if err != nil {
		return
	}
	var keep []string
	for _, d := range strings.Fields(strings.ReplaceAll(string(out), ",", " ")) {
		if d != etc {
			keep = append(keep, d)
		}
	}
	exec.Command("postconf", "-e", "alternate_config_directories = "+strings.Join(keep, " ")).Run()
}

func waitFor(t *testing.T, d time.Duration, logFile string, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !done() {
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logFile)
			t.Fatalf("timed out; %s:\n%s", logFile, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
