package imap

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"

	"mstore/store"
)

// loginRaw opens a line-level session logged in as user.
func (e *testEnv) loginRaw(user string) *raw {
	e.t.Helper()
	r := e.raw()
	if got := last(r.cmd("L0", "LOGIN "+user+" "+testPassword)); !strings.HasPrefix(got, "L0 OK") {
		e.t.Fatalf("login %s: %q", user, got)
	}
	return r
}

// mustOK runs a command and fails the test unless it ends in OK; it
// returns the untagged lines.
func (r *raw) mustOK(tag, command string) []string {
	r.t.Helper()
	lines := r.cmd(tag, command)
	if !strings.HasPrefix(last(lines), tag+" OK") {
		r.t.Fatalf("%s: %q", command, lines)
	}
	return lines[:len(lines)-1]
}

// wantLines compares the untagged answer of a command with the lines
// expected, in order.
func wantLines(t *testing.T, r *raw, tag, command string, want ...string) {
	t.Helper()
	got := r.mustOK(tag, command)
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", command, got, want)
	}
}

// fruitTree makes RFC 5258's example hierarchy for joe: Fruit (with
// Apple, Banana, Peach), Tofu, Vegetable (with Broccoli, Corn), and its
// subscriptions, Vegetable/Broccoli subscribed and then deleted.
func fruitTree(t *testing.T, e *testEnv) *raw {
	r := e.loginRaw("joe@foo.com")
	for _, m := range []string{"Fruit/Apple", "Fruit/Banana", "Fruit/Peach", "Tofu", "Vegetable/Broccoli", "Vegetable/Corn"} {
		r.mustOK("c", "CREATE "+m)
	}
	for _, m := range []string{"INBOX", "Fruit/Banana", "Fruit/Peach", "Vegetable", "Vegetable/Broccoli", "Vegetable/Corn"} {
		r.mustOK("s", "SUBSCRIBE "+m)
	}
	r.mustOK("d", "DELETE Vegetable/Broccoli")
	return r
}

func TestListBasics(t *testing.T) {
	e := newTestEnv(t, Options{})
	r := fruitTree(t, e)
	wantLines(t, r, "a", `LIST "" ""`, `* LIST (\Noselect) "/" ""`)
	wantLines(t, r, "b", `LIST "" %`,
		`* LIST (\HasNoChildren) "/" INBOX`,
		`* LIST (\HasChildren) "/" Fruit`,
		`* LIST (\HasNoChildren) "/" Tofu`,
		`* LIST (\HasChildren) "/" Vegetable`)
	wantLines(t, r, "c", `LIST "" *`,
		`* LIST (\HasNoChildren) "/" INBOX`,
		`* LIST (\HasChildren) "/" Fruit`,
		`* LIST (\HasNoChildren) "/" Fruit/Apple`,
		`* LIST (\HasNoChildren) "/" Fruit/Banana`,
		`* LIST (\HasNoChildren) "/" Fruit/Peach`,
		`* LIST (\HasNoChildren) "/" Tofu`,
		`* LIST (\HasChildren) "/" Vegetable`,
		`* LIST (\HasNoChildren) "/" Vegetable/Corn`)
	// The reference is prefixed; a pattern that starts with the
	// delimiter ignores it.
	wantLines(t, r, "d", `LIST Fruit/ %`,
		`* LIST (\HasNoChildren) "/" Fruit/Apple`,
		`* LIST (\HasNoChildren) "/" Fruit/Banana`,
		`* LIST (\HasNoChildren) "/" Fruit/Peach`)
	wantLines(t, r, "e", `LIST Fruit/ /Tofu`)
	wantLines(t, r, "f", `LIST "" Fruit/B*`, `* LIST (\HasNoChildren) "/" Fruit/Banana`)
	// INBOX in any case, and only INBOX.
	wantLines(t, r, "g", `LIST "" inbox`, `* LIST (\HasNoChildren) "/" INBOX`)
	wantLines(t, r, "h", `LIST "" iN%`, `* LIST (\HasNoChildren) "/" INBOX`)
	wantLines(t, r, "i", `LIST "" tofu`)
	// A parent deleted under its children stays as a \Noselect level.
	r.mustOK("j", "DELETE Fruit")
	wantLines(t, r, "k", `LIST "" F%`, `* LIST (\Noselect \HasChildren) "/" Fruit`)
	// A pattern of many wildcards is answered at once.
	wantLines(t, r, "l", `LIST "" "`+strings.Repeat("*%", 3000)+`qq"`)
	wantLines(t, r, "m", `LIST "" "&Jjo"`)
}

// TestListExtended runs RFC 5258's examples on its example tree, with
// mstore's attributes (\HasChildren or \HasNoChildren always).
func TestListExtended(t *testing.T) {
	e := newTestEnv(t, Options{})
	r := fruitTree(t, e)
	// Example 3: subscribed names, one of them gone.
	wantLines(t, r, "a", `LIST (SUBSCRIBED) "" "*"`,
		`* LIST (\HasNoChildren \Subscribed) "/" INBOX`,
		`* LIST (\HasNoChildren \Subscribed) "/" Fruit/Banana`,
		`* LIST (\HasNoChildren \Subscribed) "/" Fruit/Peach`,
		`* LIST (\HasChildren \Subscribed) "/" Vegetable`,
		`* LIST (\NonExistent \HasNoChildren \Subscribed) "/" Vegetable/Broccoli`,
		`* LIST (\HasNoChildren \Subscribed) "/" Vegetable/Corn`)
	// Example 4: the CHILDREN return option.
	wantLines(t, r, "b", `LIST () "" "%" RETURN (CHILDREN)`,
		`* LIST (\HasNoChildren) "/" INBOX`,
		`* LIST (\HasChildren) "/" Fruit`,
		`* LIST (\HasNoChildren) "/" Tofu`,
		`* LIST (\HasChildren) "/" Vegetable`)
	// Example 6: RECURSIVEMATCH shows where subscribed children are.
	wantLines(t, r, "c", `LIST (SUBSCRIBED RECURSIVEMATCH) "" "%" RETURN (CHILDREN)`,
		`* LIST (\HasNoChildren \Subscribed) "/" INBOX`,
		`* LIST (\HasChildren) "/" Fruit ("CHILDINFO" ("SUBSCRIBED"))`,
		`* LIST (\HasChildren \Subscribed) "/" Vegetable ("CHILDINFO" ("SUBSCRIBED"))`)
	// With "*" every subscribed child is listed itself: no CHILDINFO for
	// a parent that is not selected.
	lines := r.mustOK("d", `LIST (SUBSCRIBED RECURSIVEMATCH) "" "*"`)
	if len(lines) != 6 || strings.Contains(lines[1], "Fruit ") {
		t.Errorf("recursive match with *: %q", lines)
	}
	// Several patterns; a name matched twice is told once.
	wantLines(t, r, "e", `LIST "" (INBOX "Fruit/*" "Fruit/Apple" "")`,
		`* LIST (\HasNoChildren) "/" INBOX`,
		`* LIST (\HasNoChildren) "/" Fruit/Apple`,
		`* LIST (\HasNoChildren) "/" Fruit/Banana`,
		`* LIST (\HasNoChildren) "/" Fruit/Peach`)
	// RETURN (SUBSCRIBED) adds \Subscribed to the usual list.
	wantLines(t, r, "f", `LIST "" "Fruit/%" RETURN (SUBSCRIBED)`,
		`* LIST (\HasNoChildren) "/" Fruit/Apple`,
		`* LIST (\HasNoChildren \Subscribed) "/" Fruit/Banana`,
		`* LIST (\HasNoChildren \Subscribed) "/" Fruit/Peach`)
	// An empty pattern in extended syntax matches nothing.
	wantLines(t, r, "g", `LIST () "" ""`)
	if got := last(r.cmd("h", `LIST (RECURSIVEMATCH) "" "%"`)); !strings.HasPrefix(got, "h BAD") {
		t.Errorf("RECURSIVEMATCH alone: %q", got)
	}
	if got := last(r.cmd("i", `LIST (FROBNICATE) "" "%"`)); !strings.HasPrefix(got, "i BAD") {
		t.Errorf("unknown option: %q", got)
	}
	// LIST-STATUS.
	e.deliver("joe@foo.com", "Subject: x\r\n\r\nhello\r\n")
	wantLines(t, r, "j", `LIST "" (INBOX Fruit Tofu) RETURN (STATUS (MESSAGES UNSEEN UIDNEXT SIZE))`,
		`* LIST (\HasNoChildren) "/" INBOX`,
		`* STATUS INBOX (MESSAGES 1 UIDNEXT 2 UNSEEN 1 SIZE 21)`,
		`* LIST (\HasChildren) "/" Fruit`,
		`* STATUS Fruit (MESSAGES 0 UIDNEXT 1 UNSEEN 0 SIZE 0)`,
		`* LIST (\HasNoChildren) "/" Tofu`,
		`* STATUS Tofu (MESSAGES 0 UIDNEXT 1 UNSEEN 0 SIZE 0)`)
}

func TestListSpecialUse(t *testing.T) {
	e := newTestEnv(t, Options{})
	r := e.loginRaw("joe@foo.com")
	r.mustOK("a", `CREATE Sent (USE (\Sent))`)
	r.mustOK("b", `CREATE Trash (USE (\Trash))`)
	r.mustOK("c", `CREATE Work/Drafts (USE (\Drafts))`)
	if got := last(r.cmd("d", `CREATE Odd (USE (\Frobnicate))`)); !strings.HasPrefix(got, "d NO [USEATTR]") {
		t.Errorf("unknown use: %q", got)
	}
	wantLines(t, r, "e", `LIST (SPECIAL-USE) "" "*"`,
		`* LIST (\HasNoChildren \Sent) "/" Sent`,
		`* LIST (\HasNoChildren \Trash) "/" Trash`,
		`* LIST (\HasNoChildren \Drafts) "/" Work/Drafts`)
	wantLines(t, r, "f", `LIST (SPECIAL-USE RECURSIVEMATCH) "" "%" RETURN (SPECIAL-USE)`,
		`* LIST (\HasNoChildren \Sent) "/" Sent`,
		`* LIST (\HasNoChildren \Trash) "/" Trash`,
		`* LIST (\HasChildren) "/" Work ("CHILDINFO" ("SPECIAL-USE"))`)
	// Plain LIST gives the attributes too.
	wantLines(t, r, "g", `LIST "" "S%"`, `* LIST (\HasNoChildren \Sent) "/" Sent`)
	caps := r.mustOK("h", "CAPABILITY")[0]
	for _, c := range []string{"LIST-EXTENDED", "LIST-STATUS", "SPECIAL-USE", "CREATE-SPECIAL-USE", "MOVE", "STATUS=SIZE", "MULTIAPPEND", "UIDPLUS", "CHILDREN", "NAMESPACE"} {
		if !slices.Contains(strings.Fields(caps), c) {
			t.Errorf("capability %s missing from %q", c, caps)
		}
	}
}

// TestListNamespaces: other users' and shared mailboxes appear under
// their namespace roots, which "%" shows as \Noselect levels once the
// caller can see something below them.
func TestListNamespaces(t *testing.T) {
	e := newTestEnv(t, Options{})
	ctx := context.Background()
	joe := e.loginRaw("joe@foo.com")
	wantLines(t, joe, "a", `LIST "" "%"`, `* LIST (\HasNoChildren) "/" INBOX`)
	wantLines(t, joe, "b", "NAMESPACE", `* NAMESPACE (("" "/")) (("Other Users/" "/")) (("Shared Folders/" "/"))`)

	ann := e.loginRaw("ann@foo.com")
	ann.mustOK("a", "CREATE Projects/Alpha")
	ann.mustOK("b", "SETACL Projects/Alpha joe lr")
	ann.mustOK("c", "CREATE Private")
	if _, err := e.st.CreateMailbox(ctx, store.System(), store.MailboxName{Domain: "foo.com", Name: "shared/staff"}, store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.SetACL(ctx, store.System(), store.MailboxName{Domain: "foo.com", Name: "shared/staff"}, "anyone", "lrsi"); err != nil {
		t.Fatal(err)
	}
	wantLines(t, joe, "c", `LIST "" "%"`,
		`* LIST (\HasNoChildren) "/" INBOX`,
		`* LIST (\Noselect \HasChildren) "/" "Other Users"`,
		`* LIST (\Noselect \HasChildren) "/" "Shared Folders"`)
	wantLines(t, joe, "d", `LIST "" "*"`,
		`* LIST (\HasNoChildren) "/" INBOX`,
		`* LIST (\Noselect \HasChildren) "/" "Other Users"`,
		`* LIST (\Noselect \HasChildren) "/" "Other Users/ann"`,
		`* LIST (\Noselect \HasChildren) "/" "Other Users/ann/Projects"`,
		`* LIST (\HasNoChildren) "/" "Other Users/ann/Projects/Alpha"`,
		`* LIST (\Noselect \HasChildren) "/" "Shared Folders"`,
		`* LIST (\HasNoChildren) "/" "Shared Folders/staff"`)
	wantLines(t, joe, "e", `LIST "Other Users/" "%"`, `* LIST (\Noselect \HasChildren) "/" "Other Users/ann"`)
	// A pattern inside the personal namespace does not reach them.
	wantLines(t, joe, "f", `LIST "" "I*"`, `* LIST (\HasNoChildren) "/" INBOX`)
	// zed of another domain sees none of it.
	zed := e.loginRaw("zed@bar.com")
	wantLines(t, zed, "a", `LIST "" "*"`, `* LIST (\HasNoChildren) "/" INBOX`)
}

// TestListUTF7: a name outside ASCII goes as modified UTF-7 until the
// client enables UTF8=ACCEPT, then as UTF-8.
func TestListUTF7(t *testing.T) {
	e := newTestEnv(t, Options{})
	r := e.loginRaw("joe@foo.com")
	r.mustOK("a", `CREATE "Entw&APw-rfe"`)
	r.mustOK("b", `CREATE "Tom &- Jerry"`)
	wantLines(t, r, "c", `LIST "" "*"`,
		`* LIST (\HasNoChildren) "/" INBOX`,
		`* LIST (\HasNoChildren) "/" Entw&APw-rfe`,
		`* LIST (\HasNoChildren) "/" "Tom &- Jerry"`)
	wantLines(t, r, "d", `LIST "" "Entw&APw-*"`, `* LIST (\HasNoChildren) "/" Entw&APw-rfe`)
	wantLines(t, r, "e", `STATUS "Entw&APw-rfe" (MESSAGES)`, `* STATUS Entw&APw-rfe (MESSAGES 0)`)
	if _, err := e.st.Mailbox(context.Background(), store.System(), store.MailboxName{Domain: "foo.com", Name: "user/joe/Entwürfe"}); err != nil {
		t.Errorf("stored name: %v", err)
	}
	r.mustOK("f", "ENABLE UTF8=ACCEPT")
	r.mustOK("g", `CREATE "Größe"`)
	wantLines(t, r, "h", `LIST "" "*"`,
		`* LIST (\HasNoChildren) "/" INBOX`,
		`* LIST (\HasNoChildren) "/" "Entwürfe"`,
		`* LIST (\HasNoChildren) "/" "Größe"`,
		`* LIST (\HasNoChildren) "/" "Tom & Jerry"`)

	// go-imap's client decodes modified UTF-7 itself.
	c := e.client("joe@foo.com")
	list, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range list {
		names = append(names, l.Mailbox)
	}
	if want := []string{"INBOX", "Entwürfe", "Größe", "Tom & Jerry"}; !slices.Equal(names, want) {
		t.Errorf("imapclient names %q, want %q", names, want)
	}
}

func TestLsub(t *testing.T) {
	e := newTestEnv(t, Options{})
	r := fruitTree(t, e)
	wantLines(t, r, "a", `LSUB "" "*"`,
		`* LSUB () "/" INBOX`,
		`* LSUB () "/" Fruit/Banana`,
		`* LSUB () "/" Fruit/Peach`,
		`* LSUB () "/" Vegetable`,
		`* LSUB () "/" Vegetable/Broccoli`,
		`* LSUB () "/" Vegetable/Corn`)
	// RFC 3501: "%" gives Fruit, not subscribed, as \Noselect.
	wantLines(t, r, "b", `LSUB "" "%"`,
		`* LSUB () "/" INBOX`,
		`* LSUB (\Noselect) "/" Fruit`,
		`* LSUB () "/" Vegetable`)
	wantLines(t, r, "c", `LSUB "Fruit/" "%"`,
		`* LSUB () "/" Fruit/Banana`,
		`* LSUB () "/" Fruit/Peach`)
}

// TestListImapclient drives LIST, LSUB-like selection, NAMESPACE and
// LIST-STATUS through go-imap's client.
func TestListImapclient(t *testing.T) {
	e := newTestEnv(t, Options{})
	fruitTree(t, e)
	e.deliver("joe@foo.com", "Subject: x\r\n\r\nhello\r\n")
	c := e.client("joe@foo.com")
	list, err := c.List("", "%", &imap.ListOptions{ReturnStatus: &imap.StatusOptions{NumMessages: true, NumUnseen: true}}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 4 || list[0].Mailbox != "INBOX" || list[0].Status == nil || *list[0].Status.NumMessages != 1 {
		t.Fatalf("list %+v", list)
	}
	if !slices.Contains(list[1].Attrs, imap.MailboxAttrHasChildren) || list[1].Delim != '/' {
		t.Errorf("Fruit %+v", list[1])
	}
	subs, err := c.List("", "*", &imap.ListOptions{SelectSubscribed: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 6 || !slices.Contains(subs[4].Attrs, imap.MailboxAttrNonExistent) {
		t.Errorf("subscribed %+v", subs)
	}
	ns, err := c.Namespace().Wait()
	if err != nil {
		t.Fatal(err)
	}
	if len(ns.Personal) != 1 || ns.Personal[0].Prefix != "" || ns.Other[0].Prefix != "Other Users/" || ns.Shared[0].Prefix != "Shared Folders/" {
		t.Errorf("namespace %+v", ns)
	}
}

func TestListPatternMatch(t *testing.T) {
	tests := []struct {
		ref, pat, name string
		want           bool
	}{
		{"", "*", "a/b/c", true},
		{"", "%", "a/b", false},
		{"", "%", "a", true},
		{"", "a/%", "a/b", true},
		{"", "a/%", "a/b/c", false},
		{"", "a/*", "a/b/c", true},
		{"", "a%c", "abc", true},
		{"", "a%c", "a/c", false},
		{"", "a*c", "a/c", true},
		{"", "inbox", "INBOX", true},
		{"", "Inbox/%", "INBOX/x", true},
		{"", "inbox/X", "INBOX/x", false},
		{"", "inbox", "Other Users/ann/INBOX", false},
		{"a/", "%", "a/b", true},
		{"a/", "/b", "a/b", false},
		{"a/", "/b", "/b", true},
		{"", "%*%%*", "x/y", true},
		{"", "**%%", "", true},
		{"", "", "", true},
	}
	for _, tc := range tests {
		p, ok := compileListPattern(tc.ref, tc.pat)
		got := ok && listMatcher{p}.match(tc.name)
		if got != tc.want {
			t.Errorf("ref %q pattern %q name %q: %v", tc.ref, tc.pat, tc.name, got)
		}
	}
	m := listMatcher{mustPattern("Other Users/%")}
	if !m.reaches("Other Users") || m.reaches("Shared Folders") {
		t.Error("reaches")
	}
}

func mustPattern(p string) listPattern {
	lp, _ := compileListPattern("", p)
	return lp
}

func FuzzListPattern(f *testing.F) {
	f.Add("a/%", "a/b")
	f.Add("*x*y%", "xxy/y")
	f.Fuzz(func(t *testing.T, pat, name string) {
		p, ok := compileListPattern("", pat)
		if !ok {
			return
		}
		got := listMatcher{p}.match(name)
		if want := store.MatchPattern(string(p), name); inboxFold(name) == 0 && got != want {
			t.Errorf("pattern %q name %q: %v, store says %v", p, name, got, want)
		}
	})
}
