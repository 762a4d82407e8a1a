package lmtp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"mstore/store"
)

// Options configure a Server. The zero value is the default.
type Options struct {
	// Hostname names this server in the greeting and in the Received
	// field it adds (default: the machine's host name).
	Hostname string
	// MaxMessageSize is the largest message accepted, as LHLO's SIZE
	// announces it (default, and ceiling: the store's limit).
	MaxMessageSize int64
	// IdleTimeout drops a client that sends or takes nothing for this
	// long (default 5 minutes).
	IdleTimeout time.Duration
	// OverQuotaPermanent answers a delivery past a quota with 552 5.2.2, so
	// that the MTA bounces it, instead of 452 4.2.2, so that it retries.
	OverQuotaPermanent bool
}

const (
	defaultIdleTimeout = 5 * time.Minute
	// maxRecipients bounds one transaction (announced as LIMITS RCPTMAX);
	// an MTA sends its next recipients in another transaction.
	maxRecipients = 1000
	// maxLineLength bounds a command line and a line of a DATA message.
	// RFC 5321 allows 1,000 octets; mail with longer lines is common
	// enough not to drop the connection over.
	maxLineLength = 64 << 10
	// closeGrace is how long Close waits for deliveries being committed.
	closeGrace = 10 * time.Second
)

// Server is an LMTP server delivering into one store. It is safe for
// concurrent use; Serve may be called for several listeners.
type Server struct {
	st      *store.Store
	opts    Options
	log     *slog.Logger
	smtp    *smtp.Server
	ctx     context.Context // for store calls; cancelled when Close gives up waiting
	cancel  context.CancelFunc
	maxSize int64

	mu        sync.Mutex // guards the fields below
	closing   bool
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	nextConn  uint64
}

// New returns a server that delivers into st.
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
	if opts.MaxMessageSize <= 0 || opts.MaxMessageSize > st.MaxMessageSize() {
		opts.MaxMessageSize = st.MaxMessageSize()
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = defaultIdleTimeout
	}
	s := &Server{
		st:        st,
		opts:      opts,
		log:       log,
		maxSize:   opts.MaxMessageSize,
		listeners: map[net.Listener]struct{}{},
		conns:     map[*conn]struct{}{},
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())

	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.LMTP = true
	srv.Domain = opts.Hostname
	srv.MaxMessageBytes = opts.MaxMessageSize
	srv.MaxRecipients = maxRecipients
	srv.MaxLineLength = maxLineLength
	// The store keeps any octets; BDAT carries binary bodies.
	srv.EnableBINARYMIME = true
	// Deadlines are set by conn on every read and write, so that a slow
	// but moving transfer is not cut, and an idle one is.
	srv.ReadTimeout, srv.WriteTimeout = 0, 0
	srv.ErrorLog = errorLog{log}
	s.smtp = srv
	return s
}

// Serve accepts connections on l until Close. It returns nil after Close.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		l.Close()
		return nil
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()

	err := s.smtp.Serve(&listener{Listener: l, srv: s})
	s.mu.Lock()
	closing := s.closing
	delete(s.listeners, l)
	s.mu.Unlock()
	if closing {
		return nil
	}
	return err
}

// Close stops the server: it closes the listeners and every idle
// connection at once, lets a delivery that is being committed send its
// replies (so that the MTA does not deliver it again), and then closes
// that connection too. It waits at most a few seconds.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return nil
	}
	s.closing = true
	var firstErr error
	for l := range s.listeners {
		if err := l.Close(); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()

	for _, c := range conns {
		c.shutdown()
	}
	ctx, cancel := context.WithTimeout(context.Background(), closeGrace)
	defer cancel()
	// Shutdown also closes the listeners again, which fails harmlessly;
	// only its timeout matters here.
	if err := s.smtp.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) {
		s.log.Warn("lmtp: deliveries still running at shutdown; closing their connections")
		s.mu.Lock()
		for c := range s.conns {
			c.Conn.Close()
		}
		s.mu.Unlock()
	}
	s.cancel()
	return firstErr
}

// track registers a new connection; it returns nil once the server is
// closing.
func (s *Server) track(nc net.Conn) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil
	}
	s.nextConn++
	c := newConn(nc, s, s.nextConn)
	s.conns[c] = struct{}{}
	return c
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// listener wraps each accepted connection in a conn.
type listener struct {
	net.Listener
	srv *Server
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if c := l.srv.track(nc); c != nil {
			return c, nil
		}
		nc.Close() // accepted while closing
	}
}

// errorLog passes go-smtp's own messages to the log: a recovered panic as
// an error, anything else (a client that broke its connection) as
// information.
type errorLog struct{ log *slog.Logger }

func (e errorLog) Printf(format string, v ...any) { e.emit(fmt.Sprintf(format, v...)) }
func (e errorLog) Println(v ...any)               { e.emit(strings.TrimSuffix(fmt.Sprintln(v...), "\n")) }

func (e errorLog) emit(msg string) {
	if strings.HasPrefix(msg, "panic") {
		e.log.Error("lmtp: recovered from a panic; connection closed", "detail", msg)
		return
	}
	e.log.Info("lmtp: connection ended", "detail", msg)
}
