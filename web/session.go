package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"
)

const (
	sessionCookie = "mstore_session"
	// loginCookie carries the login form's CSRF token, before any session.
	loginCookie = "mstore_login"
	tokenBytes  = 32
)

// session is one administrator's login. user and csrf never change after
// creation and are read without the lock.
type session struct {
	user string // the store user, "joe@foo.com"
	csrf string // the token every form of this session carries

	lastSeen time.Time // guarded by sessions.mu
	flash    string    // guarded by sessions.mu: a message for the next page
}

// sessions is the in-memory session table.
type sessions struct {
	idle time.Duration

	mu   sync.Mutex                     // protects byID and each session's lastSeen and flash
	byID map[[sha256.Size]byte]*session // keyed by the SHA-256 of the cookie's token
}

func newSessions(idle time.Duration) *sessions {
	return &sessions{idle: idle, byID: map[[sha256.Size]byte]*session{}}
}

// newToken returns 32 random bytes, URL-safe base64 (43 characters).
// crypto/rand.Read never fails: the program stops if the system cannot
// give randomness.
func newToken() string {
	b := make([]byte, tokenBytes)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokenLen is the length of a token as newToken writes it.
var tokenLen = base64.RawURLEncoding.EncodedLen(tokenBytes)

// create starts a session for user and returns its cookie token. Sessions
// idle for too long are dropped on the way.
func (ss *sessions) create(user string) (string, *session) {
	token := newToken()
	s := &session{user: user, csrf: newToken()}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	now := time.Now()
	for k, old := range ss.byID {
		if now.Sub(old.lastSeen) > ss.idle {
			delete(ss.byID, k)
		}
	}
	s.lastSeen = now
	ss.byID[sha256.Sum256([]byte(token))] = s
	return token, s
}

// get returns the session of a token and marks it used, or nil when there
// is none or it has been idle too long.
func (ss *sessions) get(token string) *session {
	if token == "" {
		return nil
	}
	k := sha256.Sum256([]byte(token))
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.byID[k]
	if s == nil {
		return nil
	}
	now := time.Now()
	if now.Sub(s.lastSeen) > ss.idle {
		delete(ss.byID, k)
		return nil
	}
	s.lastSeen = now
	return s
}

// drop ends the session of a token.
func (ss *sessions) drop(token string) {
	ss.mu.Lock()
	delete(ss.byID, sha256.Sum256([]byte(token)))
	ss.mu.Unlock()
}

func (ss *sessions) count() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return len(ss.byID)
}

func (ss *sessions) setFlash(s *session, msg string) {
	ss.mu.Lock()
	s.flash = msg
	ss.mu.Unlock()
}

// takeFlash returns the pending message and clears it.
func (ss *sessions) takeFlash(s *session) string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	m := s.flash
	s.flash = ""
	return m
}

// tokensEqual compares a submitted token with the expected one in constant
// time; an empty token never matches.
func tokensEqual(got, want string) bool {
	return got != "" && want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// cookie builds one of the page's cookies: never readable by scripts, never
// sent from another site, and only over TLS when the page is served over
// TLS.
func cookie(r *http.Request, name, value, path string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil}
}

// cookieValue returns the value of a request's cookie, "" when absent.
func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}
