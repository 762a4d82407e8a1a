package imap

import (
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"

	"mstore/auth"
	"mstore/store"
)

// Options configure the server. The zero value serves plain IMAP with
// STARTTLS unavailable and plaintext logins allowed only from loopback.
type Options struct {
	// TLS enables STARTTLS on plain listeners and is required by ServeTLS.
	TLS *tls.Config
	// AllowPlaintextAuth allows LOGIN and AUTHENTICATE PLAIN/LOGIN without
	// TLS from any address; from loopback they are always allowed.
	AllowPlaintextAuth bool
	// Auth chooses the SASL mechanisms (CRAM-MD5 can be turned off).
	Auth auth.ServerOptions
	// AppendLimit is the largest message APPEND takes (APPENDLIMIT);
	// 0 means the store's limit.
	AppendLimit int64
	// MaxLineLength bounds a command line, literals excluded (0: 64 KiB).
	MaxLineLength int
	// IdleTimeout ends a silent authenticated session with BYE (0: 30
	// minutes, RFC 3501's autologout minimum); LoginTimeout ends a silent
	// session before login (0: 60 seconds).
	IdleTimeout  time.Duration
	LoginTimeout time.Duration
	// MaxBadCommands ends a session after that many BAD answers in a row
	// (0: 10). Before login a single unknown command ends it.
	MaxBadCommands int
	// FailedLoginDelay is waited after each failed login (0: 1 second).
	FailedLoginDelay time.Duration
	// Proxy checks the passwords of system accounts (see auth.Login);
	// nil when there is none.
	Proxy *auth.ProxyClient
}

// Server serves IMAP on any number of listeners.
type Server struct {
	st    *store.Store
	opts  Options
	log   *slog.Logger
	login *auth.Login

	mu        sync.Mutex // protects listeners, sessions and closed
	listeners map[net.Listener]struct{}
	sessions  map[*session]struct{}
	closed    bool
	wg        sync.WaitGroup
}

// New returns a server for the store.
func New(st *store.Store, opts Options, log *slog.Logger) *Server {
	if opts.AppendLimit <= 0 || opts.AppendLimit > st.MaxMessageSize() {
		opts.AppendLimit = st.MaxMessageSize()
	}
	if opts.MaxLineLength <= 0 {
		opts.MaxLineLength = 64 << 10
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 30 * time.Minute
	}
	if opts.LoginTimeout <= 0 {
		opts.LoginTimeout = 60 * time.Second
	}
	if opts.MaxBadCommands <= 0 {
		opts.MaxBadCommands = 10
	}
	if opts.FailedLoginDelay <= 0 {
		opts.FailedLoginDelay = time.Second
	}
	if opts.Auth.Hostname == "" {
		opts.Auth.Hostname = "mstore"
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{st: st, opts: opts, log: log, login: &auth.Login{Store: st, Proxy: opts.Proxy}, listeners: map[net.Listener]struct{}{}, sessions: map[*session]struct{}{}}
}

// Serve accepts plain IMAP connections (STARTTLS offered when TLS is set)
// until the listener fails or the server is closed.
func (srv *Server) Serve(l net.Listener) error { return srv.serve(l, false) }

// ServeTLS accepts connections that start with TLS (imaps).
func (srv *Server) ServeTLS(l net.Listener) error {
	if srv.opts.TLS == nil {
		return errors.New("imap: ServeTLS without a TLS configuration")
	}
	return srv.serve(tls.NewListener(l, srv.opts.TLS), true)
}

func (srv *Server) serve(l net.Listener, implicitTLS bool) error {
	srv.mu.Lock()
	if srv.closed {
		srv.mu.Unlock()
		l.Close()
		return net.ErrClosed
	}
	srv.listeners[l] = struct{}{}
	srv.mu.Unlock()
	defer func() {
		srv.mu.Lock()
		delete(srv.listeners, l)
		srv.mu.Unlock()
	}()
	var backoff time.Duration
	for {
		c, err := l.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			srv.mu.Lock()
			closed := srv.closed
			srv.mu.Unlock()
			if closed {
				return nil
			}
			return err
		}
		backoff = 0
		s := newSession(srv, c, implicitTLS)
		srv.mu.Lock()
		if srv.closed {
			srv.mu.Unlock()
			c.Close()
			continue
		}
		srv.sessions[s] = struct{}{}
		srv.wg.Add(1)
		srv.mu.Unlock()
		go func() {
			defer srv.wg.Done()
			s.serve()
			srv.mu.Lock()
			delete(srv.sessions, s)
			srv.mu.Unlock()
		}()
	}
}

// Close stops the listeners, tells every session BYE and waits for them to
// end.
func (srv *Server) Close() error {
	srv.mu.Lock()
	srv.closed = true
	for l := range srv.listeners {
		l.Close()
	}
	sessions := make([]*session, 0, len(srv.sessions))
	for s := range srv.sessions {
		sessions = append(sessions, s)
	}
	srv.mu.Unlock()
	for _, s := range sessions {
		s.shutdown()
	}
	srv.wg.Wait()
	return nil
}

// Sessions returns the number of open sessions.
func (srv *Server) Sessions() int {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return len(srv.sessions)
}
