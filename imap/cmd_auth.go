package imap

import (
	"crypto/tls"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"

	"mstore/auth"
	"mstore/imap/wire"
	"mstore/store"
)

func cmdCapability(s *session, tag string, _ bool) error {
	if err := s.dec.ReadCRLF(); err != nil {
		return err
	}
	s.enc.Atom("* CAPABILITY ").Atom(strings.Join(s.capabilities(), " ")).CRLF()
	return s.ok(tag, "", "CAPABILITY completed")
}

func cmdNoop(s *session, tag string, _ bool) error {
	if err := s.dec.ReadCRLF(); err != nil {
		return err
	}
	if s.checkGone() {
		return errClose
	}
	return s.ok(tag, "", "NOOP completed")
}

func cmdCheck(s *session, tag string, _ bool) error {
	if err := s.dec.ReadCRLF(); err != nil {
		return err
	}
	if s.checkGone() {
		return errClose
	}
	return s.ok(tag, "", "CHECK completed")
}

func cmdLogout(s *session, tag string, _ bool) error {
	if err := s.dec.ReadCRLF(); err != nil {
		return err
	}
	s.enc.Atom("* BYE Logging out").CRLF()
	s.tagged(tag, "OK", "", "LOGOUT completed")
	s.state = stateLogout
	return nil
}

// cmdID answers RFC 2971's ID with the server's name and version; what
// the client says of itself goes to the log.
func cmdID(s *session, tag string, _ bool) error {
	fields, err := wire.ParseID(s.dec)
	if err != nil {
		return err
	}
	if len(fields) > 0 {
		var kv []string
		for _, f := range fields {
			if f.Value != nil && len(kv) < 60 {
				kv = append(kv, f.Name+"="+*f.Value)
			}
		}
		s.log.Debug("client id", "id", strings.Join(kv, " "))
	}
	s.enc.Atom(`* ID ("name" "mstore" "version" "`).Atom(Version).Atom(`")`).CRLF()
	return s.ok(tag, "", "ID completed")
}

// Version is the server's version, as ID reports it.
var Version = "0.1"

func cmdStartTLS(s *session, tag string, _ bool) error {
	if err := s.dec.ReadCRLF(); err != nil {
		return err
	}
	if s.srv.opts.TLS == nil || s.isTLS {
		return s.noText(tag, "", "TLS is not available here")
	}
	if s.dec.Buffered() > 0 {
		// Commands sent before TLS began would be taken as if sent under
		// it: refuse them (the STARTTLS command injection attack).
		s.tagged(tag, "BAD", "", "Data after STARTTLS")
		return errClose
	}
	s.tagged(tag, "OK", "", "Begin TLS negotiation now")
	if err := s.enc.Flush(); err != nil {
		return err
	}
	tc := tls.Server(s.conn, s.srv.opts.TLS)
	s.conn.SetDeadline(time.Now().Add(s.srv.opts.LoginTimeout))
	if err := tc.Handshake(); err != nil {
		return err
	}
	s.conn.SetDeadline(time.Time{})
	s.conn, s.isTLS = tc, true
	s.br.Reset(tc)
	s.bw.Reset(tc)
	return nil
}

func cmdLogin(s *session, tag string, _ bool) error {
	user, pass, err := wire.ParseLogin(s.dec)
	if err != nil {
		return err
	}
	if !s.plaintextOK() {
		return s.noText(tag, "PRIVACYREQUIRED", "Plaintext login is not allowed without TLS")
	}
	if text := s.nologin(); text != "" {
		return s.noText(tag, "UNAVAILABLE", text)
	}
	who, err := s.srv.login.CheckPassword(s.ctx, user, []byte(pass))
	switch {
	case errors.Is(err, auth.ErrAuthFailed):
		s.log.Debug("login refused", "err", err)
		return s.loginFailed(tag, user)
	case err != nil:
		return s.no(tag, &store.Error{Kind: store.KindTemporary, Msg: "checking a password", Err: err})
	}
	return s.loggedIn(tag, who)
}

func (s *session) loginFailed(tag, login string) error {
	s.log.Info("login failed", "login", login)
	select {
	case <-time.After(s.srv.opts.FailedLoginDelay):
	case <-s.quit:
	}
	return s.noText(tag, "AUTHENTICATIONFAILED", "Invalid credentials")
}

// loggedIn makes the session the user's.
func (s *session) loggedIn(tag, user string) error {
	c, err := s.st.CallerFor(s.ctx, user)
	if err != nil {
		return s.no(tag, err)
	}
	s.caller, s.user = c, user
	s.local, s.domain, _ = strings.Cut(user, "@")
	s.state = stateAuth
	s.log = s.log.With("user", user)
	s.log.Info("logged in")
	return s.ok(tag, "CAPABILITY "+strings.Join(s.capabilities(), " "), "Logged in")
}

func cmdAuthenticate(s *session, tag string, _ bool) error {
	cmd, err := wire.ParseAuthenticate(s.dec)
	if err != nil {
		return err
	}
	mech := strings.ToUpper(cmd.Mechanism)
	if !s.plaintextOK() && (mech == auth.MechPlain || mech == auth.MechLogin) {
		return s.noText(tag, "PRIVACYREQUIRED", "Plaintext mechanisms are not allowed without TLS")
	}
	if text := s.nologin(); text != "" {
		return s.noText(tag, "UNAVAILABLE", text)
	}
	srv, err := auth.NewServer(mech, s.srv.login, s.srv.opts.Auth)
	if err != nil {
		return s.noText(tag, "CANNOT", "Unsupported mechanism")
	}
	resp := cmd.InitialResponse
	for {
		challenge, done, err := srv.Next(s.ctx, resp)
		if err != nil {
			if errors.Is(err, auth.ErrAuthFailed) || errors.Is(err, auth.ErrMalformed) {
				authcid, _ := srv.Identity()
				return s.loginFailed(tag, authcid)
			}
			return s.no(tag, err)
		}
		if done {
			break
		}
		s.enc.Atom("+ ").Atom(base64.StdEncoding.EncodeToString(challenge)).CRLF()
		if err := s.enc.Flush(); err != nil {
			return err
		}
		resp, err = wire.ReadSASLResponse(s.dec)
		if errors.Is(err, wire.ErrSASLCancelled) {
			s.tagged(tag, "BAD", "", "Authentication cancelled")
			return nil
		}
		if err != nil {
			return err
		}
	}
	authcid, authzid := srv.Identity()
	who, err := s.srv.login.User(s.ctx, authcid)
	if err != nil {
		return s.loginFailed(tag, authcid)
	}
	if authzid != "" && !strings.EqualFold(authzid, authcid) && !strings.EqualFold(authzid, who) {
		// Acting as someone else needs powers this server does not give.
		return s.noText(tag, "AUTHORIZATIONFAILED", "Not authorized to act as "+authzid)
	}
	return s.loggedIn(tag, who)
}

// cmdEnable turns on the extensions the server has (RFC 5161).
func cmdEnable(s *session, tag string, _ bool) error {
	caps, err := wire.ParseEnable(s.dec)
	if err != nil {
		return err
	}
	var enabled []string
	// CONDSTORE counts as enabled by this command when it was off before
	// it, whether QRESYNC (which implies it) came first or not.
	hadCondstore := s.condstore
	for _, c := range caps {
		switch strings.ToUpper(string(c)) {
		case strings.ToUpper(string(imap.CapIMAP4rev2)):
			if !s.rev2 {
				s.rev2, s.utf8 = true, true
				s.enc.SetUTF8(true)
				enabled = append(enabled, string(imap.CapIMAP4rev2))
			}
		case "UTF8=ACCEPT":
			if !s.utf8 {
				s.utf8 = true
				s.enc.SetUTF8(true)
				enabled = append(enabled, "UTF8=ACCEPT")
			}
		case strings.ToUpper(string(imap.CapCondStore)):
			if !hadCondstore && !slices.Contains(enabled, string(imap.CapCondStore)) {
				s.enableCondstore()
				enabled = append(enabled, string(imap.CapCondStore))
			}
		case strings.ToUpper(string(imap.CapQResync)):
			// RFC 7162 section 3.2.3: QRESYNC turns CONDSTORE on too,
			// but the answer names only what was asked for.
			if !s.qresync {
				s.enableCondstore()
				s.qresync = true
				enabled = append(enabled, string(imap.CapQResync))
			}
		}
	}
	s.enc.Atom("* ENABLED")
	for _, e := range enabled {
		s.enc.SP().Atom(e)
	}
	s.enc.CRLF()
	return s.ok(tag, "", "ENABLE completed")
}
