package imap

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"mstore/tools/testenv"
)

// Python's imaplib, a client written apart from go-imap, drives FETCH,
// SEARCH and STORE; the script prints what it got as JSON.
const imaplibScript = `
import imaplib, json, sys
host, port = sys.argv[1], int(sys.argv[2])
out = {}
m = imaplib.IMAP4(host, port)
m.login("joe@foo.com", "secret")
typ, data = m.select("INBOX")
out["exists"] = int(data[0])
typ, data = m.fetch("1", "(RFC822)")
out["rfc822"] = data[0][1].decode("latin-1")
out["rfc822_resp"] = data[0][0].decode()
typ, data = m.fetch("1", "(FLAGS)")
out["flags_after"] = data[0].decode()
typ, data = m.fetch("2", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[TEXT]<0.5>)")
out["fields"] = data[0][1].decode()
out["partial"] = data[1][1].decode()
typ, data = m.uid("FETCH", "1:*", "(UID RFC822.SIZE INTERNALDATE)")
out["uid_fetch"] = [d.decode() for d in data]
typ, data = m.search(None, "UNSEEN")
out["unseen"] = data[0].decode()
typ, data = m.search("UTF-8", "BODY", "noon")
out["body"] = data[0].decode()
typ, data = m.uid("SEARCH", None, "OR", "FROM", "bob", "SUBJECT", "lunch")
out["uid_or"] = data[0].decode()
typ, data = m.store("2", "+FLAGS", "(\\Flagged Todo)")
out["store"] = [d.decode() for d in data]
typ, data = m.uid("STORE", "2", "-FLAGS.SILENT", "(Todo)")
out["store_silent"] = typ
typ, data = m.search(None, "KEYWORD", "Todo")
out["after_silent"] = data[0].decode()
try:
    m.fetch("1", "(BOGUS)")
    out["bad"] = "no error"
except imaplib.IMAP4.error as e:
    out["bad"] = str(e)
typ, data = m.noop()
out["noop"] = typ
m.logout()
print(json.dumps(out))
`

func TestImaplibFetchSearchStore(t *testing.T) {
	testenv.Program(t, "python3", "python3")
	e := newTestEnv(t, Options{})
	e.deliver("joe@foo.com", simpleMsg)
	e.deliver("joe@foo.com", "From: Bob <bob@example.com>\r\nSubject: Report\r\n\r\nFigures attached.\r\n")
	host, port, _ := strings.Cut(e.addr, ":")
	cmd := exec.Command("python3", "-c", imaplibScript, host, port)
	outb, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("python: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(outb, &out); err != nil {
		t.Fatalf("%v: %s", err, outb)
	}
	data, _ := e.stored(1)
	check := func(key string, ok bool) {
		t.Helper()
		if !ok {
			t.Errorf("%s: %v", key, out[key])
		}
	}
	check("exists", out["exists"] == float64(2))
	check("rfc822", out["rfc822"] == string(data))
	check("rfc822_resp", strings.Contains(out["rfc822_resp"].(string), "RFC822 {"))
	check("flags_after", strings.Contains(out["flags_after"].(string), `\Seen`))
	check("fields", out["fields"] == "Subject: Report\r\n\r\n")
	check("partial", out["partial"] == "Figur")
	uf, _ := out["uid_fetch"].([]any)
	check("uid_fetch", len(uf) == 2 && strings.Contains(uf[1].(string), "UID 2 RFC822.SIZE"))
	check("unseen", out["unseen"] == "2")
	check("body", out["body"] == "1")
	check("uid_or", out["uid_or"] == "1 2")
	st, _ := out["store"].([]any)
	check("store", len(st) == 1 && strings.Contains(st[0].(string), `FLAGS (\Flagged Todo)`))
	check("store_silent", out["store_silent"] == "OK")
	check("after_silent", out["after_silent"] == "")
	check("bad", strings.Contains(out["bad"].(string), "BAD") || strings.Contains(out["bad"].(string), "Unknown"))
	check("noop", out["noop"] == "OK")
}
