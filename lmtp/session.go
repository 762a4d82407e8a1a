package lmtp

import (
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"mstore/store"
)

// session is one client's LMTP conversation. go-smtp calls its methods from
// the connection's goroutine, except LMTPData, which runs in a goroutine of
// its own and, during a BDAT transfer, may still run when the client's RSET
// or a closed connection resets the session.
type session struct {
	srv    *Server
	conn   *conn
	sc     *smtp.Conn
	remote string
	log    *slog.Logger

	mu    sync.Mutex // guards the transaction below
	helo  string     // as LHLO said when MAIL came
	from  string
	size  int64 // SIZE= of MAIL; 0 when not given
	rcpts []recipient
}

// recipient is one accepted RCPT.
type recipient struct {
	addr      string // as the client wrote it: go-smtp matches replies by it
	target    store.Target
	partition string // of the target's mailbox
}

// Test hooks: testHookRcpt runs at the start of every RCPT (to panic inside
// a session), testHookCommit just before a commit (to hold it there).
var (
	testHookRcpt   func(addr string)
	testHookCommit func()
)

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	cn, ok := c.Conn().(*conn)
	if !ok {
		return nil, errors.New("lmtp: connection not accepted by Serve")
	}
	remote := remoteName(cn.Conn)
	return &session{
		srv:    s,
		conn:   cn,
		sc:     c,
		remote: remote,
		log:    s.log.With("conn", cn.id, "remote", remote),
	}, nil
}

func (s *session) Reset() {
	s.mu.Lock()
	s.from, s.size, s.rcpts = "", 0, nil
	s.mu.Unlock()
	s.conn.endTransaction()
}

// Logout runs when the connection closes, outside go-smtp's recovery.
func (s *session) Logout() error {
	defer s.recoverPanic("logout")
	s.Reset()
	return nil
}

func (s *session) recoverPanic(where string) {
	if v := recover(); v != nil {
		s.log.Error("lmtp: recovered from a panic", "in", where, "panic", v)
		s.conn.Conn.Close()
	}
}

func (s *session) Mail(from string, opts *smtp.MailOptions) error {
	s.mu.Lock()
	s.helo, s.from, s.size, s.rcpts = s.sc.Hostname(), from, opts.Size, nil
	s.mu.Unlock()
	s.conn.beginTransaction()
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if testHookRcpt != nil {
		testHookRcpt(to)
	}
	ctx := s.srv.ctx
	rcpt, err := s.srv.st.ResolveRecipient(ctx, to)
	if err == nil {
		s.mu.Lock()
		size := s.size
		s.mu.Unlock()
		err = s.srv.roomFor(rcpt.Target.Mailbox, size)
	}
	if err != nil {
		s.logRefusal("recipient refused", err, "rcpt", to)
		return replyFor(err, s.srv.opts.OverQuotaPermanent)
	}
	s.mu.Lock()
	s.rcpts = append(s.rcpts, recipient{addr: to, target: rcpt.Target, partition: rcpt.Partition})
	s.mu.Unlock()
	return nil
}

// Data is never called: go-smtp uses LMTPData in LMTP mode.
func (s *session) Data(io.Reader) error { return replyTemporary }

// LMTPData stages the message once, commits it to every accepted
// recipient at once, and answers each recipient from its own result. A 250
// goes out only after the commit has returned, so the message is on disk.
func (s *session) LMTPData(r io.Reader, status smtp.StatusCollector) error {
	s.mu.Lock()
	helo, from, rcpts := s.helo, s.from, slices.Clone(s.rcpts)
	s.mu.Unlock()
	if len(rcpts) == 0 { // reset by the client in the meantime
		return replyTemporary
	}
	setAll := func(e *smtp.SMTPError) {
		for _, rc := range rcpts {
			status.SetStatus(rc.addr, e)
		}
	}
	ctx := s.srv.ctx
	id := newID()
	now := time.Now()
	addrs := make([]string, len(rcpts))
	for i, rc := range rcpts {
		addrs[i] = rc.addr
	}
	trace := traceFields(from, helo, s.remote, s.srv.opts.Hostname, id, addrs, now)
	body := &bodyReader{r: r, max: s.srv.maxSize}
	staged, err := s.srv.st.Stage(ctx, body, store.StageOptions{
		Date:      now,
		MaxSize:   s.srv.maxSize,
		Header:    trace, // ours, not the sender's: outside the size limit
		Partition: rcpts[0].partition,
	})
	if err != nil {
		setAll(s.stageFailure(id, err, body))
		return nil
	}
	defer staged.Close()
	if !s.conn.beginCommit() {
		setAll(replyShutdown)
		return nil
	}
	if testHookCommit != nil {
		testHookCommit()
	}
	targets := make([]store.Target, len(rcpts))
	for i, rc := range rcpts {
		targets[i] = rc.target
	}
	results := staged.Commit(ctx, targets)
	saved := reply(250, 2, 0, 0, id+" Saved")
	for i, res := range results {
		rc := rcpts[i]
		if res.Err != nil {
			s.logRefusal("delivery refused", res.Err, "id", id, "rcpt", rc.addr, "mailbox", rc.target.Mailbox.Path())
			status.SetStatus(rc.addr, replyFor(res.Err, s.srv.opts.OverQuotaPermanent))
			continue
		}
		s.log.Info("delivered", "id", id, "from", from, "rcpt", rc.addr,
			"mailbox", rc.target.Mailbox.Path(), "uid", res.UID, "size", staged.Size())
		status.SetStatus(rc.addr, saved)
	}
	return nil
}

// stageFailure explains why a message could not be staged: too big, a
// client that broke off, or the store.
func (s *session) stageFailure(id string, err error, body *bodyReader) *smtp.SMTPError {
	switch {
	case body.tooBig || store.KindOf(err) == store.KindTooBig:
		s.log.Info("message refused: too big", "id", id, "limit", s.srv.maxSize)
		return replyTooBig
	case body.err != nil:
		s.log.Info("message transfer broken off", "id", id, "err", body.err)
		return replyTemporary
	}
	s.log.Error("cannot stage message", "id", id, "err", err)
	return replyFor(err, s.srv.opts.OverQuotaPermanent)
}

// logRefusal logs an everyday refusal as information, anything else as an
// error with its cause.
func (s *session) logRefusal(msg string, err error, args ...any) {
	kind := store.KindOf(err)
	args = append(args, "kind", kind.String(), "err", err)
	if expectedKind(kind) {
		s.log.Info(msg, args...)
		return
	}
	s.log.Error(msg, args...)
}

// bodyReader passes the client's message to the store and notes why it
// stopped, so that a refusal can say "too big" or "broken off" rather than
// blame the store.
type bodyReader struct {
	r      io.Reader
	max    int64
	n      int64
	tooBig bool
	err    error // a failure on the client's side, other than too big
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.n > b.max {
		b.tooBig = true
		return 0, smtp.ErrDataTooLarge
	}
	switch {
	case err == nil || err == io.EOF:
	case errors.Is(err, smtp.ErrDataTooLarge):
		b.tooBig = true
	default:
		b.err = err
	}
	return n, err
}

// roomFor refuses a recipient whose quota is already used up, or cannot
// take a message of the size MAIL announced, so that the MTA learns it at
// RCPT. The commit checks again, exactly.
func (s *Server) roomFor(mbox store.MailboxName, size int64) error {
	roots, err := s.st.QuotaRootsOf(s.ctx, store.System(), mbox)
	if err != nil {
		return err
	}
	for _, q := range roots {
		// Without SIZE, a root is full when not one more octet fits.
		if err := q.Fits(max(size, 1), 1); err != nil {
			return err
		}
	}
	return nil
}
