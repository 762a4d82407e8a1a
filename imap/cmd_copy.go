package imap

import (
	"strconv"

	"mstore/imap/wire"
	"mstore/store"
)

func init() {
	register("COPY", command{fn: cmdCopy, states: selectedOnly, uid: true, expungeOK: true})
	register("MOVE", command{fn: cmdMove, states: selectedOnly, uid: true, expungeOK: true}, "MOVE")
}

func cmdCopy(s *session, tag string, uid bool) error { return s.copyMessages(tag, uid, false) }
func cmdMove(s *session, tag string, uid bool) error { return s.copyMessages(tag, uid, true) }

// copyMessages runs COPY and MOVE (RFC 6851) and their UID forms. The
// store does either in one transaction and refuses the whole set over a
// quota; messages expunged meanwhile are left out, as RFC 9051 allows.
func (s *session) copyMessages(tag string, uid, move bool) error {
	verb := "COPY"
	if move {
		verb = "MOVE"
	}
	cmd, err := wire.ParseCopy(s.dec, uid)
	if err != nil {
		return err
	}
	name, err := s.mailboxName(cmd.Mailbox)
	if err != nil {
		return err
	}
	uids, err := s.uidsOf(cmd.NumSet)
	if err != nil {
		return err
	}
	if move && s.sel.readOnly {
		return s.noText(tag, "READ-ONLY", "The mailbox is read-only")
	}
	dst, err := s.toStore(name)
	if err != nil {
		return s.no(tag, err)
	}
	var res store.CopyResult
	if move {
		res, err = s.st.Move(s.ctx, s.caller, s.sel.id, uids, dst)
	} else {
		res, err = s.st.Copy(s.ctx, s.caller, s.sel.id, uids, dst)
	}
	if err != nil {
		if store.KindOf(err) == store.KindNotFound {
			// The source is selected, so it is the target that is missing
			// (or, rarely, the source was deleted: checkGone tells that).
			if _, rerr := s.st.MyRights(s.ctx, s.caller, dst); store.KindOf(rerr) == store.KindNotFound {
				return s.noRefused(tag, &tryCreateError{err})
			}
		}
		return s.no(tag, err)
	}
	// No COPYUID for a drop box the caller may not see, as APPEND gives
	// no APPENDUID there: its UIDs are not theirs to know.
	_, verr := s.st.Mailbox(s.ctx, s.caller, dst)
	if len(res.SrcUIDs) == 0 || verr != nil {
		if move && len(res.SrcUIDs) > 0 {
			s.sendExpunges(res.SrcUIDs)
			return s.okExpunged(tag, "MOVE completed")
		}
		return s.ok(tag, "", verb+" completed")
	}
	code := "COPYUID " + strconv.FormatUint(uint64(res.UIDValidity), 10) + " " +
		numSetString(res.SrcUIDs) + " " + numSetString(res.DstUIDs)
	if !move {
		return s.ok(tag, code, "COPY completed")
	}
	// RFC 6851: COPYUID goes untagged, before the EXPUNGEs.
	s.enc.Atom("* OK [").Atom(code).Atom("] Moved").CRLF()
	s.sendExpunges(res.SrcUIDs)
	return s.okExpunged(tag, "MOVE completed")
}
