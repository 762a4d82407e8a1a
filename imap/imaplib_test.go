package imap

import (
	"os/exec"
	"strings"
	"testing"

	"mstore/tools/testenv"
)

// runImaplib runs a script of Python's imaplib, which gets the server's
// host and port as its arguments and must print "ok" and nothing more.
func (e *testEnv) runImaplib(script string) {
	e.t.Helper()
	host, port, _ := strings.Cut(e.addr, ":")
	out, err := exec.Command("python3", "-c", script, host, port).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		e.t.Fatalf("imaplib: %v\n%s", err, out)
	}
}

// TestImaplibMailboxCommands drives LIST, LSUB, NAMESPACE, STATUS,
// APPEND, COPY, MOVE and EXPUNGE with Python's imaplib, a client written
// apart from go-imap.
func TestImaplibMailboxCommands(t *testing.T) {
	testenv.Program(t, "python3", "python3")
	e := newTestEnv(t, Options{})
	script := `
import imaplib, sys, time
host, port = sys.argv[1], int(sys.argv[2])
m = imaplib.IMAP4(host, port)
m.login("joe@foo.com", "secret")
typ, caps = m.capability()
for c in (b"MOVE", b"UIDPLUS", b"MULTIAPPEND", b"LIST-EXTENDED", b"STATUS=SIZE"):
    assert c in caps[0].split(), (c, caps)

for name in ("Archive", "Work/2024", "Entw&APw-rfe"):
    typ, data = m.create(name)
    assert typ == "OK", (name, data)
typ, data = m.list()
assert typ == "OK", data
names = [l.rsplit(b' "/" ', 1)[1] for l in data]
assert names == [b"INBOX", b"Archive", b"Entw&APw-rfe", b"Work", b"Work/2024"], names
assert data[3].startswith(b"(\\HasChildren)"), data
typ, data = m.list("Work/", "%")
assert data == [b'(\\HasNoChildren) "/" Work/2024'], data
typ, data = m.subscribe("Work/2024")
typ, data = m.lsub('""', "%")
assert data == [b'(\\Noselect) "/" Work'], data
typ, data = m.namespace()
assert data[0] == b'(("" "/")) (("Other Users/" "/")) (("Shared Folders/" "/"))', data

msg = b"From: py@example.org\r\nSubject: from imaplib\r\n\r\nhello\r\n"
typ, data = m.append("INBOX", r"(\Seen \Flagged)", imaplib.Time2Internaldate(time.time()), msg)
assert typ == "OK" and b"[APPENDUID " in data[0], data
typ, data = m.append("INBOX", r"(\Deleted)", None, b"Subject: two\r\n\r\nx\r\n")
assert typ == "OK", data
typ, data = m.status("INBOX", "(MESSAGES UNSEEN UIDNEXT SIZE)")
assert typ == "OK" and b"MESSAGES 2" in data[0] and b"UNSEEN 1" in data[0] and b"UIDNEXT 3" in data[0], data

typ, data = m.select("INBOX")
assert data == [b"2"], data
typ, data = m.copy("1:2", "Archive")
assert typ == "OK" and data[0].startswith(b"[COPYUID "), data
typ, data = m.uid("COPY", "2", "Entw&APw-rfe")
assert typ == "OK", data
typ, data = m.uid("MOVE", "1", "Work/2024")
assert typ == "OK", data
assert m.untagged_responses.pop("EXPUNGE") == [b"1"], m.untagged_responses
typ, data = m.expunge()
assert typ == "OK" and data == [b"1"], data
typ, data = m.status("Archive", "(MESSAGES)")
assert b"MESSAGES 2" in data[0], data
typ, data = m.status("Work/2024", "(MESSAGES)")
assert b"MESSAGES 1" in data[0], data
typ, data = m.select("Archive")
typ, data = m.uid("EXPUNGE", "1")
assert typ == "OK" and data == [None], data
typ, data = m.expunge()
assert data == [b"2"], data
typ, data = m.append("Nowhere", None, None, b"x")
assert typ == "NO" and data[0].startswith(b"[TRYCREATE]"), (typ, data)
m.logout()
print("ok")
`
	e.runImaplib(script)
}
