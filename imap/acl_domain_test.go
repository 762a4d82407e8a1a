package imap

import (
	"fmt"
	"strings"
	"testing"

	"mstore/store"
)

// Tests of issue 5 beyond the matrix: domains are walls, a domain's
// administrator manages its mailboxes and no others, and \Seen in a shared
// folder is each reader's own.

// step is one command of a session and its exact answer (tag "t").
type step struct {
	cmd  string
	want []string
}

// play runs steps on a session, after replacing %q in each command and
// answer with name quoted as the server writes it, and %s with name.
func play(t *testing.T, who string, r *raw, name string, steps []step) {
	t.Helper()
	quoted := fmt.Sprintf("%q", name)
	for _, s := range steps {
		cmd := strings.ReplaceAll(strings.ReplaceAll(s.cmd, "%q", quoted), "%s", name)
		got := r.responses("t", cmd)
		want := make([]string, len(s.want))
		for i, w := range s.want {
			want[i] = strings.ReplaceAll(w, "%q", quoted)
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: %s:\n  got  %q\n  want %q", who, cmd, got, want)
		}
	}
}

// crossDomainSetup gives foo.com mailboxes that anyone and authenticated
// may use, a shared folder, and quota roots: none of it is for zed.
func crossDomainSetup(x *aclEnv) {
	foo := func(name string) store.MailboxName { return store.MailboxName{Domain: "foo.com", Name: name} }
	x.setACL(foo("user/joe/INBOX"), "anyone lrswi", "authenticated lrswipkxte")
	x.put(foo("user/joe/INBOX"))
	x.mailbox(foo("user/joe/pub"), "anyone lrswipkxte")
	x.mailbox(foo("shared/news"), "anyone lrswi", "authenticated lrswipkxte")
	x.put(foo("shared/news"))
	x.put(store.MailboxName{Domain: "bar.com", Name: "user/zed/INBOX"})
	limit := int64(1000)
	for _, root := range []string{"foo.com", "foo.com/users/joe"} {
		if err := x.st.SetQuota(x.ctx, store.System(), root, &limit, nil); err != nil {
			x.t.Fatal(err)
		}
	}
}

// unreachable are the answers zed gets for a mailbox of foo.com that no
// entry names him in: the answers for a mailbox that does not exist. The
// second list runs with zed's INBOX selected.
func unreachable(name string) (auth, selected []step) {
	// Deleting an INBOX is refused by its name alone, the same whether it
	// exists or not.
	del := []string{noSuch}
	if strings.HasSuffix(name, "/INBOX") {
		del = []string{"t NO [CANNOT] Not possible"}
	}
	// Subscribing checks nothing, and tells nothing. (A subscription is
	// kept under the canonical name, lower-case user and domain.)
	if name == canonical(name) {
		auth = []step{
			{cmd: "SUBSCRIBE %q", want: []string{done("SUBSCRIBE")}},
			{cmd: `LIST (SUBSCRIBED) "" %q`, want: []string{`* LIST (\NonExistent \HasNoChildren \Subscribed) "/" %q`, done("LIST")}},
			{cmd: "UNSUBSCRIBE %q", want: []string{done("UNSUBSCRIBE")}},
		}
	}
	auth = append(auth, []step{
		{cmd: "SELECT %q", want: []string{noSuch}},
		{cmd: "EXAMINE %q", want: []string{noSuch}},
		{cmd: "STATUS %q (MESSAGES UNSEEN)", want: []string{noSuch}},
		{cmd: "APPEND %q {45+}\r\n" + matrixMsg, want: []string{tryCreate}},
		{cmd: "MYRIGHTS %q", want: []string{noSuch}},
		{cmd: "GETACL %q", want: []string{noSuch}},
		{cmd: "LISTRIGHTS %q zed@bar.com", want: []string{noSuch}},
		{cmd: "SETACL %q zed@bar.com lrswipkxtea", want: []string{noSuch}},
		{cmd: "DELETEACL %q anyone", want: []string{noSuch}},
		{cmd: "GETQUOTAROOT %q", want: []string{noSuch}},
		{cmd: "DELETE %q", want: del},
		{cmd: `RENAME %q "%s-stolen"`, want: []string{noSuch}},
		{cmd: `LIST "" %q`, want: []string{done("LIST")}},
	}...)
	selected = []step{
		{cmd: "COPY 1 %q", want: []string{tryCreate}},
		{cmd: "MOVE 1 %q", want: []string{tryCreate}},
	}
	return auth, selected
}

// canonical lower-cases the user and domain of an "Other Users/" name.
func canonical(name string) string {
	rest, ok := strings.CutPrefix(name, otherUsersNS+"/")
	if !ok {
		return name
	}
	user, path, _ := strings.Cut(rest, "/")
	return otherUsersNS + "/" + strings.ToLower(user) + "/" + path
}

func TestACLCrossDomain(t *testing.T) {
	x := newACLEnv(t)
	crossDomainSetup(x)
	zed := x.loginRaw("zed@bar.com")
	play(t, "zed", zed, "", []step{
		{cmd: `LIST "" "*"`, want: []string{`* LIST (\HasNoChildren) "/" INBOX`, done("LIST")}},
		{cmd: `LIST "" "%"`, want: []string{`* LIST (\HasNoChildren) "/" INBOX`, done("LIST")}},
		{cmd: `LIST "" "Other Users/*"`, want: []string{done("LIST")}},
		{cmd: `LIST "" "Other Users/%"`, want: []string{done("LIST")}},
		{cmd: `LIST "" "Other Users/joe@foo.com/*"`, want: []string{done("LIST")}},
		{cmd: `LIST "" "Shared Folders/*"`, want: []string{done("LIST")}},
		{cmd: `LIST "" "Shared Folders/@foo.com/*"`, want: []string{done("LIST")}},
		{cmd: `LIST (SPECIAL-USE) "" "*"`, want: []string{done("LIST")}},
		{cmd: "GETQUOTA foo.com/users/joe", want: []string{noSuch}},
		{cmd: "GETQUOTA foo.com", want: []string{noSuch}},
		{cmd: `CREATE "Other Users/joe@foo.com/INBOX/x"`, want: []string{noPerm}},
		{cmd: `CREATE "Other Users/joe@foo.com/pub"`, want: []string{noPerm}},
		{cmd: `CREATE "Shared Folders/@foo.com/news"`, want: []string{noPerm}},
		{cmd: `CREATE "Other Users/nobody@foo.com/x"`, want: []string{noPerm}},
		{cmd: `CREATE "Other Users/joe@foo.com/new"`, want: []string{noPerm}},
	})
	for _, name := range []string{"Other Users/joe@foo.com/INBOX", "Other Users/joe/INBOX", "Other Users/joe@foo.com/pub",
		"Shared Folders/@foo.com/news", "Other Users/JOE@FOO.COM/INBOX", "Other Users/nobody@foo.com/INBOX"} {
		auth, sel := unreachable(name)
		play(t, "zed", zed, name, auth)
		zed.mustOK("t", "SELECT INBOX")
		play(t, "zed", zed, name, sel)
		zed.mustOK("t", "UNSELECT")
	}

	// An entry that names zed opens exactly what it grants.
	joe := x.loginRaw("joe@foo.com")
	joe.mustOK("t", "SETACL INBOX zed@bar.com lr")
	play(t, "zed", zed, "Other Users/joe@foo.com/INBOX", []step{
		{cmd: "MYRIGHTS %q", want: []string{"* MYRIGHTS %q lr", done("MYRIGHTS")}},
		{cmd: `LIST "" "*"`, want: []string{`* LIST (\HasNoChildren) "/" INBOX`,
			`* LIST (\Noselect \HasChildren) "/" "Other Users"`,
			`* LIST (\Noselect \HasChildren) "/" "Other Users/joe@foo.com"`,
			`* LIST (\HasNoChildren) "/" %q`, done("LIST")}},
		{cmd: "STATUS %q (MESSAGES UNSEEN)", want: []string{"* STATUS %q (MESSAGES 1 UNSEEN 1)", done("STATUS")}},
		{cmd: "GETQUOTAROOT %q", want: []string{"* QUOTAROOT %q foo.com/users/joe foo.com",
			"* QUOTA foo.com/users/joe (STORAGE 1 1000)", "* QUOTA foo.com (STORAGE 1 1000)", done("GETQUOTAROOT")}},
		{cmd: "APPEND %q {45+}\r\n" + matrixMsg, want: []string{noPerm}},
		{cmd: "GETACL %q", want: []string{noPerm}},
		{cmd: "SETACL %q zed@bar.com lrswipkxtea", want: []string{noPerm}},
		{cmd: `RENAME %q "%s-old"`, want: []string{noPerm}},
		{cmd: `CREATE "Other Users/joe@foo.com/INBOX/x"`, want: []string{noPerm}},
		{cmd: "FETCH 1 (FLAGS)", want: []string{"t BAD FETCH not allowed now"}},
	})
	if got := last(zed.cmd("t", `EXAMINE "Other Users/joe@foo.com/INBOX"`)); got != "t OK [READ-ONLY] EXAMINE completed" {
		t.Errorf("zed EXAMINE with lr: %q", got)
	}
	play(t, "zed", zed, "Other Users/joe@foo.com/INBOX", []step{
		{cmd: "FETCH 1 (FLAGS BODY[])", want: []string{`* 1 FETCH (FLAGS () ` + body + `)`, done("FETCH")}},
		{cmd: `STORE 1 +FLAGS (\Seen)`, want: []string{readOnly}},
		{cmd: "CLOSE", want: []string{done("CLOSE")}},
	})
	// The other mailboxes of foo.com stay out of reach.
	for _, name := range []string{"Other Users/joe@foo.com/pub", "Shared Folders/@foo.com/news"} {
		play(t, "zed", zed, name, []step{
			{cmd: "MYRIGHTS %q", want: []string{noSuch}},
			{cmd: "SELECT %q", want: []string{noSuch}},
			{cmd: `LIST "" %q`, want: []string{done("LIST")}},
		})
	}
}

// TestACLAdmin: adm administers foo.com: he manages the ACL of any of its
// mailboxes through Other Users and Shared Folders, and nothing of bar.com.
func TestACLAdmin(t *testing.T) {
	x := newACLEnv(t)
	crossDomainSetup(x)
	x.mailbox(store.MailboxName{Domain: "foo.com", Name: "user/ann/private"})
	x.mailbox(store.MailboxName{Domain: "bar.com", Name: "shared/board"})
	adm := x.loginRaw("adm@foo.com")
	play(t, "adm", adm, "Other Users/ann/private", []step{
		{cmd: "GETACL %q", want: []string{"* ACL %q ann@foo.com lrswipkxteacd", done("GETACL")}},
		{cmd: "MYRIGHTS %q", want: []string{"* MYRIGHTS %q lrswipkxteacd", done("MYRIGHTS")}},
		{cmd: "SETACL %q joe lr", want: []string{done("SETACL")}},
		{cmd: "LISTRIGHTS %q ann", want: []string{`* LISTRIGHTS %q ann la r s w i p k x t e`, done("LISTRIGHTS")}},
		{cmd: "GETACL %q", want: []string{"* ACL %q ann@foo.com lrswipkxteacd joe@foo.com lr", done("GETACL")}},
	})
	joe := x.loginRaw("joe@foo.com")
	play(t, "joe", joe, "Other Users/ann/private", []step{
		{cmd: "MYRIGHTS %q", want: []string{"* MYRIGHTS %q lr", done("MYRIGHTS")}},
	})
	play(t, "adm", adm, "Other Users/ann/private", []step{
		{cmd: "DELETEACL %q joe", want: []string{done("DELETEACL")}},
	})
	play(t, "joe", joe, "Other Users/ann/private", []step{
		{cmd: "MYRIGHTS %q", want: []string{noSuch}},
	})
	play(t, "adm", adm, "Other Users/joe/pub", []step{
		{cmd: "GETACL %q", want: []string{"* ACL %q anyone lrswipkxtecd joe@foo.com lrswipkxteacd", done("GETACL")}},
		{cmd: "SETACL %q anyone lr", want: []string{done("SETACL")}},
		{cmd: "SETACL %q -ann r", want: []string{done("SETACL")}},
		{cmd: "GETACL %q", want: []string{"* ACL %q -ann@foo.com r anyone lr joe@foo.com lrswipkxteacd", done("GETACL")}},
	})
	ann := x.loginRaw("ann@foo.com")
	play(t, "ann", ann, "Other Users/joe/pub", []step{
		{cmd: "MYRIGHTS %q", want: []string{"* MYRIGHTS %q l", done("MYRIGHTS")}},
	})
	play(t, "adm", adm, "Shared Folders/news", []step{
		{cmd: "GETACL %q", want: []string{"* ACL %q anyone lrswi authenticated lrswipkxtecd", done("GETACL")}},
		{cmd: "SETACL %q -joe w", want: []string{done("SETACL")}},
		{cmd: "GETACL %q", want: []string{"* ACL %q -joe@foo.com w anyone lrswi authenticated lrswipkxtecd", done("GETACL")}},
	})
	// Nothing of bar.com, by any name.
	for _, name := range []string{"Other Users/zed@bar.com/INBOX", "Shared Folders/@bar.com/board", "Other Users/zed/INBOX"} {
		play(t, "adm", adm, name, []step{
			{cmd: "GETACL %q", want: []string{noSuch}},
			{cmd: "SETACL %q adm@foo.com lrswipkxtea", want: []string{noSuch}},
			{cmd: "DELETEACL %q zed@bar.com", want: []string{noSuch}},
			{cmd: "LISTRIGHTS %q zed@bar.com", want: []string{noSuch}},
			{cmd: "MYRIGHTS %q", want: []string{noSuch}},
			{cmd: "SELECT %q", want: []string{noSuch}},
			{cmd: `RENAME %q "%s-x"`, want: []string{noSuch}},
		})
	}
	for _, pattern := range []string{"*", "Other Users/*", "Shared Folders/*"} {
		for _, l := range adm.mustOK("t", `LIST "" "`+pattern+`"`) {
			if strings.Contains(l, "bar.com") {
				t.Errorf("adm LIST %s shows %q", pattern, l)
			}
		}
	}
	play(t, "adm", adm, "", []step{
		{cmd: `SETQUOTA "bar.com" (STORAGE 10)`, want: []string{noPerm}},
		{cmd: `SETQUOTA "foo.com/users/ann" (MESSAGE 10)`, want: []string{"* QUOTA foo.com/users/ann (MESSAGE 0 10)", done("SETQUOTA")}},
	})
}

// TestACLSharedSeen: \Seen in a shared folder, and in a mailbox shared by
// its owner, is each reader's own.
func TestACLSharedSeen(t *testing.T) {
	x := newACLEnv(t)
	news := x.mailbox(store.MailboxName{Domain: "foo.com", Name: "shared/news"}, "anyone lrs")
	x.put(news)
	x.put(news)
	x.setACL(store.MailboxName{Domain: "foo.com", Name: "user/joe/INBOX"}, "ann lrs")
	x.put(store.MailboxName{Domain: "foo.com", Name: "user/joe/INBOX"})

	joe, ann := x.loginRaw("joe@foo.com"), x.loginRaw("ann@foo.com")
	const folder = "Shared Folders/news"
	play(t, "joe", joe, folder, []step{
		{cmd: "MYRIGHTS %q", want: []string{"* MYRIGHTS %q lrs", done("MYRIGHTS")}},
		{cmd: `LIST "" "Shared Folders/*"`, want: []string{`* LIST (\HasNoChildren) "/" %q`, done("LIST")}},
	})
	joe.mustOK("t", `SELECT "`+folder+`"`)
	play(t, "joe", joe, folder, []step{
		{cmd: "FETCH 1 (BODY[])", want: []string{`* 1 FETCH (` + body + ` FLAGS (\Seen))`, done("FETCH")}},
		{cmd: `STORE 2 +FLAGS (\Seen \Flagged)`, want: []string{`* 2 FETCH (FLAGS (\Seen))`, done("STORE")}},
		{cmd: "STATUS %q (UNSEEN)", want: []string{"* STATUS %q (UNSEEN 0)", done("STATUS")}},
	})
	play(t, "ann", ann, folder, []step{
		{cmd: "STATUS %q (MESSAGES UNSEEN)", want: []string{"* STATUS %q (MESSAGES 2 UNSEEN 2)", done("STATUS")}},
	})
	ann.mustOK("t", `SELECT "`+folder+`"`)
	play(t, "ann", ann, folder, []step{
		{cmd: "FETCH 1:2 (FLAGS)", want: []string{"* 1 FETCH (FLAGS ())", "* 2 FETCH (FLAGS ())", done("FETCH")}},
		{cmd: "SEARCH UNSEEN", want: []string{"* SEARCH 1 2", done("SEARCH")}},
		{cmd: `STORE 2 +FLAGS (\Seen)`, want: []string{`* 2 FETCH (FLAGS (\Seen))`, done("STORE")}},
	})
	// joe takes his \Seen away: ann keeps hers, and is not told of his.
	play(t, "joe", joe, folder, []step{
		{cmd: `STORE 2 -FLAGS (\Seen)`, want: []string{`* 2 FETCH (FLAGS ())`, done("STORE")}},
	})
	play(t, "ann", ann, folder, []step{
		{cmd: "NOOP", want: []string{done("NOOP")}},
		{cmd: "FETCH 1:2 (FLAGS)", want: []string{"* 1 FETCH (FLAGS ())", `* 2 FETCH (FLAGS (\Seen))`, done("FETCH")}},
	})

	// In joe's INBOX, shared with ann, joe's \Seen is the message's and
	// ann's her own.
	joe.mustOK("t", "SELECT INBOX")
	play(t, "joe", joe, "INBOX", []step{
		{cmd: "FETCH 1 (BODY[])", want: []string{`* 1 FETCH (` + body + ` FLAGS (\Seen))`, done("FETCH")}},
	})
	play(t, "ann", ann, "Other Users/joe/INBOX", []step{
		{cmd: "STATUS %q (UNSEEN)", want: []string{"* STATUS %q (UNSEEN 1)", done("STATUS")}},
	})
	ann.mustOK("t", `SELECT "Other Users/joe/INBOX"`)
	play(t, "ann", ann, "", []step{
		{cmd: "FETCH 1 (FLAGS)", want: []string{"* 1 FETCH (FLAGS ())", done("FETCH")}},
		{cmd: "FETCH 1 (BODY[])", want: []string{`* 1 FETCH (` + body + ` FLAGS (\Seen))`, done("FETCH")}},
	})
	play(t, "joe", joe, "", []step{
		{cmd: `STORE 1 -FLAGS (\Seen)`, want: []string{"* 1 FETCH (FLAGS ())", done("STORE")}},
	})
	play(t, "ann", ann, "", []step{
		{cmd: "FETCH 1 (FLAGS)", want: []string{`* 1 FETCH (FLAGS (\Seen))`, done("FETCH")}},
		{cmd: "FETCH 1 (FLAGS)", want: []string{`* 1 FETCH (FLAGS (\Seen))`, done("FETCH")}},
	})
}
