package imap

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"mstore/auth"
	"mstore/store"
)

// The ACL matrix of issue 5. joe owns the mailboxes; ann works on them
// through "Other Users/joe/...". For every command that touches a mailbox
// or its messages, and each right it needs, a row gives ann the right
// (with the fewest others RFC 4314 section 4 needs to reach the command),
// leaves it out, or takes it away with a negative entry over a grant to
// anyone or authenticated, and checks the exact answer and what changed.

// matrixMsg is the message every row's mailbox starts with.
const matrixMsg = "From: joe@foo.com\r\nSubject: matrix\r\n\r\nhello\r\n"

// Answers that many rows share.
const (
	noPerm    = "t NO [NOPERM] Permission denied"
	noSuch    = "t NO [NONEXISTENT] No such mailbox or message"
	tryCreate = "t NO [TRYCREATE] No such mailbox; create it first"
	readOnly  = "t NO [READ-ONLY] The mailbox is read-only"
)

func done(verb string) string { return "t OK " + verb + " completed" }

// aclEnv is the server of an ACL test: joe, ann and zed of newTestEnv, and
// adm, an administrator of foo.com.
type aclEnv struct {
	*testEnv
	ctx context.Context
	n   int // rows run, for fresh mailbox names
}

func newACLEnv(t *testing.T) *aclEnv {
	t.Helper()
	e := newTestEnv(t, Options{})
	ctx := context.Background()
	creds, err := auth.NewCredentials([]byte(testPassword), auth.CredentialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.AddUser(ctx, store.System(), "adm@foo.com", store.UserOptions{Credentials: &creds}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.AddAdmin(ctx, store.System(), "adm@foo.com", "foo.com"); err != nil {
		t.Fatal(err)
	}
	return &aclEnv{testEnv: e, ctx: ctx}
}

// mailbox creates a mailbox as the system and adds ACL entries, each
// "identifier rights" ("ann lr", "-ann r", "anyone l").
func (x *aclEnv) mailbox(n store.MailboxName, acl ...string) store.MailboxName {
	x.t.Helper()
	if _, err := x.st.CreateMailbox(x.ctx, store.System(), n, store.CreateOptions{}); err != nil {
		x.t.Fatal(err)
	}
	x.setACL(n, acl...)
	return n
}

func (x *aclEnv) setACL(n store.MailboxName, acl ...string) {
	x.t.Helper()
	for _, entry := range acl {
		ident, rights, _ := strings.Cut(entry, " ")
		if err := x.st.SetACL(x.ctx, store.System(), n, ident, rights); err != nil {
			x.t.Fatalf("SETACL %s %s: %v", n, entry, err)
		}
	}
}

// put appends matrixMsg with flags, as the system.
func (x *aclEnv) put(n store.MailboxName, flags ...string) {
	x.t.Helper()
	if _, err := x.st.Append(x.ctx, store.System(), n, strings.NewReader(matrixMsg), store.AppendOptions{Flags: flags}); err != nil {
		x.t.Fatal(err)
	}
}

// flags returns the flags of each message as user sees them, one string
// per message ("\Seen \Flagged"), or nil when the mailbox is gone.
func (x *aclEnv) flags(user string, n store.MailboxName) []string {
	c := store.System()
	if user != "" {
		c = x.caller(user)
	}
	info, err := x.st.Mailbox(x.ctx, store.System(), n)
	if err != nil {
		return nil
	}
	out := []string{}
	x.st.Messages(x.ctx, c, info.ID, 1, func(m store.Message) bool {
		out = append(out, strings.Join(m.Flags, " "))
		return true
	})
	return out
}

// snapshot is everything a refused command must leave as it was.
func (x *aclEnv) snapshot(n store.MailboxName) string {
	if n.Name == "" {
		return ""
	}
	info, err := x.st.Mailbox(x.ctx, store.System(), n)
	if err != nil {
		return "absent"
	}
	acl, _ := x.st.GetACL(x.ctx, store.System(), n)
	return fmt.Sprintf("%d %d %d %v %q", info.Messages, info.UIDNext, info.HighestModSeq, acl, x.flags("", n))
}

func (x *aclEnv) validity(n store.MailboxName) string {
	if n.Name == "" {
		return ""
	}
	info, err := x.st.Mailbox(x.ctx, store.System(), n)
	if err != nil {
		x.t.Fatal(err)
	}
	return strconv.FormatUint(uint64(info.UIDValidity), 10)
}

// aclRow is one cell of the matrix. In its commands and answers %m is the
// mailbox under test as ann names it ("Other Users/joe/m7", quoted), %d a
// second mailbox of joe's, %a a mailbox of ann's own; {n} is the row's
// number and {uv}, {uvd}, {uva} their UIDVALIDITY.
type aclRow struct {
	name  string
	acl   []string // entries on %m (joe keeps all rights as its owner)
	dst   []string // entries on %d; nil: no %d
	sub   []string // entries on "%m/sub"; nil: no sub-mailbox
	empty bool     // %m starts empty
	msg   []string // flags of the message in %m
	own   []string // flags of the message in %a
	quota bool     // %m is a quota root of 10 messages
	pre   []string // commands that must succeed first
	cmd   string
	want  []string
	same  bool // %m, %d and %a must be left as they were
	check func(x *aclEnv, r *rowNames) string
}

// rowNames are the store names of a row's mailboxes.
type rowNames struct{ m, d, a store.MailboxName }

// rightCase gives the three rows of one right for one command: granted
// (base+right), denied (base only) and taken away (over, anyone or
// authenticated, granted base+right, and "-ann right").
type rightCase struct {
	cmd, right, base, over string
	extra                  []string // entries on %m in every variant
	dst                    []string
	empty                  bool
	msg, own               []string
	quota                  bool
	pre                    []string
	send                   string
	ok, no                 []string
	check                  func(x *aclEnv, r *rowNames) string
}

func (c rightCase) rows() []aclRow {
	mk := func(mode string, acl []string, want []string) aclRow {
		r := aclRow{name: fmt.Sprintf("%s %s %s", c.cmd, c.right, mode), acl: append(acl, c.extra...),
			dst: c.dst, empty: c.empty, msg: c.msg, own: c.own, quota: c.quota, pre: c.pre, cmd: c.send, want: want}
		if mode == "granted" {
			r.check = c.check
		} else {
			r.same = true
		}
		return r
	}
	var denied []string
	if c.base != "" {
		denied = []string{"ann " + c.base}
	}
	return []aclRow{
		mk("granted", []string{"ann " + c.base + c.right}, c.ok),
		mk("denied", denied, c.no),
		mk("negative", []string{c.over + " " + c.base + c.right, "-ann " + c.right}, c.no),
	}
}

// run sets a row up, runs its command as ann and returns what is wrong.
func (x *aclEnv) run(row aclRow) []string {
	x.t.Helper()
	x.n++
	i := x.n
	var r rowNames
	r.m = store.MailboxName{Domain: "foo.com", Name: fmt.Sprintf("user/joe/m%d", i)}
	x.mailbox(r.m)
	if row.sub != nil {
		x.mailbox(store.MailboxName{Domain: "foo.com", Name: r.m.Name + "/sub"}, row.sub...)
	}
	x.setACL(r.m, row.acl...)
	if !row.empty {
		x.put(r.m, row.msg...)
	}
	if row.quota {
		limit := int64(10)
		if err := x.st.SetQuota(x.ctx, store.System(), fmt.Sprintf("foo.com/users/joe/m%d", i), nil, &limit); err != nil {
			x.t.Fatal(err)
		}
	}
	if row.dst != nil {
		r.d = x.mailbox(store.MailboxName{Domain: "foo.com", Name: fmt.Sprintf("user/joe/d%d", i)}, row.dst...)
	}
	r.a = x.mailbox(store.MailboxName{Domain: "foo.com", Name: fmt.Sprintf("user/ann/a%d", i)})
	x.put(r.a, row.own...)
	rep := strings.NewReplacer(
		"%m", fmt.Sprintf(`"Other Users/joe/m%d"`, i), "%d", fmt.Sprintf(`"Other Users/joe/d%d"`, i),
		"%a", fmt.Sprintf("a%d", i), "{n}", strconv.Itoa(i),
		"{uv}", x.validity(r.m), "{uvd}", x.validity(r.d), "{uva}", x.validity(r.a))
	before := []string{x.snapshot(r.m), x.snapshot(r.d), x.snapshot(r.a)}

	ann := x.loginRaw("ann@foo.com")
	defer ann.c.Close()
	var problems []string
	for j, p := range row.pre {
		tag := "p" + strconv.Itoa(j)
		if got := ann.responses(tag, rep.Replace(p)); !strings.HasPrefix(last(got), tag+" OK") {
			return append(problems, fmt.Sprintf("%s: %q", rep.Replace(p), got))
		}
	}
	got := ann.responses("t", rep.Replace(row.cmd))
	want := make([]string, len(row.want))
	for j, w := range row.want {
		want[j] = rep.Replace(w)
	}
	if !slices.Equal(got, want) {
		problems = append(problems, fmt.Sprintf("%s:\n  got  %q\n  want %q", rep.Replace(row.cmd), got, want))
	}
	after := []string{x.snapshot(r.m), x.snapshot(r.d), x.snapshot(r.a)}
	if row.same && !slices.Equal(before, after) {
		problems = append(problems, fmt.Sprintf("changed:\n  before %q\n  after  %q", before, after))
	}
	if row.check != nil {
		if p := row.check(x, &r); p != "" {
			problems = append(problems, p)
		}
	}
	return problems
}

// seenCheck: the command set \Seen for ann only; joe's view of his own
// mailbox does not change.
func seenCheck(x *aclEnv, r *rowNames) string {
	ann, joe := x.flags("ann@foo.com", r.m), x.flags("joe@foo.com", r.m)
	if !slices.Equal(ann, []string{`\Seen`}) || !slices.Equal(joe, []string{""}) {
		return fmt.Sprintf("\\Seen: ann sees %q, joe %q; want ann's own", ann, joe)
	}
	return ""
}

// flagsCheck wants the flags of %m's messages as joe sees them, and the
// number of messages ann has not seen there (her own \Seen).
func flagsCheck(joe []string, annUnseen uint32) func(x *aclEnv, r *rowNames) string {
	return func(x *aclEnv, r *rowNames) string {
		got := x.flags("joe@foo.com", r.m)
		info, err := x.st.Mailbox(x.ctx, x.caller("ann@foo.com"), r.m)
		if !slices.Equal(got, joe) || err != nil || info.Unseen != annUnseen {
			return fmt.Sprintf("flags: joe sees %q, ann has %d unseen (%v); want %q, %d", got, info.Unseen, err, joe, annUnseen)
		}
		return ""
	}
}

// countCheck wants the number of messages in %m and %a (-1: absent).
func countCheck(m, a int) func(x *aclEnv, r *rowNames) string {
	return func(x *aclEnv, r *rowNames) string {
		gm, ga := len(x.flags("", r.m)), len(x.flags("", r.a))
		if x.flags("", r.m) == nil {
			gm = -1
		}
		if gm != m || ga != a {
			return fmt.Sprintf("messages: %d in %%m, %d in %%a; want %d, %d", gm, ga, m, a)
		}
		return ""
	}
}

// existsCheck wants a mailbox (a name relative to joe's tree, {n}
// replaced) to exist or not.
func existsCheck(name string, exists bool) func(x *aclEnv, r *rowNames) string {
	return func(x *aclEnv, r *rowNames) string {
		n := store.MailboxName{Domain: "foo.com", Name: "user/joe/" + strings.ReplaceAll(name, "{n}", strconv.Itoa(x.n))}
		if _, err := x.st.Mailbox(x.ctx, store.System(), n); (err == nil) != exists {
			return fmt.Sprintf("%s exists: %v, want %v", n.Name, err == nil, exists)
		}
		return ""
	}
}

// deletedCheck: %m is gone with its ACL; made again, it has its owner's
// ACL only (RFC 4314 section 4, DELETE).
func deletedCheck(x *aclEnv, r *rowNames) string {
	if _, err := x.st.Mailbox(x.ctx, store.System(), r.m); err == nil {
		return "the mailbox is still there"
	}
	x.mailbox(r.m)
	return aclCheck("joe@foo.com lrswipkxteacd")(x, r)
}

// renamedCheck: %m is now %d/moved, with the ACL it had (RFC 4314
// section 4, RENAME).
func renamedCheck(x *aclEnv, r *rowNames) string {
	if _, err := x.st.Mailbox(x.ctx, store.System(), r.m); err == nil {
		return "the old name is still there"
	}
	moved := rowNames{m: store.MailboxName{Domain: "foo.com", Name: r.d.Name + "/moved"}}
	return aclCheck("ann@foo.com lx joe@foo.com lrswipkxteacd")(x, &moved)
}

// aclCheck wants %m's ACL, as GETACL prints it.
func aclCheck(want string) func(x *aclEnv, r *rowNames) string {
	return func(x *aclEnv, r *rowNames) string {
		acl, err := x.st.GetACL(x.ctx, store.System(), r.m)
		var b []string
		for _, e := range acl {
			b = append(b, e.Key()+" "+e.Rights.WithObsolete())
		}
		if got := strings.Join(b, " "); err != nil || got != want {
			return fmt.Sprintf("ACL %q (%v), want %q", got, err, want)
		}
		return ""
	}
}

// selectWant is ann's answer to SELECT or EXAMINE of %m holding one
// unseen message.
func selectWant(verb, perm, code string) []string {
	return []string{
		`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)`,
		"* OK [PERMANENTFLAGS (" + perm + ")] Flags permitted",
		"* 1 EXISTS",
		"* 0 RECENT",
		"* OK [UNSEEN 1] First unseen",
		"* OK [UIDVALIDITY {uv}] UIDs valid",
		"* OK [UIDNEXT 2] Predicted next UID",
		"t OK [" + code + "] " + verb + " completed",
	}
}

func TestACLMatrix(t *testing.T) {
	x := newACLEnv(t)
	var rows []aclRow
	for _, c := range matrixCases() {
		rows = append(rows, c.rows()...)
	}
	rows = append(rows, matrixRows()...)
	for _, row := range rows {
		if problems := x.run(row); len(problems) > 0 {
			t.Errorf("%s (row %d):\n%s", row.name, x.n, strings.Join(problems, "\n"))
		}
	}
}
