package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"mstore/auth"
	"mstore/store"
)

type loginData struct {
	Login string
	Next  string
	Token string // the login form's CSRF token, also in the mstore_login cookie
}

// loginPage shows the login form, or sends a visitor who is logged in on
// to where they were going.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.FormValue("next"))
	old := cookieValue(r, sessionCookie)
	if old != "" && s.sess.get(old) != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	p := s.loginForm(w, r, "", next)
	if old != "" {
		http.SetCookie(w, cookie(r, sessionCookie, "", "/", -1))
		p.Error = "Your session has ended; log in again."
	}
	s.render(w, nil, http.StatusOK, p)
}

// loginForm builds the login page, giving the browser a form token when
// it has none.
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request, login, next string) *page {
	token := cookieValue(r, loginCookie)
	if len(token) != tokenLen {
		token = newToken()
		http.SetCookie(w, cookie(r, loginCookie, token, "/login", 0))
	}
	return &page{tmpl: "login", Title: "Log in", Data: loginData{Login: login, Next: next, Token: token}}
}

func (s *Server) loginPost(w http.ResponseWriter, r *http.Request) {
	login := strings.TrimSpace(r.PostFormValue("login"))
	pw := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	refuse := func(status int, msg string) {
		p := s.loginForm(w, r, login, next)
		p.Error = msg
		s.render(w, nil, status, p)
	}
	if !tokensEqual(r.PostFormValue("csrf"), cookieValue(r, loginCookie)) {
		s.log.Info("refused a login form without its token", "remote", r.RemoteAddr)
		refuse(http.StatusForbidden, "The login form was not sent from this page, or it is stale: reload the page and try again.")
		return
	}
	if login == "" || pw == "" {
		refuse(http.StatusBadRequest, "Enter a login and a password.")
		return
	}
	failed := func(why string, err error) {
		s.log.Info("web login failed", "login", login, "remote", r.RemoteAddr, "why", why, "err", err)
		t := time.NewTimer(s.opts.FailedLoginDelay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-s.closing:
		case <-r.Context().Done():
		}
		// The same words whatever failed: the page is no oracle for
		// passwords of users who are not administrators.
		refuse(http.StatusForbidden, "Login failed: wrong login or password, or not an administrator.")
	}
	unavailable := func(err error) {
		s.log.Warn("web login: cannot check", "login", login, "err", err)
		refuse(http.StatusServiceUnavailable, "The password cannot be checked now; try again later.")
	}

	user, err := s.login.CheckPassword(r.Context(), login, []byte(pw))
	switch {
	case errors.Is(err, auth.ErrAuthFailed):
		failed("password", err)
		return
	case err != nil:
		unavailable(err)
		return
	}
	c, err := s.st.CallerFor(r.Context(), user)
	switch {
	case store.KindOf(err) == store.KindNotFound:
		failed("no such user", err)
		return
	case err != nil:
		unavailable(err)
		return
	case !c.IsAnyAdmin():
		failed("not an administrator", nil)
		return
	}

	if old := cookieValue(r, sessionCookie); old != "" {
		s.sess.drop(old)
	}
	token, _ := s.sess.create(user)
	s.log.Info("web login", "user", user, "remote", r.RemoteAddr)
	http.SetCookie(w, cookie(r, sessionCookie, token, "/", 0))
	http.SetCookie(w, cookie(r, loginCookie, "", "/login", -1))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, q *req) {
	s.sess.drop(q.token)
	s.log.Info("web logout", "user", q.sess.user)
	http.SetCookie(w, cookie(r, sessionCookie, "", "/", -1))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext keeps a place to go after login only when it is a path of this
// page; anything else (another host, a scheme) goes to the domain list.
func safeNext(next string) string {
	const home = "/domains"
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return home
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(u.Path, "/login") || u.Path == "/logout" {
		return home
	}
	return next
}
