package imap

import (
	"bytes"
	"io"
	"slices"

	"github.com/emersion/go-imap/v2"

	"mstore/imap/wire"
	"mstore/store"
)

func init() {
	register("FETCH", command{fn: cmdFetch, states: selectedOnly, uid: true}, "BINARY")
}

// FETCH and UID FETCH (RFC 9051 section 6.4.5, RFC 3516, RFC 7162).
//
// Everything but sections comes from the index: flags, dates and sizes from
// one Messages scan, envelope and body structure from the Structure the
// store parsed at append. Message files are opened only for sections.
//
// \Seen, which BODY[...], BINARY[...], RFC822 and RFC822.TEXT set, is set
// before any response is written, in one StoreFlags call for the whole
// command, so that each response carries the flags the message now has.

// fetchPlan is what a FETCH command needs, worked out once.
type fetchPlan struct {
	items        []wire.FetchItem
	needStruct   bool // ENVELOPE, BODY, BODYSTRUCTURE, part sections, BINARY
	needBody     bool // the MIME tree: all of those but ENVELOPE
	needFile     bool // any section
	setsSeen     bool // a section without .PEEK
	flagsAsked   bool
	uidAsked     bool
	modseqAsked  bool
	changedSince uint64
	hasChanged   bool
}

func planFetch(cmd *wire.FetchCommand) *fetchPlan {
	p := &fetchPlan{items: cmd.Items, changedSince: cmd.Options.ChangedSince, hasChanged: cmd.HasChangedSince}
	for _, it := range cmd.Items {
		switch it.Kind {
		case wire.FetchItemFlags:
			p.flagsAsked = true
		case wire.FetchItemUID:
			p.uidAsked = true
		case wire.FetchItemModSeq:
			p.modseqAsked = true
		case wire.FetchItemEnvelope:
			p.needStruct = true
		case wire.FetchItemBody, wire.FetchItemBodyStructure:
			p.needStruct, p.needBody = true, true
		case wire.FetchItemBodySection, wire.FetchItemRFC822, wire.FetchItemRFC822Header, wire.FetchItemRFC822Text:
			p.needFile = true
			if len(it.Section.Part) > 0 {
				p.needStruct, p.needBody = true, true
			}
			p.setsSeen = p.setsSeen || !it.Section.Peek
		case wire.FetchItemBinarySection:
			p.needFile, p.needStruct, p.needBody = true, true, true
			p.setsSeen = p.setsSeen || !it.Binary.Peek
		case wire.FetchItemBinarySize:
			p.needFile, p.needStruct, p.needBody = true, true, true
		}
	}
	return p
}

func cmdFetch(s *session, tag string, uid bool) error {
	cmd, err := wire.ParseFetch(s.dec, uid)
	if err != nil {
		return err
	}
	if cmd.Vanished && !s.qresync {
		// The parser has already refused VANISHED without UID or
		// CHANGEDSINCE (RFC 7162 section 3.2.6).
		return badf("VANISHED needs ENABLE QRESYNC first")
	}
	uids, err := s.uidsOf(cmd.NumSet)
	if err != nil {
		return err
	}
	if cmd.Vanished {
		// Before any FETCH response, which the client reads with the
		// sequence numbers these leave alone.
		if err := s.vanishedEarlier(cmd.Options.ChangedSince, s.vanishedSet(cmd.NumSet)); err != nil {
			return s.no(tag, err)
		}
	}
	p := planFetch(cmd)
	if p.modseqAsked {
		s.enableCondstore()
	}
	f := &fetcher{s: s, plan: p}
	if p.needFile {
		if f.open, err = s.st.MessageOpener(s.ctx, s.caller, s.sel.id); err != nil {
			return s.no(tag, err)
		}
	}
	if p.setsSeen && !s.sel.readOnly {
		if err := f.markSeen(uids); err != nil {
			return s.no(tag, err)
		}
	}
	if p.needFile && len(uids) > 1 || len(uids) >= bigBufferMin {
		// Bodies go out through a large buffer, so that thousands of small
		// messages cost a write call per buffer rather than per message;
		// the session's own small buffer keeps idle sessions cheap.
		defer s.bigBuffer()()
	}
	opts := store.FetchOptions{Structure: p.needStruct, EnvelopeOnly: !p.needBody, RawOnly: true}
	if err := s.st.FetchMessages(s.ctx, s.caller, s.sel.id, uids, opts, f.message); err != nil {
		return s.no(tag, err)
	}
	if f.unknownCTE {
		return s.noText(tag, "UNKNOWN-CTE", "Cannot decode a part's content-transfer-encoding")
	}
	return s.ok(tag, "", "FETCH completed")
}

// fetcher writes the responses of one FETCH command.
type fetcher struct {
	s          *session
	plan       *fetchPlan
	open       store.Opener // bodies, after one rights check
	seenSet    []uint32     // messages this command gave \Seen, ascending
	unknownCTE bool
	flags      []imap.Flag   // scratch
	data       []sectionData // scratch, one per item
	mf         mimeFile
}

func (f *fetcher) wanted(m *store.Message) bool {
	return !f.plan.hasChanged || m.ModSeq > f.plan.changedSince
}

// markSeen sets \Seen on the messages to be fetched that lack it.
func (f *fetcher) markSeen(uids []uint32) error {
	s := f.s
	var unseen []uint32
	err := s.eachMessage(uids, false, func(m *store.Message, _ *store.Structure) error {
		if f.wanted(m) && !slices.Contains(m.Flags, store.FlagSeen) {
			unseen = append(unseen, m.UID)
		}
		return nil
	})
	if err != nil || len(unseen) == 0 {
		return err
	}
	changed, _, err := s.st.StoreFlags(s.ctx, s.caller, s.sel.id, unseen, store.FlagsAdd, []string{store.FlagSeen}, 0)
	if store.KindOf(err) == store.KindNoPerm {
		return nil // without right s, reading leaves \Seen alone
	}
	if err != nil {
		return err
	}
	for _, c := range changed {
		s.sel.own[c.ModSeq] = true
		f.seenSet = append(f.seenSet, c.UID)
	}
	return nil
}

// message writes the FETCH response of one message, or nothing when the
// message was expunged meanwhile.
func (f *fetcher) message(m *store.Message, st *store.Structure) error {
	s, p := f.s, f.plan
	if !f.wanted(m) {
		return nil
	}
	seq := s.sel.seqOf(m.UID)
	if seq == 0 {
		return nil
	}
	var blob store.Blob
	if p.needFile {
		var err error
		if blob, err = f.open(m.UID); err != nil {
			return skipExpunged(err)
		}
		defer blob.Close()
		f.mf = mimeFile{r: blob, size: m.Size, st: st, buf: f.mf.buf}
		if ok := f.prepareSections(); !ok {
			f.unknownCTE = true
			return nil
		}
	}
	_, seenNow := slices.BinarySearch(f.seenSet, m.UID)

	e := s.enc
	e.Atom("*").SP().Number(seq).SP().Atom("FETCH").SP().BeginList()
	for i, it := range p.items {
		if i > 0 {
			e.SP()
		}
		switch it.Kind {
		case wire.FetchItemFlags:
			e.Atom("FLAGS").SP().Flags(f.flagsOf(m))
		case wire.FetchItemInternalDate:
			e.Atom("INTERNALDATE").SP().DateTime(m.InternalDate)
		case wire.FetchItemRFC822Size:
			e.Atom("RFC822.SIZE").SP().Number64(uint64(m.Size))
		case wire.FetchItemUID:
			e.Atom("UID").SP().Number(m.UID)
		case wire.FetchItemModSeq:
			e.Atom("MODSEQ").SP().BeginList().Number64(m.ModSeq).EndList()
		case wire.FetchItemEnvelope:
			// The envelope as written: RFC 3501 leaves decoding to clients.
			env := wire.Envelope{Parsed: st.Raw}
			if st.Raw == nil {
				env.Parsed = st.Envelope
			}
			if st.DateRaw != "" {
				env.Date = &st.DateRaw
			}
			e.Atom("ENVELOPE").SP().Envelope(env)
		case wire.FetchItemBody:
			e.Atom("BODY").SP().Body(st.Body)
		case wire.FetchItemBodyStructure:
			e.Atom("BODYSTRUCTURE").SP().BodyStructure(st.Body)
		case wire.FetchItemBinarySize:
			e.Atom(it.Name).SP().Number64(uint64(f.data[i].n))
		case wire.FetchItemBinarySection:
			e.Atom(it.Name).SP()
			f.literal(blob, f.data[i], true)
		default: // the BODY[...] and RFC822 sections
			e.Atom(it.Name).SP()
			f.literal(blob, f.data[i], false)
		}
	}
	if seenNow && !p.flagsAsked {
		e.SP().Atom("FLAGS").SP().Flags(f.flagsOf(m))
	}
	// RFC 7162 section 3.2.4: with CONDSTORE on, a change of flags comes
	// with UID and MODSEQ.
	if seenNow && s.condstore && !p.uidAsked {
		e.SP().Atom("UID").SP().Number(m.UID)
	}
	if seenNow && s.condstore && !p.modseqAsked {
		e.SP().Atom("MODSEQ").SP().BeginList().Number64(m.ModSeq).EndList()
	}
	e.EndList().CRLF()
	return e.Err()
}

// prepareSections resolves every section of the message before anything
// of its response is written; false means a part has an encoding BINARY
// cannot undo.
func (f *fetcher) prepareSections() bool {
	if cap(f.data) < len(f.plan.items) {
		f.data = make([]sectionData, len(f.plan.items))
	}
	f.data = f.data[:len(f.plan.items)]
	for i, it := range f.plan.items {
		switch it.Kind {
		case wire.FetchItemBodySection, wire.FetchItemRFC822, wire.FetchItemRFC822Header, wire.FetchItemRFC822Text:
			f.data[i] = f.mf.bodySection(it.Section)
		case wire.FetchItemBinarySection:
			d, ok := f.mf.binaryPart(it.Binary.Part)
			if !ok {
				return false
			}
			f.data[i] = d.cut(it.Binary.Partial)
		case wire.FetchItemBinarySize:
			d, ok := f.mf.binaryPart(it.BinarySize.Part)
			if !ok {
				return false
			}
			f.data[i] = d
		}
	}
	return true
}

// literal sends a section: bytes made for it, or a range of the file
// streamed (sendfile where the connection allows).
func (f *fetcher) literal(blob store.Blob, d sectionData, binary bool) {
	e := f.s.enc
	if d.mem {
		if binary && slices.Contains(d.b, 0) {
			e.Literal8(bytes.NewReader(d.b), d.n)
		} else {
			e.LiteralBytes(d.b)
		}
		return
	}
	// Positioned reads: no seek, one read call per buffer.
	r := io.NewSectionReader(blob, d.off, d.n)
	if binary {
		// A range sent as BINARY is not decoded: it may hold NUL only as a
		// binary-encoded part, which needs literal8.
		e.Literal8(r, d.n)
		return
	}
	e.Literal(r, d.n)
}

func (f *fetcher) flagsOf(m *store.Message) []imap.Flag {
	f.flags = f.flags[:0]
	for _, fl := range m.Flags {
		f.flags = append(f.flags, imap.Flag(fl))
	}
	return f.flags
}

// skipExpunged turns "expunged meanwhile" into nothing to send.
func skipExpunged(err error) error {
	if store.KindOf(err) == store.KindExpunged {
		return nil
	}
	return err
}

// eachMessage calls fn for the messages of uids still in the store, in
// order, with their parsed structure when withStruct; the store reads them
// in batches, one transaction each, none open while fn writes.
func (s *session) eachMessage(uids []uint32, withStruct bool, fn func(*store.Message, *store.Structure) error) error {
	return s.st.FetchMessages(s.ctx, s.caller, s.sel.id, uids, store.FetchOptions{Structure: withStruct}, fn)
}

// enableCondstore turns CONDSTORE on for the session when a command uses
// it (RFC 7162 section 3.1), telling the mailbox's HIGHESTMODSEQ then.
func (s *session) enableCondstore() {
	if s.condstore {
		return
	}
	s.condstore = true
	if s.sel == nil {
		return
	}
	if info, err := s.st.MailboxByID(s.ctx, s.caller, s.sel.id); err == nil {
		s.enc.Atom("* OK [HIGHESTMODSEQ ").Number64(info.HighestModSeq).Atom("] Highest").CRLF()
	}
}
