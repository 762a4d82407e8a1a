package wire

import (
	"reflect"
	"testing"

	"github.com/emersion/go-imap/v2"
)

func TestParseSelect(t *testing.T) {
	for _, c := range []struct {
		args string
		want SelectCommand
	}{
		{" inbox", SelectCommand{Mailbox: "INBOX"}},
		{" \"Sent Items\" (CONDSTORE)", SelectCommand{Mailbox: "Sent Items", CondStore: true}},
		{" a (QRESYNC (67890007 20050715194045000))", SelectCommand{Mailbox: "a",
			QResync: &QResyncParams{UIDValidity: 67890007, ModSeq: 20050715194045000}}},
		{" a (QRESYNC (67890007 90060115194045000 41:211,214:541))", SelectCommand{Mailbox: "a",
			QResync: &QResyncParams{UIDValidity: 67890007, ModSeq: 90060115194045000,
				KnownUIDs: imap.UIDSet{{Start: 41, Stop: 211}, {Start: 214, Stop: 541}}}}},
		{" a (condstore QRESYNC (1 2 1:10 (1,5 3,20)))", SelectCommand{Mailbox: "a", CondStore: true,
			QResync: &QResyncParams{UIDValidity: 1, ModSeq: 2, KnownUIDs: imap.UIDSet{{Start: 1, Stop: 10}},
				KnownSeqNums: imap.SeqSet{{Start: 1, Stop: 1}, {Start: 5, Stop: 5}},
				KnownSeqUIDs: imap.UIDSet{{Start: 3, Stop: 3}, {Start: 20, Stop: 20}}}}},
		{" a (QRESYNC (1 2 (1 3)))", SelectCommand{Mailbox: "a",
			QResync: &QResyncParams{UIDValidity: 1, ModSeq: 2,
				KnownSeqNums: imap.SeqSet{{Start: 1, Stop: 1}}, KnownSeqUIDs: imap.UIDSet{{Start: 3, Stop: 3}}}}},
	} {
		got, err := decRun(t, c.args+"\r\n", ParseSelect)
		if err != nil || !reflect.DeepEqual(*got, c.want) {
			t.Errorf("%q = %+v, %v", c.args, got, err)
		}
	}
	for _, args := range []string{
		"", " ", " a ", " a ()", " a (FOO)", " a (CONDSTORE", " a (QRESYNC)", " a (QRESYNC ())",
		" a (QRESYNC (0 1))", " a (QRESYNC (1))", " a (QRESYNC (1 2 1:*))", " a (QRESYNC (1 2 (1)))",
		" a (QRESYNC (1 2 (1 2) 3))", " a (QRESYNC (1 2 3 4))", " a (QRESYNC (1 2) QRESYNC (1 2))",
		" a (QRESYNC (1 2 1:3 ))", " a CONDSTORE",
	} {
		if _, err := decRun(t, args+"\r\n", ParseSelect); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

func TestParseSimpleMailboxCommands(t *testing.T) {
	cr, err := decRun(t, " Drafts2 (USE (\\Drafts \\Sent))\r\n", ParseCreate)
	if err != nil || cr.Mailbox != "Drafts2" ||
		!reflect.DeepEqual(cr.SpecialUse, []imap.MailboxAttr{imap.MailboxAttrDrafts, imap.MailboxAttrSent}) {
		t.Errorf("CREATE = %+v, %v", cr, err)
	}
	cr, err = decRun(t, " inbox/x\r\n", ParseCreate)
	if err != nil || cr.Mailbox != "inbox/x" || cr.SpecialUse != nil {
		t.Errorf("CREATE = %+v, %v", cr, err)
	}
	for _, args := range []string{" a ()", " a (USE)", " a (USE ())", " a (FOO (x))", " a b"} {
		if _, err := decRun(t, args+"\r\n", ParseCreate); err == nil {
			t.Errorf("CREATE %q accepted", args)
		}
	}

	type pair struct{ a, b string }
	rn, err := decRun(t, " old \"new one\"\r\n", func(d *Decoder) (pair, error) {
		a, b, err := ParseRename(d)
		return pair{a, b}, err
	})
	if err != nil || rn != (pair{"old", "new one"}) {
		t.Errorf("RENAME = %+v, %v", rn, err)
	}
	for _, args := range []string{"", " a", " a ", " a b c"} {
		if _, err := decRun(t, args+"\r\n", func(d *Decoder) (pair, error) {
			a, b, err := ParseRename(d)
			return pair{a, b}, err
		}); err == nil {
			t.Errorf("RENAME %q accepted", args)
		}
	}

	cp, err := decRun(t, " 2:4 Archive\r\n", func(d *Decoder) (*CopyCommand, error) { return ParseCopy(d, true) })
	if err != nil || cp.Mailbox != "Archive" || cp.NumSet.String() != "2:4" {
		t.Errorf("COPY = %+v, %v", cp, err)
	}
	if _, ok := cp.NumSet.(imap.UIDSet); !ok {
		t.Errorf("UID COPY set %T", cp.NumSet)
	}
	for _, args := range []string{"", " 1", " 1 ", " x a", " 1 a b"} {
		if _, err := decRun(t, args+"\r\n", func(d *Decoder) (*CopyCommand, error) { return ParseCopy(d, false) }); err == nil {
			t.Errorf("COPY %q accepted", args)
		}
	}
}

func TestParseList(t *testing.T) {
	for _, c := range []struct {
		args string
		want ListCommand
	}{
		{` "" ""`, ListCommand{Reference: "", Patterns: []string{""}}},
		{` "" *`, ListCommand{Reference: "", Patterns: []string{"*"}}},
		{` inbox %`, ListCommand{Reference: "INBOX", Patterns: []string{"%"}}},
		{` ~/Mail/ foo/%/b*r]`, ListCommand{Reference: "~/Mail/", Patterns: []string{"foo/%/b*r]"}}},
		{` "" ("INBOX" Drafts* %/x)`, ListCommand{Patterns: []string{"INBOX", "Drafts*", "%/x"}, Extended: true}},
		{` (SUBSCRIBED RECURSIVEMATCH) "" *`, ListCommand{Patterns: []string{"*"}, Extended: true,
			Options: imap.ListOptions{SelectSubscribed: true, SelectRecursiveMatch: true}}},
		{` (special-use remote) "" * RETURN (SUBSCRIBED CHILDREN)`, ListCommand{Patterns: []string{"*"}, Extended: true,
			Options: imap.ListOptions{SelectSpecialUse: true, SelectRemote: true, ReturnSubscribed: true, ReturnChildren: true}}},
		{` () "" %`, ListCommand{Patterns: []string{"%"}, Extended: true}},
		{` "" % RETURN ()`, ListCommand{Patterns: []string{"%"}, Extended: true}},
		{` "" % return (STATUS (MESSAGES UNSEEN) SPECIAL-USE)`, ListCommand{Patterns: []string{"%"}, Extended: true,
			Options: imap.ListOptions{ReturnStatus: &imap.StatusOptions{NumMessages: true, NumUnseen: true}, ReturnSpecialUse: true}}},
		{" {0}\r\n {1}\r\n%", ListCommand{Patterns: []string{"%"}}},
	} {
		got, err := decRun(t, c.args+"\r\n", ParseList)
		if err != nil || !reflect.DeepEqual(*got, c.want) {
			t.Errorf("%q = %+v, %v", c.args, got, err)
		}
	}
	for _, args := range []string{
		"", " ", ` ""`, ` "" `, ` (FOO) "" *`, ` (RECURSIVEMATCH) "" *`, ` (REMOTE RECURSIVEMATCH) "" *`,
		` "" ()`, ` "" (a`, ` "" * RETURN`, ` "" * RETURN (FOO)`, ` "" * FOO (CHILDREN)`,
		` "" * RETURN (STATUS)`, ` "" * RETURN (STATUS ())`, ` "" * RETURN (STATUS (FOO))`,
		` "" * RETURN (STATUS (MESSAGES) STATUS (UNSEEN))`, ` "" * RETURN (CHILDREN) x`, ` a b c`,
		` (SUBSCRIBED "" *`,
	} {
		if _, err := decRun(t, args+"\r\n", ParseList); err == nil {
			t.Errorf("%q accepted", args)
		}
	}

	ls, err := decRun(t, " \"\" news/%\r\n", ParseLSub)
	if err != nil || ls.Reference != "" || !reflect.DeepEqual(ls.Patterns, []string{"news/%"}) {
		t.Errorf("LSUB = %+v, %v", ls, err)
	}
	if _, err := decRun(t, " \"\" (a)\r\n", ParseLSub); err == nil {
		t.Error("LSUB with a pattern list accepted")
	}
}

func TestParseStatus(t *testing.T) {
	got, err := decRun(t, " blurdybloop (UIDNEXT MESSAGES uidvalidity UNSEEN DELETED SIZE RECENT HIGHESTMODSEQ APPENDLIMIT DELETED-STORAGE)\r\n", ParseStatus)
	want := imap.StatusOptions{NumMessages: true, NumRecent: true, UIDNext: true, UIDValidity: true,
		NumUnseen: true, NumDeleted: true, Size: true, AppendLimit: true, DeletedStorage: true, HighestModSeq: true}
	if err != nil || got.Mailbox != "blurdybloop" || got.Options != want {
		t.Errorf("STATUS = %+v, %v", got, err)
	}
	got, err = decRun(t, " Inbox (MESSAGES)\r\n", ParseStatus)
	if err != nil || got.Mailbox != "INBOX" || got.Options != (imap.StatusOptions{NumMessages: true}) {
		t.Errorf("STATUS = %+v, %v", got, err)
	}
	for _, args := range []string{"", " a", " a ()", " a (FOO)", " a MESSAGES", " a (MESSAGES", " a (MESSAGES) x"} {
		if _, err := decRun(t, args+"\r\n", ParseStatus); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}
