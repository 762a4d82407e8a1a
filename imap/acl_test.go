package imap

import (
	"context"
	"strings"
	"testing"

	"mstore/store"
	"mstore/tools/testenv"
)

func TestACLCommands(t *testing.T) {
	e := newTestEnv(t, Options{})
	joe := e.raw()
	joe.cmd("a", "LOGIN joe@foo.com secret")
	if got := joe.cmd("b", "MYRIGHTS INBOX"); got[0] != "* MYRIGHTS INBOX lrswipkxteacd" {
		t.Errorf("owner's rights %q", got)
	}
	if got := last(joe.cmd("c", "SETACL INBOX ann lrs")); got != "c OK SETACL completed" {
		t.Errorf("setacl %q", got)
	}
	if got := last(joe.cmd("d", "SETACL INBOX ann +w")); got != "d OK SETACL completed" {
		t.Errorf("setacl + %q", got)
	}
	if got := last(joe.cmd("d2", "SETACL INBOX -ann w")); got != "d2 OK SETACL completed" {
		t.Errorf("negative setacl %q", got)
	}
	got := joe.cmd("e", "GETACL INBOX")
	if got[0] != "* ACL INBOX -ann@foo.com w ann@foo.com lrsw joe@foo.com lrswipkxteacd" {
		t.Errorf("getacl %q", got[0])
	}
	if got := joe.cmd("f", "LISTRIGHTS INBOX joe"); got[0] != `* LISTRIGHTS INBOX joe la r s w i p k x t e` {
		t.Errorf("listrights owner %q", got[0])
	}
	if got := joe.cmd("g", "LISTRIGHTS INBOX ann"); got[0] != `* LISTRIGHTS INBOX ann "" l r s w i p k x t e a` {
		t.Errorf("listrights other %q", got[0])
	}
	if got := last(joe.cmd("h", "SETACL INBOX ann lrz")); !strings.HasPrefix(got, "h BAD") {
		t.Errorf("unknown right: %q", got)
	}
	// ann sees her rights through Other Users, minus the negative w.
	ann := e.raw()
	ann.cmd("a", "LOGIN ann@foo.com secret")
	if got := ann.cmd("b", `MYRIGHTS "Other Users/joe/INBOX"`); got[0] != `* MYRIGHTS "Other Users/joe/INBOX" lrs` {
		t.Errorf("ann's rights %q", got)
	}
	if got := last(ann.cmd("c", `GETACL "Other Users/joe/INBOX"`)); !strings.HasPrefix(got, "c NO [NOPERM]") {
		t.Errorf("getacl without a: %q", got)
	}
	if got := last(ann.cmd("d", `SETACL "Other Users/joe/INBOX" ann lrswipkxtea`)); !strings.HasPrefix(got, "d NO [NOPERM]") {
		t.Errorf("setacl without a: %q", got)
	}
	// zed of bar.com finds nothing.
	zed := e.raw()
	zed.cmd("a", "LOGIN zed@bar.com secret")
	if got := last(zed.cmd("b", `MYRIGHTS "Other Users/joe@foo.com/INBOX"`)); !strings.HasPrefix(got, "b NO [NONEXISTENT]") {
		t.Errorf("cross-domain rights: %q", got)
	}
	if got := last(joe.cmd("i", "DELETEACL INBOX ann")); got != "i OK DELETEACL completed" {
		t.Errorf("deleteacl %q", got)
	}
	if got := ann.cmd("e", `MYRIGHTS "Other Users/joe/INBOX"`); !strings.HasPrefix(last(got), "e NO [NONEXISTENT]") {
		t.Errorf("after deleteacl: %q", got)
	}
}

func TestQuotaCommands(t *testing.T) {
	e := newTestEnv(t, Options{})
	ctx := context.Background()
	if err := e.st.AddAdmin(ctx, store.System(), "ann@foo.com", "foo.com"); err != nil {
		t.Fatal(err)
	}
	e.deliver("joe@foo.com", "Subject: x\r\n\r\n"+strings.Repeat("y", 3000)+"\r\n")
	joe := e.raw()
	joe.cmd("a", "LOGIN joe@foo.com secret")
	if got := last(joe.cmd("b", `SETQUOTA "foo.com/users/joe" (STORAGE 100)`)); !strings.HasPrefix(got, "b NO [NOPERM]") {
		t.Errorf("user setquota %q", got)
	}
	ann := e.raw()
	ann.cmd("a", "LOGIN ann@foo.com secret")
	got := ann.cmd("b", `SETQUOTA "foo.com/users/joe" (STORAGE 100 MESSAGE 5)`)
	if got[0] != `* QUOTA foo.com/users/joe (STORAGE 3 100 MESSAGE 1 5)` || last(got) != "b OK SETQUOTA completed" {
		t.Errorf("admin setquota %q", got)
	}
	got = joe.cmd("c", "GETQUOTAROOT INBOX")
	if got[0] != "* QUOTAROOT INBOX foo.com/users/joe" || got[1] != "* QUOTA foo.com/users/joe (STORAGE 3 100 MESSAGE 1 5)" {
		t.Errorf("getquotaroot %q", got)
	}
	if got := joe.cmd("d", "GETQUOTA foo.com/users/joe"); got[0] != "* QUOTA foo.com/users/joe (STORAGE 3 100 MESSAGE 1 5)" {
		t.Errorf("getquota %q", got)
	}
	if got := last(joe.cmd("e", "GETQUOTA foo.com/users/ann")); !strings.HasPrefix(got, "e NO") {
		t.Errorf("another user's quota %q", got)
	}
	if got := last(ann.cmd("f", `SETQUOTA "foo.com" (FISH 3)`)); !strings.HasPrefix(got, "f NO") {
		t.Errorf("unknown resource %q", got)
	}
	if got := last(ann.cmd("g", `SETQUOTA "bar.com" (STORAGE 3)`)); !strings.HasPrefix(got, "g NO [NOPERM]") {
		t.Errorf("admin of another domain %q", got)
	}
}

// TestImaplibACLQuota drives the ACL and QUOTA commands, NAMESPACE, CRAM-MD5
// and an APPEND over quota with Python's imaplib, an independent client.
func TestImaplibACLQuota(t *testing.T) {
	testenv.Program(t, "python3", "python3")
	e := newTestEnv(t, Options{})
	if err := e.st.AddAdmin(context.Background(), store.System(), "ann@foo.com", "foo.com"); err != nil {
		t.Fatal(err)
	}
	script := `
import imaplib, sys
host, port = sys.argv[1], int(sys.argv[2])
m = imaplib.IMAP4(host, port)
typ, _ = m.login_cram_md5("joe@foo.com", "secret")
assert typ == "OK", typ
typ, data = m.myrights("INBOX")
assert typ == "OK" and b"lrswipkxtea" in data[0], data
typ, _ = m.setacl("INBOX", "ann", "lr")
assert typ == "OK", typ
typ, data = m.getacl("INBOX")
assert typ == "OK" and b"ann@foo.com lr" in data[0], data
typ, data = m.getquotaroot("INBOX")
assert typ == "OK", (typ, data)
m.logout()
a = imaplib.IMAP4(host, port)
a.login("ann@foo.com", "secret")
typ, data = a.setquota("foo.com/users/joe", "(STORAGE 1)")
assert typ == "OK", (typ, data)
typ, data = a.getquota("foo.com/users/joe")
assert typ == "OK" and b"STORAGE 0 1" in data[0], data
typ, data = a.myrights('"Other Users/joe/INBOX"')
assert typ == "OK" and b"lr" in data[0], data
a.logout()
j = imaplib.IMAP4(host, port)
j.login("joe@foo.com", "secret")
typ, data = j.namespace()
assert typ == "OK" and data[0] == b'(("" "/")) (("Other Users/" "/")) (("Shared Folders/" "/"))', data
big = b"Subject: big\r\n\r\n" + b"x" * 2000 + b"\r\n"
typ, data = j.append("INBOX", None, None, big)
assert typ == "NO" and data[0].startswith(b"[OVERQUOTA]"), (typ, data)
typ, data = j.status("INBOX", "(MESSAGES)")
assert typ == "OK" and b"(MESSAGES 0)" in data[0], data
typ, data = j.append("INBOX", None, None, b"Subject: small\r\n\r\nfits\r\n")
assert typ == "OK", (typ, data)
typ, data = j.getquotaroot("INBOX")
assert typ == "OK" and data[1] == [b"foo.com/users/joe (STORAGE 1 1)"], data
j.logout()
print("ok")
`
	e.runImaplib(script)
}
