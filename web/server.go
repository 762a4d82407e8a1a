package web

import (
	"context"
	"crypto/tls"
	"errors"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"mstore/auth"
	"mstore/store"
)

// Options configure the admin page. The zero value serves plain HTTP with
// 30-minute sessions and keeps only the password hash of new passwords.
type Options struct {
	// TLS, when set, makes Serve speak HTTPS, and the cookies Secure.
	TLS *tls.Config
	// Credentials chooses the challenge-response secrets kept beside a
	// password set here (the [auth] switches, as the command line uses).
	Credentials auth.CredentialOptions
	// Proxy checks the passwords of system accounts; nil when there is none.
	Proxy *auth.ProxyClient
	// IdleTimeout ends a session after this long without a request
	// (0: 30 minutes).
	IdleTimeout time.Duration
	// FailedLoginDelay is waited before answering a failed login
	// (0: 1 second, as the IMAP door waits).
	FailedLoginDelay time.Duration
}

// Server serves the admin page on any number of listeners.
type Server struct {
	st      *store.Store
	opts    Options
	log     *slog.Logger
	login   *auth.Login
	sess    *sessions
	pages   map[string]*template.Template // by page name, parsed once in New
	csp     string                        // the Content-Security-Policy of every answer
	started time.Time
	hs      *http.Server

	closing   chan struct{} // closed by Close, to cut failed-login delays short
	closeOnce sync.Once
}

const (
	maxBody        = 64 << 10 // a form is small; anything bigger is refused
	shutdownGrace  = 10 * time.Second
	defaultIdle    = 30 * time.Minute
	defaultFailDly = time.Second
)

// New returns an admin page for the store.
func New(st *store.Store, opts Options, log *slog.Logger) *Server {
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = defaultIdle
	}
	if opts.FailedLoginDelay <= 0 {
		opts.FailedLoginDelay = defaultFailDly
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		st: st, opts: opts, log: log,
		login:   &auth.Login{Store: st, Proxy: opts.Proxy},
		sess:    newSessions(opts.IdleTimeout),
		pages:   parsePages(),
		csp:     contentSecurityPolicy(),
		started: time.Now(),
		closing: make(chan struct{}),
	}
	mux := http.NewServeMux()
	s.routes(mux)
	s.hs = &http.Server{
		Handler:           s.guard(mux),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		// net/http's own complaints (bad TLS handshakes, broken clients)
		// are the clients' doing: debug level.
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	if opts.TLS != nil {
		s.hs.TLSConfig = opts.TLS.Clone()
	}
	return s
}

// Serve answers on l, over TLS when Options.TLS is set, until Close.
func (s *Server) Serve(l net.Listener) error {
	var err error
	if s.opts.TLS != nil {
		err = s.hs.ServeTLS(l, "", "")
	} else {
		err = s.hs.Serve(l)
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops every listener, lets requests under way finish (for up to
// ten seconds) and forgets every session.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { close(s.closing) })
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err := s.hs.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = s.hs.Close()
	}
	s.sess.mu.Lock()
	clear(s.sess.byID)
	s.sess.mu.Unlock()
	return err
}

// routes lists every page and form. A GET shows a page; a POST runs an
// action and redirects to the page it concerns, or shows that page again
// with the error.
func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.loginPost)
	mux.HandleFunc("POST /logout", s.authed(s.logout))
	mux.HandleFunc("GET /favicon.ico", http.NotFound) // asked by every browser; not worth a login
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/domains", http.StatusSeeOther)
	})

	mux.HandleFunc("GET /domains", s.show(s.viewDomains))
	mux.HandleFunc("POST /domains/add", s.act("domain add", s.viewDomains, s.domainAdd))
	mux.HandleFunc("POST /domains/delete", s.act("domain delete", s.viewDomains, s.domainDelete))

	mux.HandleFunc("GET /domains/{domain}", s.show(s.viewDomain))
	mux.HandleFunc("POST /domains/{domain}/users/add", s.act("user add", s.viewDomain, s.userAdd))
	mux.HandleFunc("POST /domains/{domain}/users/delete", s.act("user delete", s.viewDomain, s.userDelete))
	mux.HandleFunc("POST /domains/{domain}/users/password", s.act("user password", s.viewDomain, s.userPassword))
	mux.HandleFunc("POST /domains/{domain}/admins/add", s.act("admin add", s.viewDomain, s.adminAdd))
	mux.HandleFunc("POST /domains/{domain}/admins/delete", s.act("admin delete", s.viewDomain, s.adminDelete))
	mux.HandleFunc("POST /domains/{domain}/groups/add", s.act("group add", s.viewDomain, s.groupAdd))
	mux.HandleFunc("POST /domains/{domain}/groups/delete", s.act("group delete", s.viewDomain, s.groupDelete))

	// The mailboxes of one user, and the shared folders of a domain.
	for _, tree := range []string{"/domains/{domain}/users/{local}", "/domains/{domain}/shared"} {
		mux.HandleFunc("GET "+tree, s.show(s.viewMailboxes))
		mux.HandleFunc("POST "+tree+"/create", s.act("mailbox create", s.viewMailboxes, s.mailboxCreate))
		mux.HandleFunc("POST "+tree+"/rename", s.act("mailbox rename", s.viewMailboxes, s.mailboxRename))
		mux.HandleFunc("POST "+tree+"/delete", s.act("mailbox delete", s.viewMailboxes, s.mailboxDelete))
	}

	mux.HandleFunc("GET /mailbox", s.show(s.viewMailbox))
	mux.HandleFunc("POST /mailbox/acl/set", s.act("acl set", s.viewMailbox, s.aclSet))
	mux.HandleFunc("POST /mailbox/acl/delete", s.act("acl delete", s.viewMailbox, s.aclDelete))

	mux.HandleFunc("GET /quotas", s.show(s.viewQuotas))
	mux.HandleFunc("POST /quotas/set", s.act("quota set", s.viewQuotas, s.quotaSet))
	mux.HandleFunc("POST /quotas/remove", s.act("quota remove", s.viewQuotas, s.quotaRemove))

	mux.HandleFunc("GET /status", s.show(s.viewStatus))

	mux.HandleFunc("/", s.authed(func(w http.ResponseWriter, r *http.Request, q *req) {
		s.renderError(w, q, http.StatusNotFound, "Not found: there is no such page.")
	}))
}

// guard wraps every answer: security headers, a bound on the body, and a
// panic turned into a 500 page (the stack goes to the log, never the page).
func (s *Server) guard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", s.csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cache-Control", "no-store")
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic serving a request", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			s.renderError(w, nil, http.StatusInternalServerError, kindAnswers[store.KindInternal].sentence+".")
		}()
		h.ServeHTTP(w, r)
	})
}

// req is one authenticated request: the session and the caller it acts as.
type req struct {
	r      *http.Request
	token  string
	sess   *session
	caller store.Caller
}

// form returns a form or query value without surrounding white space.
// Passwords are read with r.PostFormValue, as typed.
func (q *req) form(name string) string { return strings.TrimSpace(q.r.FormValue(name)) }

// authed runs fn for a request of a logged-in administrator, whose caller
// is built afresh from the database; anyone else goes to the login page. A
// POST must carry the session's CSRF token, or it is refused with nothing
// changed.
func (s *Server) authed(fn func(http.ResponseWriter, *http.Request, *req)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := cookieValue(r, sessionCookie)
		sess := s.sess.get(token)
		if sess == nil {
			s.toLogin(w, r)
			return
		}
		c, err := s.st.CallerFor(r.Context(), sess.user)
		if err != nil && store.KindOf(err) != store.KindNotFound {
			s.fail(w, nil, err)
			return
		}
		if err != nil || !c.IsAnyAdmin() {
			// The user is gone or no longer administers anything.
			s.log.Info("session ended: no longer an administrator", "user", sess.user)
			s.sess.drop(token)
			s.toLogin(w, r)
			return
		}
		q := &req{r: r, token: token, sess: sess, caller: c}
		if r.Method == http.MethodPost && !tokensEqual(r.PostFormValue("csrf"), sess.csrf) {
			s.log.Info("refused a form without the session's CSRF token", "user", sess.user, "path", r.URL.Path, "remote", r.RemoteAddr)
			s.renderError(w, q, http.StatusForbidden,
				"This form was not sent from this session's page, or the page is stale: nothing was changed. Reload the page and try again.")
			return
		}
		fn(w, r, q)
	}
}

// toLogin sends a visitor without a session to the login page, which
// brings them back to the page they asked for.
func (s *Server) toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// view builds a page for a request; action changes the store and says
// where to go next.
type (
	view   func(ctx context.Context, q *req) (*page, error)
	action func(ctx context.Context, q *req) (done, error)
)

// done is what a successful action leads to: a page and a message on it.
type done struct {
	next  string
	flash string
}

func (s *Server) show(v view) http.HandlerFunc {
	return s.authed(func(w http.ResponseWriter, r *http.Request, q *req) {
		p, err := v(r.Context(), q)
		if err != nil {
			s.fail(w, q, err)
			return
		}
		s.render(w, q, http.StatusOK, p)
	})
}

// act runs an action. On success it redirects (POST, then GET); on a
// refusal it shows the page the form was on again, with the error and the
// error's status, or only the error when that page cannot be shown either.
func (s *Server) act(name string, v view, a action) http.HandlerFunc {
	return s.authed(func(w http.ResponseWriter, r *http.Request, q *req) {
		d, err := a(r.Context(), q)
		if err == nil {
			s.log.Info("admin action", append([]any{"user", q.sess.user, "action", name}, auditFields(r)...)...)
			s.sess.setFlash(q.sess, d.flash)
			http.Redirect(w, r, d.next, http.StatusSeeOther)
			return
		}
		status, msg, fault := describe(err)
		s.logRefusal(q, name, err, fault)
		p, verr := v(r.Context(), q)
		if verr != nil {
			s.renderError(w, q, status, msg)
			return
		}
		p.Error = msg
		s.render(w, q, status, p)
	})
}

// auditedFields are the form fields an action's log line keeps: what it
// changed, never a password.
var auditedFields = []string{"name", "user", "path", "from", "to", "root", "identifier", "rights", "group", "storage", "messages", "force", "noinbox", "use"}

func auditFields(r *http.Request) []any {
	var attrs []any
	for _, f := range auditedFields {
		if v, ok := r.PostForm[f]; ok && len(v) > 0 {
			attrs = append(attrs, f, v[0])
		}
	}
	if d := r.PathValue("domain"); d != "" {
		attrs = append(attrs, "domain", d)
	}
	if l := r.PathValue("local"); l != "" {
		attrs = append(attrs, "local", l)
	}
	return attrs
}

// fail shows an error as a page of its own.
func (s *Server) fail(w http.ResponseWriter, q *req, err error) {
	status, msg, fault := describe(err)
	s.logRefusal(q, "", err, fault)
	s.renderError(w, q, status, msg)
}

func (s *Server) logRefusal(q *req, action string, err error, fault bool) {
	attrs := []any{"err", err}
	if q != nil {
		attrs = append(attrs, "user", q.sess.user, "path", q.r.URL.Path)
	}
	if action != "" {
		attrs = append(attrs, "action", action)
	}
	if fault {
		s.log.Warn("request failed", attrs...)
	} else {
		s.log.Debug("request refused", attrs...)
	}
}
