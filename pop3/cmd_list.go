package pop3

import "strings"

// STAT, LIST and UIDL describe the snapshot taken at login; messages
// marked deleted are left out.

func (ss *session) cmdStat(arg string) {
	if ss.noArgs(arg) {
		ss.reply("+OK %d %d", ss.drop.count, ss.drop.size)
	}
}

func (ss *session) cmdList(arg string) {
	d := ss.drop
	if arg = strings.TrimSpace(arg); arg != "" {
		m, n, errLine := d.lookup(arg)
		if m == nil {
			ss.bad(errLine)
			return
		}
		ss.reply("+OK %d %d", n, m.size)
		return
	}
	ss.reply("+OK %d messages (%d octets)", d.count, d.size)
	for i := range d.msgs {
		if m := &d.msgs[i]; !m.deleted {
			ss.reply("%d %d", i+1, m.size)
		}
	}
	ss.reply(".")
}

func (ss *session) cmdUidl(arg string) {
	d := ss.drop
	if arg = strings.TrimSpace(arg); arg != "" {
		m, n, errLine := d.lookup(arg)
		if m == nil {
			ss.bad(errLine)
			return
		}
		ss.reply("+OK %d %s", n, d.uidl(m))
		return
	}
	ss.reply("+OK unique-id listing follows")
	for i := range d.msgs {
		if m := &d.msgs[i]; !m.deleted {
			ss.reply("%d %s", i+1, d.uidl(m))
		}
	}
	ss.reply(".")
}
