package imap

import (
	"mstore/imap/wire"
	"mstore/store"
)

func init() {
	register("EXPUNGE", command{fn: cmdExpunge, states: selectedOnly, uid: true, expungeOK: true})
}

// cmdExpunge removes the messages flagged \Deleted: all that the session
// knows (EXPUNGE), or those of a UID set (UID EXPUNGE, RFC 4315). Messages
// others delivered since the client last heard are not touched: it cannot
// have meant them.
func cmdExpunge(s *session, tag string, uid bool) error {
	var uids []uint32
	if uid {
		set, err := wire.ParseNumSetArg(s.dec, true)
		if err != nil {
			return err
		}
		if uids, err = s.uidsOf(set); err != nil {
			return err
		}
	} else {
		if err := s.dec.ReadCRLF(); err != nil {
			return err
		}
		uids = s.sel.uids
	}
	if s.sel.readOnly {
		return s.noText(tag, "READ-ONLY", "The mailbox is read-only")
	}
	if len(uids) > 0 {
		gone, err := s.st.Expunge(s.ctx, s.caller, s.sel.id, uids, store.ExpungeOptions{OnlyDeleted: true})
		if err != nil {
			return s.no(tag, err)
		}
		s.sendExpunges(gone)
		if len(gone) > 0 {
			return s.okExpunged(tag, "EXPUNGE completed")
		}
	}
	return s.ok(tag, "", "EXPUNGE completed")
}
