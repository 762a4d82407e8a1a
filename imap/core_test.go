package imap

import (
	"strings"
	"testing"
	"time"
)

func last(lines []string) string { return lines[len(lines)-1] }

func TestLoginAndCapability(t *testing.T) {
	e := newTestEnv(t, Options{})
	r := e.raw()
	caps := r.cmd("a", "CAPABILITY")
	if !strings.Contains(caps[0], "IMAP4rev2") || !strings.Contains(caps[0], "AUTH=PLAIN") || strings.Contains(caps[0], "LOGINDISABLED") {
		t.Errorf("capability before login from loopback: %q", caps[0])
	}
	if got := last(r.cmd("b", "LOGIN joe@foo.com wrong")); !strings.HasPrefix(got, "b NO [AUTHENTICATIONFAILED]") {
		t.Errorf("bad password: %q", got)
	}
	if got := last(r.cmd("c", "LOGIN nobody@foo.com secret")); !strings.HasPrefix(got, "c NO [AUTHENTICATIONFAILED]") {
		t.Errorf("unknown login: %q", got)
	}
	if got := last(r.cmd("d", "LOGIN joe@foo.com secret")); !strings.HasPrefix(got, "d OK [CAPABILITY ") || !strings.Contains(got, "IDLE") {
		t.Errorf("login: %q", got)
	}
	if got := last(r.cmd("e", "LOGIN joe@foo.com secret")); !strings.HasPrefix(got, "e BAD") {
		t.Errorf("second login: %q", got)
	}
	lines := r.cmd("f", "LOGOUT")
	if !strings.HasPrefix(lines[0], "* BYE") || !strings.HasPrefix(last(lines), "f OK") {
		t.Errorf("logout: %q", lines)
	}
}

func TestUnknownCommandBeforeLoginEndsSession(t *testing.T) {
	e := newTestEnv(t, Options{})
	r := e.raw()
	r.send("GET / HTTP/1.1")
	if l := r.line(); !strings.HasPrefix(l, "* BYE") {
		t.Errorf("got %q", l)
	}
}

func TestBadCommandsAfterLogin(t *testing.T) {
	e := newTestEnv(t, Options{MaxBadCommands: 3})
	r := e.raw()
	r.cmd("a", "LOGIN joe@foo.com secret")
	if got := last(r.cmd("b", "FROBNICATE")); !strings.HasPrefix(got, "b BAD") {
		t.Errorf("unknown command: %q", got)
	}
	if got := last(r.cmd("c", "SELECT")); !strings.HasPrefix(got, "c BAD") {
		t.Errorf("missing argument: %q", got)
	}
	if got := last(r.cmd("d", "NOOP")); got != "d OK NOOP completed" {
		t.Errorf("session did not go on: %q", got)
	}
	r.cmd("e", "FOO")
	r.cmd("f", "BAR")
	r.send("g BAZ")
	lines := r.expect("* BYE")
	if !strings.HasPrefix(last(lines), "* BYE") {
		t.Errorf("no BYE after too many bad commands: %q", lines)
	}
}

func TestSelectAndIdle(t *testing.T) {
	e := newTestEnv(t, Options{})
	e.deliver("joe@foo.com", "Subject: one\r\n\r\nbody\r\n")
	c := e.client("joe@foo.com")
	data, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if data.NumMessages != 1 || data.UIDValidity == 0 || data.UIDNext != 2 {
		t.Errorf("select data %+v", data)
	}
	r := e.raw()
	r.cmd("a", "LOGIN joe@foo.com secret")
	r.cmd("b", "SELECT INBOX")
	r.send("c IDLE")
	if l := r.line(); !strings.HasPrefix(l, "+ ") {
		t.Fatalf("idle: %q", l)
	}
	start := time.Now()
	e.deliver("joe@foo.com", "Subject: two\r\n\r\nbody\r\n")
	if l := r.line(); l != "* 2 EXISTS" {
		t.Fatalf("after delivery: %q", l)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("EXISTS took %v", d)
	}
	// Another session expunges: the idler hears EXPUNGE.
	e.expungeInbox("joe@foo.com", 1)
	if l := r.line(); l != "* 1 EXPUNGE" {
		t.Fatalf("after expunge: %q", l)
	}
	r.send("DONE")
	if l := r.line(); l != "c OK IDLE terminated" {
		t.Errorf("done: %q", l)
	}
}

func TestEnableIMAP4rev2(t *testing.T) {
	r := newTestEnv(t, Options{}).raw()
	r.cmd("a", "LOGIN joe@foo.com secret")
	if got := r.cmd("b", "ENABLE IMAP4rev2")[0]; got != "* ENABLED IMAP4rev2" {
		t.Errorf("%q", got)
	}
	if got := r.cmd("c", "ENABLE imap4rev2 UTF8=ACCEPT")[0]; got != "* ENABLED" {
		t.Errorf("enabling again: %q", got)
	}
}

func TestEnableCondstoreTellsHighestModseq(t *testing.T) {
	e := newTestEnv(t, Options{})
	r := e.raw()
	r.cmd("a", "LOGIN joe@foo.com secret")
	r.cmd("b", "SELECT INBOX")
	got := r.cmd("c", "ENABLE CONDSTORE")
	if len(got) < 3 || !strings.HasPrefix(got[0], "* OK [HIGHESTMODSEQ ") || got[1] != "* ENABLED CONDSTORE" {
		t.Errorf("%q", got)
	}
}
