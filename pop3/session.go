package pop3

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"mstore/store"
)

// state is where a session is in RFC 1939's state machine.
type state uint8

const (
	stateAuthorization state = 1 << iota
	stateTransaction
)

// maxLine bounds a command line, CRLF included. RFC 2449 allows 255
// octets for commands; the room above that is for SASL responses.
const maxLine = 8192

// tlsHandshakeTimeout bounds the TLS handshake of POP3S and STLS.
const tlsHandshakeTimeout = time.Minute

var errLineTooLong = errors.New("command line too long")

// session is one client connection. It is used by its own goroutine only.
type session struct {
	srv *Server
	ctx context.Context
	log *slog.Logger

	conn  net.Conn // the transport: the accepted connection or TLS over it
	r     *bufio.Reader
	w     *bufio.Writer
	isTLS bool
	local bool // the peer is on this host (loopback or a UNIX socket)

	state state
	nbad  int  // client errors so far
	done  bool // end the session after the current command

	userArg string // the name given by USER, waiting for PASS

	// Set on login, for the TRANSACTION state.
	caller store.Caller
	user   string
	drop   *maildrop
}

// handle runs one connection to its end. It never lets a panic out: the
// panic is logged and only this connection is closed (by the caller).
func (s *Server) handle(raw net.Conn, implicitTLS bool) {
	ss := &session{
		srv:   s,
		ctx:   s.ctx,
		log:   s.log.With("remote", raw.RemoteAddr().String()),
		local: isLocal(raw.RemoteAddr()),
		state: stateAuthorization,
	}
	defer func() {
		if p := recover(); p != nil {
			ss.log.Error("panic in POP3 session", "panic", p, "stack", string(debug.Stack()))
		}
		ss.releaseDrop()
	}()
	ss.setConn(raw)
	if implicitTLS {
		if !ss.startTLS() {
			return
		}
	}
	ss.log.Debug("connected", "tls", ss.isTLS)
	// No timestamp in the greeting: APOP is not offered (see doc.go).
	ss.reply("+OK %s mstore POP3 ready", ss.srv.opts.Hostname)
	ss.serve()
}

// isLocal reports whether a peer address is on this host.
func isLocal(a net.Addr) bool {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.IP.IsLoopback()
	case *net.UnixAddr:
		return true
	}
	return false
}

func (ss *session) setConn(c net.Conn) {
	ss.conn = c
	ss.r = bufio.NewReaderSize(c, maxLine)
	ss.w = bufio.NewWriterSize(deadlineWriter{c, ss.srv.opts.IdleTimeout}, 32<<10)
}

// startTLS runs the server side of a TLS handshake on the connection and
// switches the session to it. Anything the client sent before the
// handshake and the session had already read is dropped, so that no
// plaintext is taken as if it had come over TLS.
func (ss *session) startTLS() bool {
	tc := tls.Server(ss.conn, ss.srv.opts.TLS)
	ctx, cancel := context.WithTimeout(ss.ctx, tlsHandshakeTimeout)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		ss.log.Info("TLS handshake failed", "err", err)
		return false
	}
	ss.setConn(tc)
	ss.isTLS = true
	return true
}

// deadlineWriter moves the write deadline forward before each write, so
// that a client that stops reading is dropped after the idle timeout
// while a slow one that keeps reading a big message is not.
type deadlineWriter struct {
	c       net.Conn
	timeout time.Duration
}

func (d deadlineWriter) Write(p []byte) (int, error) {
	d.c.SetWriteDeadline(time.Now().Add(d.timeout))
	return d.c.Write(p)
}

// serve reads and answers commands until QUIT, an error ends the session,
// or the connection goes.
func (ss *session) serve() {
	// ss.w changes at STLS: flush the writer in use at the end.
	defer func() { ss.w.Flush() }()
	for !ss.done {
		line, err := ss.readLine()
		switch {
		case errors.Is(err, errLineTooLong):
			ss.bad("-ERR command line too long")
			continue
		case errors.Is(err, os.ErrDeadlineExceeded):
			ss.log.Info("idle timeout")
			ss.reply("-ERR autologout: idle for too long")
			return
		case err != nil:
			if ss.drop != nil {
				ss.log.Info("connection ended without QUIT; nothing deleted", "err", err)
			} else {
				ss.log.Debug("connection ended", "err", err)
			}
			return
		}
		ss.dispatch(line)
	}
}

// readLine reads one line without its line end. Answers waiting in the
// buffer are sent first, unless more commands are already waiting: a
// pipelining client then gets its answers in one write.
func (ss *session) readLine() (string, error) {
	if ss.r.Buffered() == 0 {
		if err := ss.w.Flush(); err != nil {
			return "", err
		}
	}
	ss.conn.SetReadDeadline(time.Now().Add(ss.srv.opts.IdleTimeout))
	line, err := ss.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = ss.r.ReadSlice('\n')
		}
		if err == nil {
			err = errLineTooLong
		}
		return "", err
	}
	if err != nil {
		return "", err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return string(line), nil
}

// reply writes one response line.
func (ss *session) reply(format string, args ...any) {
	if len(args) == 0 {
		ss.w.WriteString(format)
	} else {
		fmt.Fprintf(ss.w, format, args...)
	}
	ss.w.WriteString("\r\n")
}

// bad answers a client error and counts it; once the count reaches the
// limit the answer says so and the session ends.
func (ss *session) bad(line string) {
	ss.nbad++
	if limit := ss.srv.opts.MaxBadCommands; limit > 0 && ss.nbad >= limit {
		ss.log.Info("too many bad commands", "count", ss.nbad)
		ss.reply("-ERR too many bad commands, closing the connection")
		ss.done = true
		return
	}
	ss.reply("%s", line)
}

// storeErr answers a store error through the table in errors.go and logs
// its cause.
func (ss *session) storeErr(what string, err error) {
	line, fault := errReply(err)
	if fault {
		ss.log.Warn(what, "err", err)
	} else {
		ss.log.Info(what, "err", err)
	}
	ss.reply("%s", line)
}

// command is one verb: the states it is valid in and its handler, which
// gets the rest of the line after the verb and one space.
type command struct {
	states state
	run    func(ss *session, arg string)
}

const both = stateAuthorization | stateTransaction

var commands = map[string]command{
	"CAPA": {both, (*session).cmdCapa},
	"QUIT": {both, (*session).cmdQuit},
	"NOOP": {stateTransaction, (*session).cmdNoop},
	"STLS": {stateAuthorization, (*session).cmdStls},
	"USER": {stateAuthorization, (*session).cmdUser},
	"PASS": {stateAuthorization, (*session).cmdPass},
	"APOP": {stateAuthorization, (*session).cmdApop},
	"AUTH": {stateAuthorization, (*session).cmdAuth},
	"STAT": {stateTransaction, (*session).cmdStat},
	"LIST": {stateTransaction, (*session).cmdList},
	"UIDL": {stateTransaction, (*session).cmdUidl},
	"RETR": {stateTransaction, (*session).cmdRetr},
	"TOP":  {stateTransaction, (*session).cmdTop},
	"DELE": {stateTransaction, (*session).cmdDele},
	"RSET": {stateTransaction, (*session).cmdRset},
}

// dispatch runs one command line.
func (ss *session) dispatch(line string) {
	verb, arg, _ := strings.Cut(line, " ")
	verb = strings.ToUpper(verb)
	cmd, ok := commands[verb]
	switch {
	case verb == "":
		ss.bad("-ERR empty command")
		return
	case !ok:
		ss.bad("-ERR unknown command")
		return
	case cmd.states&ss.state == 0:
		if ss.state == stateAuthorization {
			ss.bad("-ERR log in first")
		} else {
			ss.bad("-ERR command not valid after login")
		}
		return
	}
	// Never the argument: it may be a password or SASL data.
	ss.log.Debug("command", "verb", verb)
	cmd.run(ss, arg)
}

// noArgs answers a client error when a command that takes no argument got
// one; it reports whether the command may go on.
func (ss *session) noArgs(arg string) bool {
	if strings.TrimSpace(arg) != "" {
		ss.bad("-ERR this command takes no argument")
		return false
	}
	return true
}

func (ss *session) cmdNoop(arg string) {
	if ss.noArgs(arg) {
		ss.reply("+OK")
	}
}
