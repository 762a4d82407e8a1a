package pop3

import (
	"strings"

	"mstore/store"
)

// DELE and RSET change only the session's marks; QUIT applies them.

// deleteRights are what the expunge at QUIT needs. The store decides
// again then; DELE only spares the client a mark that QUIT would refuse.
const deleteRights = store.RightDeleteMsg | store.RightExpunge

func (ss *session) cmdDele(arg string) {
	m, n, errLine := ss.drop.lookup(strings.TrimSpace(arg))
	if m == nil {
		ss.bad(errLine)
		return
	}
	if !ss.drop.rights.Has(deleteRights) {
		ss.reply("%s", kindReplies[store.KindNoPerm])
		return
	}
	ss.drop.mark(m, true)
	ss.reply("+OK message %d deleted", n)
}

func (ss *session) cmdRset(arg string) {
	if !ss.noArgs(arg) {
		return
	}
	d := ss.drop
	for i := range d.msgs {
		d.mark(&d.msgs[i], false)
	}
	ss.reply("+OK maildrop has %d messages (%d octets)", d.count, d.size)
}
