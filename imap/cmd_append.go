package imap

import (
	"errors"
	"io"
	"strconv"

	"mstore/imap/wire"
	"mstore/store"
)

func init() {
	register("APPEND", command{fn: cmdAppend, states: authOrSel, expungeOK: true}, "MULTIAPPEND")
}

// appendCmd is one APPEND (several messages with MULTIAPPEND, RFC 3502).
// Each message is staged — written and synced, in no mailbox yet — while
// its literal is read; they are committed only once the whole command has
// been read, so a command that fails half way stores nothing.
type appendCmd struct {
	s *session

	checked   bool // the target was looked up (at the first message)
	name      string
	target    store.MailboxName
	partition string
	roots     []store.QuotaInfo // the target's quota roots
	blind     bool              // a drop box: the caller may not see it

	staged []*store.Staged
	flags  [][]string
	bytes  int64 // literal octets staged so far

	// refused is the store's answer that ends the command with NO;
	// readErr a failure to read the client's bytes, which ends the session.
	refused error
	readErr error
}

func cmdAppend(s *session, tag string, _ bool) error {
	a := &appendCmd{s: s}
	defer a.discard()
	_, err := wire.ParseAppend(s.dec, a.message)
	switch {
	case a.readErr != nil:
		return a.readErr
	case a.refused != nil:
		if derr := s.dec.Discard(); derr != nil {
			s.noRefused(tag, a.refused)
			return errClose
		}
		return s.noRefused(tag, a.refused)
	case err != nil:
		return err // BAD, or NO [TOOBIG] for a literal over the limit
	}
	return a.commit(tag)
}

// noRefused answers NO for an APPEND, COPY or MOVE target: [TRYCREATE]
// when the mailbox does not exist, so that the client may create it.
func (s *session) noRefused(tag string, err error) error {
	var tc *tryCreateError
	if errors.As(err, &tc) {
		s.log.Debug("command refused", "user", s.user, "err", tc.err)
		return s.noText(tag, "TRYCREATE", "No such mailbox; create it first")
	}
	return s.no(tag, err)
}

// tryCreateError marks a missing target mailbox.
type tryCreateError struct{ err error }

func (e *tryCreateError) Error() string { return e.err.Error() }
func (e *tryCreateError) Unwrap() error { return e.err }

// refuse ends the command with NO once the decoder lets go of the literal.
func (a *appendCmd) refuse(err error) error {
	a.refused = err
	return err
}

// message takes one message of the command. Everything that can refuse
// it without its bytes is checked first — the target, the right i, the
// quota — so a refused message costs the client nothing: for a
// synchronising literal the continuation request is not even sent.
func (a *appendCmd) message(m *wire.AppendMessage) error {
	s := a.s
	if !a.checked {
		if err := a.lookup(m.Mailbox); err != nil {
			return err
		}
	}
	size := m.Body.Size()
	if err := a.fits(size); err != nil {
		return a.refuse(err)
	}
	body := &readRecorder{r: m.Body}
	st, err := s.st.Stage(s.ctx, body, store.StageOptions{Date: m.Options.Time,
		MaxSize: s.srv.opts.AppendLimit, Partition: a.partition})
	if body.err != nil {
		if st != nil {
			st.Close()
		}
		a.readErr = body.err
		return body.err
	}
	if err != nil {
		return a.refuse(err)
	}
	a.staged = append(a.staged, st)
	a.flags = append(a.flags, fromFlags(m.Options.Flags))
	a.bytes += st.Size()
	return nil
}

// lookup resolves the target and checks the right to insert.
func (a *appendCmd) lookup(raw string) error {
	s := a.s
	a.checked = true
	name, err := s.mailboxName(raw)
	if err != nil {
		return err // BAD
	}
	a.name = name
	if a.target, err = s.toStore(name); err != nil {
		return a.refuse(err)
	}
	info, err := s.st.Mailbox(s.ctx, s.caller, a.target)
	switch {
	case err == nil:
		if !info.Rights.Has(store.RightInsert) {
			return a.refuse(&store.Error{Kind: store.KindNoPerm, Msg: "no right i on " + a.target.Path()})
		}
		a.partition = info.Partition
		roots, err := s.st.QuotaRootsOf(s.ctx, s.caller, a.target)
		if err != nil {
			return a.refuse(err)
		}
		a.roots = roots
		return nil
	case store.KindOf(err) != store.KindNotFound:
		return a.refuse(err)
	}
	// Not visible: a drop box (i without l and r) takes messages anyway.
	r, rerr := s.st.MyRights(s.ctx, s.caller, a.target)
	if rerr != nil || !r.Has(store.RightInsert) {
		return a.refuse(&tryCreateError{err})
	}
	a.blind = true
	return nil
}

// fits checks the quota roots for one more message of size octets on top
// of those staged. The store checks again at commit, under its lock.
func (a *appendCmd) fits(size int64) error {
	for _, q := range a.roots {
		if err := q.Fits(a.bytes+size, int64(len(a.staged))+1); err != nil {
			return err
		}
	}
	return nil
}

// commit stores every staged message in one transaction: the store
// refuses the whole batch if any would fail (a mailbox gone, a right taken,
// a quota filled meanwhile), so the command is all or nothing.
func (a *appendCmd) commit(tag string) error {
	s := a.s
	batch := make([]store.Batch, len(a.staged))
	for i, st := range a.staged {
		batch[i] = store.Batch{Staged: st, Flags: a.flags[i]}
	}
	res, err := s.st.CommitBatch(s.ctx, store.Target{Caller: s.caller, Mailbox: a.target, Need: store.RightInsert}, batch)
	if err != nil {
		if store.KindOf(err) == store.KindNotFound {
			return s.noRefused(tag, &tryCreateError{err})
		}
		return s.no(tag, err)
	}
	if a.blind {
		return s.ok(tag, "", "APPEND completed") // no UIDs of a mailbox the caller cannot read
	}
	return s.ok(tag, "APPENDUID "+strconv.FormatUint(uint64(res.UIDValidity), 10)+" "+numSetString(res.UIDs), "APPEND completed")
}

// discard removes the staged bodies; placed messages keep their links.
func (a *appendCmd) discard() {
	for _, st := range a.staged {
		st.Close()
	}
}

// readRecorder remembers a failure to read the client's bytes, which the
// store would otherwise report as its own.
type readRecorder struct {
	r   io.Reader
	err error
}

func (r *readRecorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

// numSetString writes numbers in the order given as a set, runs of
// consecutive numbers as ranges: the form of APPENDUID and COPYUID, where
// the n-th UID of one set pairs with the n-th of the other, and of
// ESEARCH ALL and MODIFIED, whose numbers come ascending.
func numSetString(uids []uint32) string { return uidRangesString(store.RangesOf(uids)) }
