package pop3

import (
	"context"

	"mstore/store"
)

// cmdQuit ends the session. From TRANSACTION it first enters UPDATE: the
// messages marked deleted (and under EXPIRE 0 those retrieved) are
// expunged in one store call, then the maildrop lock is released.
func (ss *session) cmdQuit(arg string) {
	ss.done = true
	if ss.state != stateTransaction {
		ss.reply("+OK bye")
		return
	}
	d := ss.drop
	defer ss.releaseDrop()
	uids := d.expungeList(ss.srv.opts.ExpireDays == ExpireOnRetrieve)
	if len(uids) == 0 {
		ss.log.Info("logout", "deleted", 0)
		ss.reply("+OK bye (%d messages left)", d.count)
		return
	}
	// The client has asked for these deletions: a server shutting down
	// meanwhile still applies them.
	ctx := context.WithoutCancel(ss.ctx)
	gone, err := ss.srv.st.Expunge(ctx, ss.caller, d.id, uids, store.ExpungeOptions{})
	if err != nil {
		line, fault := errReply(err)
		if fault {
			ss.log.Warn("expunge at QUIT failed", "uids", len(uids), "err", err)
		} else {
			ss.log.Info("expunge at QUIT refused", "uids", len(uids), "err", err)
		}
		// RFC 1939: the answer to a QUIT whose deletions failed is -ERR.
		ss.reply("%s; some deleted messages not removed", line)
		return
	}
	// Messages another door expunged meanwhile are simply gone already.
	ss.log.Info("logout", "deleted", len(gone), "marked", len(uids))
	ss.reply("+OK bye (%d messages deleted, %d left)", len(uids), len(d.msgs)-len(uids))
}
