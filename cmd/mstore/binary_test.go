package main

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"mstore/store"
	"mstore/tools/testenv"
)

// The real binary: serve in one process, verbs in others, SIGTERM.
func TestBinaryServeAndVerbs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	gotool, err := exec.LookPath("go")
	if err != nil {
		testenv.Skip(t, "no go tool: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "mstore")
	if out, err := exec.Command(gotool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()

	// Root stays root here (the store is in a private temporary
	// directory); tests/ runs serve as it gives root up.
	serve := exec.Command(bin, append([]string{"serve", "--store", dir, "--user", ""}, noDoors...)...)
	pipe, err := serve.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer serve.Process.Kill()
	serveLog := &testenv.LogBuffer{}
	ready := make(chan struct{})
	readyC := ready
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			serveLog.Write([]byte(sc.Text() + "\n"))
			if strings.HasPrefix(sc.Text(), "mstore: control on ") && ready != nil {
				close(ready)
				ready = nil
			}
		}
	}()
	select {
	case <-readyC:
	case <-time.After(30 * time.Second):
		t.Fatal("serve printed no readiness line")
	}
	logText := serveLog.String
	pid := serve.Process.Pid
	if !strings.Contains(logText(), "mstore: serving "+dir+" (pid "+strconv.Itoa(pid)+")") {
		t.Errorf("readiness line:\n%s", logText())
	}
	if got := store.LockHolder(dir); got != pid {
		t.Errorf("LockHolder = %d, want %d", got, pid)
	}

	mstore := func(stdin string, args ...string) result {
		t.Helper()
		cmd := exec.Command(bin, append(args, "--store", dir)...)
		cmd.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return result{code, out.String(), errb.String()}
	}
	expect := func(r result, code int, stdout string) {
		t.Helper()
		if r.code != code || (stdout != "" && !strings.Contains(r.stdout, stdout)) {
			t.Errorf("exit %d (want %d), stdout wants %q:\n%s", r.code, code, stdout, r)
		}
	}
	expect(mstore("", "domain", "add", "foo.com"), 0, "")
	r := mstore("", "domain", "add", "foo.com")
	expect(r, exitExists, "")
	if r.stderr != "mstore: domain foo.com already exists\n" {
		t.Errorf("stderr %q", r.stderr)
	}
	expect(mstore("secret\n", "user", "add", "joe@foo.com", "--password-stdin"), 0, "")
	expect(mstore("", "mailbox", "create", "foo.com/users/joe/Sent"), 0, "")
	expect(mstore("Subject: hi\n\nhello\n", "deliver", "joe@foo.com"), 0, "foo.com/users/joe/INBOX 1\n")
	expect(mstore("", "mailbox", "list", "--json"), 0, `"path": "foo.com/users/joe/Sent"`)
	expect(mstore("", "quota", "set", "foo.com/users/joe", "--messages", "1"), 0, "")
	expect(mstore("Subject: hi\n\nhello\n", "deliver", "joe@foo.com"), exitOverQuota, "")
	expect(mstore("", "acl", "set", "foo.com/users/joe/INBOX", "anyone", "lr"), 0, "")
	expect(mstore("", "acl", "get", "foo.com/users/joe/INBOX"), 0, "anyone")
	expect(mstore("", "reconstruct", "--all"), 0, "foo.com/users/joe/INBOX")
	expect(mstore("", "mailbox", "create", "foo.com/users/joe/../x"), exitInvalid, "")

	// A second server names the first.
	r = func() result {
		cmd := exec.Command(bin, append([]string{"serve", "--store", dir, "--user", ""}, noDoors...)...)
		var errb bytes.Buffer
		cmd.Stderr = &errb
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("second serve: %v", err)
		}
		return result{code: ee.ExitCode(), stderr: errb.String()}
	}()
	if r.code != exitInUse || !strings.Contains(r.stderr, "in use by process "+strconv.Itoa(pid)) || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("second serve: %s", r)
	}

	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- serve.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v\n%s", err, logText())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	if got := store.LockHolder(dir); got != 0 {
		t.Errorf("lock still held by %d", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "ipc", "control")); err == nil {
		t.Error("control socket left behind")
	}
	if !strings.Contains(logText(), "mstore: stopped serving "+dir) {
		t.Errorf("no stop line:\n%s", logText())
	}
	// With the server gone, verbs open the store themselves.
	expect(mstore("", "mailbox", "status", "foo.com/users/joe/INBOX"), 0, "messages       1")
}
