package imap

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"mstore/imap/wire"
	"mstore/store"
)

type state int

const (
	stateNotAuth state = 1 << iota
	stateAuth
	stateSelected
	stateLogout

	anyState     = stateNotAuth | stateAuth | stateSelected
	authOrSel    = stateAuth | stateSelected
	selectedOnly = stateSelected
)

// errClose ends the session after the response already written.
var errClose = errors.New("close the session")

type session struct {
	srv  *Server
	st   *store.Store
	ctx  context.Context
	stop context.CancelFunc // cancels ctx when the session ends or the server closes
	log  *slog.Logger

	conn     net.Conn
	isTLS    bool
	loopback bool
	br       *bufio.Reader
	bw       *bufio.Writer
	dec      *wire.Decoder
	enc      *wire.Encoder

	state  state
	caller store.Caller
	user   string // the authenticated user, "joe@foo.com"
	local  string // its local part
	domain string // its domain

	rev2      bool // IMAP4rev2 enabled
	utf8      bool // UTF8=ACCEPT enabled (or implied by IMAP4rev2)
	condstore bool // CONDSTORE enabled
	qresync   bool // QRESYNC enabled: VANISHED replaces EXPUNGE (RFC 7162 section 3.2)

	sel *selected // the selected mailbox, nil unless stateSelected

	// Of the command being run:
	expungeOK bool // EXPUNGE responses may be sent before its tagged answer

	bad int // BAD answers in a row

	shutOnce sync.Once
	quit     chan struct{} // closed when the server shuts down
}

func newSession(srv *Server, c net.Conn, implicitTLS bool) *session {
	ctx, cancel := context.WithCancel(context.Background())
	s := &session{srv: srv, st: srv.st, ctx: ctx, stop: cancel, conn: c, isTLS: implicitTLS,
		state: stateNotAuth, quit: make(chan struct{})}
	s.log = srv.log.With("remote", c.RemoteAddr().String())
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		s.loopback = a.IP.IsLoopback()
	} else if _, ok := c.RemoteAddr().(*net.UnixAddr); ok {
		s.loopback = true
	}
	s.br = bufio.NewReaderSize(c, 4096)
	s.bw = bufio.NewWriterSize(c, 4096)
	s.enc = wire.NewEncoder(s.bw)
	s.dec = wire.NewDecoder(s.br, wire.DecoderLimits{MaxLineLength: srv.opts.MaxLineLength, MaxLiteralSize: srv.opts.AppendLimit}, s.continuation)
	return s
}

// continuation asks the client for a synchronising literal's bytes.
func (s *session) continuation(li wire.LiteralInfo) error {
	if li.NonSync {
		return nil
	}
	s.enc.Atom("+ Ready for literal data").CRLF()
	return s.enc.Flush()
}

// shutdown is called by Server.Close from another goroutine: it wakes the
// session, which says BYE and ends.
func (s *session) shutdown() {
	s.shutOnce.Do(func() {
		close(s.quit)
		s.stop()
		s.conn.SetReadDeadline(time.Now())
	})
}

func (s *session) shuttingDown() bool {
	select {
	case <-s.quit:
		return true
	default:
		return false
	}
}

func (s *session) serve() {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic in IMAP session", "panic", r, "stack", string(debug.Stack()))
		}
		s.unselect()
		s.stop()
		s.conn.Close()
	}()
	if s.isTLS {
		if tc, ok := s.conn.(*tls.Conn); ok {
			s.conn.SetDeadline(time.Now().Add(s.srv.opts.LoginTimeout))
			if err := tc.Handshake(); err != nil {
				return
			}
			s.conn.SetDeadline(time.Time{})
		}
	}
	s.enc.Atom("* OK [CAPABILITY ").Atom(strings.Join(s.capabilities(), " ")).Atom("] mstore ready").CRLF()
	if s.enc.Flush() != nil {
		return
	}
	for s.command() {
		if err := s.enc.Flush(); err != nil {
			return
		}
	}
	s.enc.Flush()
}

// command reads and runs one command; false ends the session.
func (s *session) command() bool {
	timeout := s.srv.opts.IdleTimeout
	if s.state == stateNotAuth {
		timeout = s.srv.opts.LoginTimeout
	}
	s.conn.SetReadDeadline(time.Now().Add(timeout))
	tag, err := s.dec.ReadTag()
	if err != nil {
		return s.readFailed(err)
	}
	if err := s.dec.ReadSP(); err != nil {
		return s.syntaxError(tag, err)
	}
	name, err := s.dec.ReadAtom()
	if err != nil {
		return s.syntaxError(tag, err)
	}
	name = strings.ToUpper(name)
	uid := false
	if name == "UID" {
		if err := s.dec.ReadSP(); err != nil {
			return s.syntaxError(tag, err)
		}
		if name, err = s.dec.ReadAtom(); err != nil {
			return s.syntaxError(tag, err)
		}
		name, uid = strings.ToUpper(name), true
	}
	cmd, ok := commands[name]
	if !ok || (uid && !cmd.uid) {
		if s.state == stateNotAuth {
			// Before login, one unknown command ends the connection: it is
			// most likely another protocol talking to the IMAP port.
			s.enc.Atom("* BYE Unknown command; this is an IMAP server").CRLF()
			return false
		}
		return s.syntaxError(tag, fmt.Errorf("unknown command %s", name))
	}
	if s.state&cmd.states == 0 {
		s.dec.Discard()
		return s.answerBad(tag, fmt.Sprintf("%s not allowed now", name))
	}
	s.expungeOK = cmd.expungeOK || uid
	err = cmd.fn(s, tag, uid)
	switch {
	case err == nil:
		s.bad = 0
		return s.state != stateLogout
	case errors.Is(err, errClose):
		return false
	}
	var lit *wire.LiteralTooLargeError
	var cs *wire.BadCharsetError
	switch {
	case errors.As(err, &lit):
		s.dec.Discard()
		s.tagged(tag, "NO", "TOOBIG", fmt.Sprintf("Literal of %d octets is over the limit of %d", lit.Size, lit.Limit))
		return true
	case errors.As(err, &cs):
		if s.dec.Discard() != nil {
			return false
		}
		s.tagged(tag, "NO", "BADCHARSET (UTF-8 US-ASCII)", "Unsupported charset")
		return true
	case isProtocolError(err):
		return s.syntaxError(tag, err)
	}
	s.log.Debug("session ends", "err", err)
	return false
}

// isProtocolError tells a client's mistake (answered BAD) from an I/O
// failure (which ends the session).
func isProtocolError(err error) bool {
	var se *wire.SyntaxError
	var ll *wire.LineTooLongError
	var be *badError
	return errors.As(err, &se) || errors.As(err, &ll) || errors.As(err, &be)
}

// badError is a command error found by a handler, answered BAD.
type badError struct{ msg string }

func (e *badError) Error() string { return e.msg }

func badf(format string, args ...any) error { return &badError{fmt.Sprintf(format, args...)} }

func (s *session) syntaxError(tag string, err error) bool {
	if derr := s.dec.Discard(); derr != nil {
		s.enc.Atom("* BYE Cannot find the end of the command").CRLF()
		return false
	}
	return s.answerBad(tag, err.Error())
}

func (s *session) answerBad(tag, text string) bool {
	s.tagged(tag, "BAD", "", text)
	s.bad++
	if s.bad >= s.srv.opts.MaxBadCommands {
		s.enc.Atom("* BYE Too many invalid commands").CRLF()
		return false
	}
	return true
}

func (s *session) readFailed(err error) bool {
	var ne net.Error
	switch {
	case s.shuttingDown():
		s.enc.Atom("* BYE Server shutting down").CRLF()
		return false
	case errors.As(err, &ne) && ne.Timeout():
		s.enc.Atom("* BYE Autologout; idle for too long").CRLF()
		return false
	case errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed):
		return false
	case isProtocolError(err):
		// A malformed tag: answer untagged, as there is no tag to use.
		if s.dec.Discard() != nil {
			return false
		}
		s.enc.Atom("* BAD ").Text(err.Error()).CRLF()
		s.bad++
		return s.bad < s.srv.opts.MaxBadCommands && s.state != stateNotAuth
	}
	return false
}

// Responses.

// tagged writes "tag STATUS [code] text".
func (s *session) tagged(tag, status, code, text string) {
	s.enc.Atom(tag).SP().Atom(status).SP()
	if code != "" {
		s.enc.Atom("[").Atom(code).Atom("] ")
	}
	s.enc.Text(text).CRLF()
}

// ok reports pending changes of the selected mailbox, as far as the
// command allows, then completes the command.
func (s *session) ok(tag, code, text string) error {
	s.sendUpdates(s.expungeOK)
	s.tagged(tag, "OK", code, text)
	return nil
}

// no fails the command for a store error: a generic text for the client,
// the cause in the log.
func (s *session) no(tag string, err error) error {
	if k := store.KindOf(err); k == store.KindInternal || k == store.KindTemporary {
		s.log.Warn("command failed", "user", s.user, "err", err)
	} else {
		s.log.Debug("command refused", "user", s.user, "err", err)
	}
	s.sendUpdates(s.expungeOK)
	s.tagged(tag, "NO", respCode(err), respText(err))
	return nil
}

// noText fails the command with a text of the server's own.
func (s *session) noText(tag, code, text string) error {
	s.sendUpdates(s.expungeOK)
	s.tagged(tag, "NO", code, text)
	return nil
}

// Mailbox names.

// mailboxName turns a name as read from the wire into UTF-8.
func (s *session) mailboxName(raw string) (string, error) {
	if s.utf8 {
		return raw, nil
	}
	name, err := wire.DecodeMailboxName(raw)
	if err != nil {
		return "", badf("mailbox name %q is not valid modified UTF-7", raw)
	}
	return name, nil
}

// nologin returns the text of etc/nologin, or "" when logins are allowed.
func (s *session) nologin() string {
	text, present, err := s.st.Nologin()
	if err != nil {
		s.log.Warn("reading etc/nologin", "err", err)
	}
	if present && text == "" {
		text = "Logins are disabled"
	}
	return text
}

// bigBufferMin is the number of messages from which a command's answer is
// written through a large buffer.
const bigBufferMin = 64

// bigWriters are the large output buffers commands borrow for bulk data.
var bigWriters = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 256<<10) }}

// bigBuffer makes the session write through a large pooled buffer until
// the returned function is called, which flushes it and gives the small
// one back.
func (s *session) bigBuffer() func() {
	if s.enc.Flush() != nil {
		return func() {}
	}
	big := bigWriters.Get().(*bufio.Writer)
	big.Reset(s.conn)
	s.enc.Reset(big)
	s.enc.SetUTF8(s.utf8)
	return func() {
		s.enc.Flush()
		s.enc.Reset(s.bw)
		s.enc.SetUTF8(s.utf8)
		big.Reset(nil)
		bigWriters.Put(big)
	}
}
