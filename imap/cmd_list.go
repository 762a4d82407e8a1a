package imap

import (
	"sort"
	"strings"

	"github.com/emersion/go-imap/v2"

	"mstore/imap/wire"
	"mstore/store"
)

func init() {
	register("LIST", command{fn: cmdList, states: authOrSel, expungeOK: true},
		"LIST-EXTENDED", "LIST-STATUS", "SPECIAL-USE", "CREATE-SPECIAL-USE")
	register("LSUB", command{fn: cmdLsub, states: authOrSel, expungeOK: true})
	register("NAMESPACE", command{fn: cmdNamespace, states: authOrSel, expungeOK: true})
}

// listNode is one name of the caller's tree as LIST sees it: a mailbox,
// a level above mailboxes (a namespace root, another user's tree, a
// parent that was deleted), or a subscribed name.
type listNode struct {
	name       string             // as the client sees it, UTF-8
	info       *store.MailboxInfo // nil when no mailbox has this name
	subscribed bool
	children   bool // a mailbox the caller may see lies below
	childInfo  bool // a name below satisfies the selection but does not match
}

// listTree holds the nodes of one command, by name.
type listTree map[string]*listNode

func (t listTree) node(name string) *listNode {
	n := t[name]
	if n == nil {
		n = &listNode{name: name}
		t[name] = n
	}
	return n
}

// add enters a name and every level above it; mailbox says the name is a
// mailbox, which gives its ancestors children.
func (t listTree) add(name string, mailbox bool) *listNode {
	n := t.node(name)
	for p := name; ; {
		i := strings.LastIndexByte(p, delim)
		if i <= 0 {
			break
		}
		p = p[:i]
		a := t.node(p)
		if mailbox {
			a.children = true
		}
	}
	return n
}

// markChildInfo flags the ancestors of every name that satisfies the
// selection without matching a pattern (RFC 5258 RECURSIVEMATCH, and the
// \Noselect parents of RFC 3501's LSUB).
func (t listTree) markChildInfo(m listMatcher, sel func(*listNode) bool) {
	for name, n := range t {
		if !sel(n) || m.match(name) {
			continue
		}
		for p := name; ; {
			i := strings.LastIndexByte(p, delim)
			if i <= 0 {
				break
			}
			p = p[:i]
			t.node(p).childInfo = true
		}
	}
}

// sorted returns the nodes that keep says to answer, in the order a
// client shows them: INBOX, the personal tree, then the other namespaces.
func (t listTree) sorted(keep func(*listNode) bool) []*listNode {
	var out []*listNode
	for _, n := range t {
		if keep(n) {
			out = append(out, n)
		}
	}
	sort.Slice(out, func(i, j int) bool { return listLess(out[i].name, out[j].name) })
	return out
}

func listRank(name string) int {
	switch {
	case inboxFold(name) > 0:
		return 0
	case name == otherUsersNS || strings.HasPrefix(name, otherUsersNS+"/"):
		return 2
	case name == sharedFoldersNS || strings.HasPrefix(name, sharedFoldersNS+"/"):
		return 3
	}
	return 1
}

// listLess orders names level by level, a parent before its children.
func listLess(a, b string) bool {
	if ra, rb := listRank(a), listRank(b); ra != rb {
		return ra < rb
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := a[i], b[i]
		if ca == cb {
			continue
		}
		if ca == delim {
			return true
		}
		if cb == delim {
			return false
		}
		return ca < cb
	}
	return len(a) < len(b)
}

// loadTree fills a tree with the mailboxes the caller may see and, when
// subs is set, their subscriptions. Other users' and shared mailboxes are
// read only when a pattern can reach their namespaces.
func (s *session) loadTree(m listMatcher, subs bool) (listTree, error) {
	t := listTree{}
	own := "user/" + s.local
	mine, err := s.st.ListMailboxes(s.ctx, s.caller, store.ListQuery{Domain: s.domain, Prefix: own})
	if err != nil {
		return nil, err
	}
	for i := range mine {
		t.add(s.toIMAP(mine[i].Name), true).info = &mine[i]
	}
	if m.reaches(otherUsersNS) || m.reaches(sharedFoldersNS) {
		all, err := s.st.ListMailboxes(s.ctx, s.caller, store.ListQuery{})
		if err != nil {
			return nil, err
		}
		for i := range all {
			n := all[i].Name
			if n.Domain == s.domain && (n.Name == own || strings.HasPrefix(n.Name, own+"/")) {
				continue // listed above
			}
			t.add(s.toIMAP(n), true).info = &all[i]
		}
	}
	if subs {
		names, err := s.st.Subscriptions(s.ctx, s.caller)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			t.add(s.toIMAP(n), false).subscribed = true
		}
	}
	return t, nil
}

// listPatterns decodes and compiles the patterns of a command. A pattern
// that is not valid modified UTF-7 matches nothing (RFC 5258 section 3
// asks a server to ignore patterns it does not accept).
func (s *session) listPatterns(rawRef string, raw []string) (listMatcher, error) {
	ref, err := s.mailboxName(rawRef)
	if err != nil {
		return nil, err
	}
	var m listMatcher
	for _, r := range raw {
		if r == "" {
			continue
		}
		p, err := s.mailboxName(r)
		if err != nil {
			continue
		}
		if lp, ok := compileListPattern(ref, p); ok {
			m = append(m, lp)
		}
	}
	return m, nil
}

func cmdList(s *session, tag string, _ bool) error {
	cmd, err := wire.ParseList(s.dec)
	if err != nil {
		return err
	}
	if !cmd.Extended && len(cmd.Patterns) == 1 && cmd.Patterns[0] == "" {
		// The delimiter and the root of the hierarchy (RFC 3501 6.3.8).
		s.enc.Atom(`* LIST (\Noselect) "/" ""`).CRLF()
		return s.ok(tag, "", "LIST completed")
	}
	o := cmd.Options
	if o.ReturnStatus != nil {
		s.statusItemsAsked(o.ReturnStatus)
	}
	m, err := s.listPatterns(cmd.Reference, cmd.Patterns)
	if err != nil {
		return err
	}
	if len(m) == 0 {
		return s.ok(tag, "", "LIST completed")
	}
	t, err := s.loadTree(m, o.SelectSubscribed || o.ReturnSubscribed)
	if err != nil {
		return s.no(tag, err)
	}
	filtered := o.SelectSubscribed || o.SelectSpecialUse
	sel := func(n *listNode) bool {
		if !filtered {
			// Mailboxes, and the levels above them (RFC 3501 returns
			// those with \Noselect).
			return n.info != nil || n.children
		}
		if o.SelectSubscribed && !n.subscribed {
			return false
		}
		return !o.SelectSpecialUse || (n.info != nil && len(n.info.SpecialUse) > 0)
	}
	recursive := o.SelectRecursiveMatch && filtered
	if recursive {
		t.markChildInfo(m, sel)
	}
	nodes := t.sorted(func(n *listNode) bool {
		return m.match(n.name) && (sel(n) || (recursive && n.childInfo))
	})
	for _, n := range nodes {
		s.writeListLine(n, &o, filtered, recursive)
		if o.ReturnStatus != nil && n.info != nil && n.info.Rights.Has(store.RightRead) {
			// RFC 5819: no STATUS for a mailbox the caller may not read.
			if err := s.writeStatus(n.name, n.info, o.ReturnStatus); err != nil {
				s.log.Debug("LIST-STATUS skipped", "mailbox", n.name, "err", err)
			}
		}
	}
	return s.ok(tag, "", "LIST completed")
}

// writeListLine writes one LIST response.
func (s *session) writeListLine(n *listNode, o *imap.ListOptions, filtered, recursive bool) {
	var attrs []string
	switch {
	case n.info != nil:
	case n.children:
		attrs = append(attrs, `\Noselect`)
	default:
		attrs = append(attrs, `\NonExistent`)
	}
	if n.children {
		attrs = append(attrs, `\HasChildren`)
	} else {
		attrs = append(attrs, `\HasNoChildren`)
	}
	if n.subscribed && (o.SelectSubscribed || o.ReturnSubscribed) {
		attrs = append(attrs, `\Subscribed`)
	}
	if n.info != nil {
		// Special-use attributes go with every LIST: clients such as
		// Thunderbird look for them without asking (RFC 6154 allows it).
		attrs = append(attrs, n.info.SpecialUse...)
	}
	s.enc.Atom("* LIST (").Atom(strings.Join(attrs, " ")).Atom(`) "/" `).Mailbox(n.name)
	if recursive && n.childInfo {
		s.enc.Atom(` ("CHILDINFO" (`)
		var items []string
		if o.SelectSubscribed {
			items = append(items, `"SUBSCRIBED"`)
		}
		if o.SelectSpecialUse {
			items = append(items, `"SPECIAL-USE"`)
		}
		s.enc.Atom(strings.Join(items, " ")).Atom("))")
	}
	s.enc.CRLF()
}

// cmdLsub lists subscribed names (RFC 3501 6.3.9). A name that is not
// subscribed but stands above subscribed names the pattern does not
// reach is given with \Noselect, so that "%" shows the way down.
func cmdLsub(s *session, tag string, _ bool) error {
	cmd, err := wire.ParseLSub(s.dec)
	if err != nil {
		return err
	}
	m, err := s.listPatterns(cmd.Reference, cmd.Patterns)
	if err != nil {
		return err
	}
	if len(m) == 0 {
		return s.ok(tag, "", "LSUB completed")
	}
	names, err := s.st.Subscriptions(s.ctx, s.caller)
	if err != nil {
		return s.no(tag, err)
	}
	t := listTree{}
	for _, n := range names {
		t.add(s.toIMAP(n), false).subscribed = true
	}
	subscribed := func(n *listNode) bool { return n.subscribed }
	t.markChildInfo(m, subscribed)
	nodes := t.sorted(func(n *listNode) bool { return m.match(n.name) && (n.subscribed || n.childInfo) })
	for _, n := range nodes {
		s.enc.Atom("* LSUB (")
		if !n.subscribed {
			s.enc.Atom(`\Noselect`)
		}
		s.enc.Atom(`) "/" `).Mailbox(n.name).CRLF()
	}
	return s.ok(tag, "", "LSUB completed")
}

// cmdNamespace answers RFC 2342's NAMESPACE with the three namespaces of
// names.go.
func cmdNamespace(s *session, tag string, _ bool) error {
	if err := s.dec.ReadCRLF(); err != nil {
		return err
	}
	s.enc.Atom(`* NAMESPACE (("" "/")) (("`).Atom(otherUsersNS).Atom(`/" "/")) (("`).
		Atom(sharedFoldersNS).Atom(`/" "/"))`).CRLF()
	return s.ok(tag, "", "NAMESPACE completed")
}
