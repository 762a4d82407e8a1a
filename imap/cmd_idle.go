package imap

import (
	"errors"
	"net"
	"time"

	"mstore/imap/wire"
)

// cmdIdle waits for changes and tells them as they happen (RFC 2177) until
// the client sends DONE. A second goroutine reads DONE, so the session's
// goroutine is free to forward events the moment they arrive.
func cmdIdle(s *session, tag string, _ bool) error {
	if err := s.dec.ReadCRLF(); err != nil {
		return err
	}
	s.enc.Atom("+ idling").CRLF()
	s.sendUpdates(true)
	if err := s.enc.Flush(); err != nil {
		return err
	}
	s.conn.SetReadDeadline(time.Now().Add(s.srv.opts.IdleTimeout))
	done := make(chan error, 1)
	go func() { done <- wire.ReadIdleDone(s.dec) }()
	var events <-chan struct{}
	if s.sel != nil {
		events = s.sel.watcher.C
	}
	for {
		select {
		case <-events:
			if s.checkGone() {
				s.conn.Close()
				<-done
				return errClose
			}
			s.sendUpdates(true)
			if err := s.enc.Flush(); err != nil {
				s.conn.Close()
				<-done
				return err
			}
		case err := <-done:
			var ne net.Error
			switch {
			case err == nil:
				return s.ok(tag, "", "IDLE terminated")
			case s.shuttingDown():
				s.enc.Atom("* BYE Server shutting down").CRLF()
				return errClose
			case errors.As(err, &ne) && ne.Timeout():
				s.enc.Atom("* BYE Autologout; idle for too long").CRLF()
				return errClose
			case isProtocolError(err):
				s.dec.Discard()
				s.tagged(tag, "BAD", "", "Expected DONE")
				return nil
			}
			return err
		}
	}
}
