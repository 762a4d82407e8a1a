package imap

import (
	"slices"

	"github.com/emersion/go-imap/v2"

	"mstore/imap/wire"
	"mstore/store"
)

func init() {
	register("STORE", command{fn: cmdStore, states: selectedOnly, uid: true}, "CONDSTORE")
}

// STORE and UID STORE (RFC 9051 section 6.4.6, RFC 7162 section 3.1.3).
//
// The store applies the change in one transaction and says which messages
// changed; those get their new flags back unless .SILENT, the others of the
// set their current flags. With CONDSTORE a .SILENT store still tells each
// changed message's new MODSEQ, and messages changed since UNCHANGEDSINCE
// are left alone and named in MODIFIED.
func cmdStore(s *session, tag string, uid bool) error {
	cmd, err := wire.ParseStore(s.dec, uid)
	if err != nil {
		return err
	}
	if cmd.HasUnchangedSince {
		s.enableCondstore()
	}
	uids, err := s.uidsOf(cmd.NumSet)
	if err != nil {
		return err
	}
	if s.sel.readOnly {
		return s.noText(tag, "READ-ONLY", "The mailbox is read-only")
	}
	var op store.FlagOp
	switch cmd.Flags.Op {
	case imap.StoreFlagsAdd:
		op = store.FlagsAdd
	case imap.StoreFlagsDel:
		op = store.FlagsRemove
	default:
		op = store.FlagsReplace
	}
	var changed []store.FlagChange
	var failed []uint32
	switch {
	case len(uids) == 0:
	case cmd.HasUnchangedSince && cmd.Options.UnchangedSince == 0:
		// Every message has a modseq above 0: all fail (RFC 7162).
		err = s.eachMessage(uids, false, func(m *store.Message, _ *store.Structure) error {
			failed = append(failed, m.UID)
			return nil
		})
	default:
		changed, failed, err = s.st.StoreFlags(s.ctx, s.caller, s.sel.id, uids, op,
			fromFlags(cmd.Flags.Flags), cmd.Options.UnchangedSince)
	}
	if err != nil {
		return s.no(tag, err)
	}
	for _, c := range changed {
		s.sel.own[c.ModSeq] = true
	}
	if len(changed) >= bigBufferMin && !cmd.Flags.Silent {
		defer s.bigBuffer()()
	}
	if err := s.storeReplies(uids, changed, failed, cmd.Flags.Silent, uid); err != nil {
		return s.no(tag, err)
	}
	code := ""
	if set := s.numSetText(failed, uid); set != "" {
		code = "MODIFIED " + set
	}
	return s.ok(tag, code, "STORE completed")
}

// storeReplies writes the untagged FETCH responses of a STORE.
func (s *session) storeReplies(uids []uint32, changed []store.FlagChange, failed []uint32, silent, uid bool) error {
	if silent && !s.condstore {
		return nil
	}
	var flags []imap.Flag
	reply := func(u uint32, fl []string, modseq uint64) {
		seq := s.sel.seqOf(u)
		if seq == 0 {
			return
		}
		e := s.enc
		e.Atom("*").SP().Number(seq).SP().Atom("FETCH").SP().BeginList()
		sep := false
		if uid || s.condstore { // RFC 7162 section 3.2.4
			e.Atom("UID").SP().Number(u)
			sep = true
		}
		if !silent {
			if sep {
				e.SP()
			}
			flags = flags[:0]
			for _, f := range fl {
				flags = append(flags, imap.Flag(f))
			}
			e.Atom("FLAGS").SP().Flags(flags)
			sep = true
		}
		if s.condstore {
			if sep {
				e.SP()
			}
			e.Atom("MODSEQ").SP().BeginList().Number64(modseq).EndList()
		}
		e.EndList().CRLF()
	}
	done := make([]uint32, 0, len(changed)+len(failed))
	for _, c := range changed {
		reply(c.UID, c.Flags, c.ModSeq)
		done = append(done, c.UID)
	}
	if silent {
		return nil
	}
	// The messages the store left as they were still get their flags.
	done = append(done, failed...)
	slices.Sort(done)
	rest := make([]uint32, 0, len(uids)-min(len(done), len(uids)))
	for _, u := range uids {
		if _, ok := slices.BinarySearch(done, u); !ok {
			rest = append(rest, u)
		}
	}
	return s.eachMessage(rest, false, func(m *store.Message, _ *store.Structure) error {
		reply(m.UID, m.Flags, m.ModSeq)
		return nil
	})
}

// numSetText writes UIDs, or their sequence numbers, as a sequence set
// ("1:3,7") for a response code.
func (s *session) numSetText(uids []uint32, asUID bool) string {
	nums := make([]uint32, 0, len(uids))
	for _, u := range uids {
		if asUID {
			nums = append(nums, u)
		} else if q := s.sel.seqOf(u); q != 0 {
			nums = append(nums, q)
		}
	}
	return numSetString(nums)
}
