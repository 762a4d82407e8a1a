package pop3

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"mstore/auth"
	"mstore/store"
)

// Options configure a Server. The zero value serves plain POP3 with the
// defaults of each field.
type Options struct {
	// TLS, when set, lets ServeTLS serve POP3S and makes Serve offer STLS.
	TLS *tls.Config
	// AllowPlaintextAuth takes passwords in clear (USER/PASS, PLAIN,
	// LOGIN) on connections without TLS from other hosts; loopback
	// connections may always send them.
	AllowPlaintextAuth bool
	// Hostname goes in the greeting and in CRAM-MD5 challenges; the
	// system's host name when empty.
	Hostname string
	// DisableCRAMMD5 and DisableSCRAMSHA256 take those mechanisms out of
	// AUTH and CAPA, for a store whose logins keep no such secrets.
	DisableCRAMMD5     bool
	DisableSCRAMSHA256 bool
	// LoginDelay is the least time between two logins of one user (RFC
	// 2449 LOGIN-DELAY); a login sooner than that is refused with
	// [LOGIN-DELAY]. Zero announces and enforces nothing.
	LoginDelay time.Duration
	// ExpireDays is the retention policy CAPA announces (RFC 2449
	// EXPIRE): 0 (the default) announces NEVER; a positive number of days
	// announces that policy for a site whose own cleanup enforces it (the
	// server deletes nothing for it); ExpireOnRetrieve announces EXPIRE 0
	// and deletes at QUIT every message retrieved with RETR, as if the
	// client had sent DELE.
	ExpireDays int
	// MaxBadCommands ends a session after that many client errors
	// (unknown commands, bad arguments, failed logins); 0 means 10,
	// a negative value means no limit.
	MaxBadCommands int
	// IdleTimeout ends a session that sends nothing for that long; 0
	// means 10 minutes, the least RFC 1939 allows.
	IdleTimeout time.Duration
	// AuthFailDelay is how long a failed login waits before its answer;
	// 0 means 2 seconds, a negative value means none.
	AuthFailDelay time.Duration
	// Proxy checks the passwords of system accounts that the authmap ties
	// to store users (see auth.Login); nil when there is none.
	Proxy *auth.ProxyClient
}

// ExpireOnRetrieve is the Options.ExpireDays value for EXPIRE 0.
const ExpireOnRetrieve = -1

// Defaults of the Options fields whose zero value means "the default".
const (
	DefaultMaxBadCommands = 10
	DefaultIdleTimeout    = 10 * time.Minute
	DefaultAuthFailDelay  = 2 * time.Second
)

// ErrServerClosed is what Serve and ServeTLS return once Close was called.
var ErrServerClosed = errors.New("pop3: server closed")

// Server serves POP3 from one store on any number of listeners.
type Server struct {
	st    *store.Store
	opts  Options
	log   *slog.Logger
	login *auth.Login // every password and SASL check, as every door makes them

	ctx    context.Context // cancelled by Close: ends waits and store calls
	cancel context.CancelFunc
	wg     sync.WaitGroup // one per connection goroutine

	mu        sync.Mutex // protects the fields below
	closed    bool
	listeners map[net.Listener]struct{}
	conns     map[net.Conn]struct{}
	lastLogin map[string]time.Time // user -> time of the last login, for LOGIN-DELAY
}

// New returns a server for st. A nil log discards.
func New(st *store.Store, opts Options, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.Hostname == "" {
		opts.Hostname, _ = os.Hostname()
		if opts.Hostname == "" {
			opts.Hostname = "localhost"
		}
	}
	if opts.MaxBadCommands == 0 {
		opts.MaxBadCommands = DefaultMaxBadCommands
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.AuthFailDelay == 0 {
		opts.AuthFailDelay = DefaultAuthFailDelay
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		st: st, opts: opts, log: log.With("door", "pop3"),
		login: &auth.Login{Store: st, Proxy: opts.Proxy},
		ctx:   ctx, cancel: cancel,
		listeners: map[net.Listener]struct{}{},
		conns:     map[net.Conn]struct{}{},
		lastLogin: map[string]time.Time{},
	}
}

// Serve accepts plain POP3 connections on l (STLS offered when Options.TLS
// is set) until Close, and then returns ErrServerClosed.
func (s *Server) Serve(l net.Listener) error { return s.serve(l, false) }

// ServeTLS accepts POP3S connections on l: TLS from the first byte.
func (s *Server) ServeTLS(l net.Listener) error {
	if s.opts.TLS == nil {
		return errors.New("pop3: ServeTLS without Options.TLS")
	}
	return s.serve(l, true)
}

func (s *Server) serve(l net.Listener, implicitTLS bool) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
	}()
	var backoff time.Duration
	for {
		conn, err := l.Accept()
		if err != nil {
			if s.isClosed() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) || isTemporary(err) {
				// Out of file descriptors and the like: wait and go on.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.log.Warn("accept", "err", err, "retry_in", backoff)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		if !s.track(conn) {
			conn.Close()
			return ErrServerClosed
		}
		s.wg.Go(func() {
			defer s.untrack(conn)
			s.handle(conn, implicitTLS)
		})
	}
}

// isTemporary reports errors that Accept may give and recover from.
func isTemporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// track records a new connection; it reports false once the server is
// closed.
func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
}

// Close stops every listener, closes every connection (a session that has
// not reached QUIT deletes nothing), and waits for the sessions to end.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.wg.Wait()
		return nil
	}
	s.closed = true
	var err error
	for l := range s.listeners {
		if cerr := l.Close(); cerr != nil && err == nil && !errors.Is(cerr, net.ErrClosed) {
			err = cerr
		}
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	return err
}

// loginTooSoon reports whether user logged in less than LoginDelay ago.
func (s *Server) loginTooSoon(user string, now time.Time) bool {
	if s.opts.LoginDelay <= 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	last, ok := s.lastLogin[user]
	return ok && now.Sub(last) < s.opts.LoginDelay
}

// noteLogin records a successful login of user for LOGIN-DELAY.
func (s *Server) noteLogin(user string, now time.Time) {
	d := s.opts.LoginDelay
	if d <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastLogin[user] = now
	if len(s.lastLogin) > 1024 {
		// Forget users whose delay has passed, so the map stays small.
		for u, t := range s.lastLogin {
			if now.Sub(t) >= d {
				delete(s.lastLogin, u)
			}
		}
	}
}
