package pop3

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"mstore/auth"
	"mstore/store"
)

// plaintextOK reports whether this connection may carry a password in
// clear.
func (ss *session) plaintextOK() bool {
	return ss.isTLS || ss.local || ss.srv.opts.AllowPlaintextAuth
}

const noPlaintext = "-ERR [AUTH] plaintext authentication is not allowed without TLS; use STLS"

func (ss *session) cmdUser(arg string) {
	if !ss.plaintextOK() {
		ss.bad(noPlaintext)
		return
	}
	if ss.refusedByNologin() {
		return
	}
	name := strings.TrimSpace(arg)
	if name == "" {
		ss.bad("-ERR USER needs a name")
		return
	}
	// Said whether or not the login exists: PASS tells nothing either.
	ss.userArg = name
	ss.reply("+OK send PASS")
}

func (ss *session) cmdPass(arg string) {
	if ss.userArg == "" {
		ss.bad("-ERR send USER first")
		return
	}
	login := ss.userArg
	ss.userArg = ""
	// RFC 1939 lets a password hold spaces: the whole rest of the line is
	// the password.
	user, err := ss.srv.login.CheckPassword(ss.ctx, login, []byte(arg))
	if err != nil {
		ss.authFailed(login, "USER", err)
		return
	}
	ss.login(login, user, "USER")
}

func (ss *session) cmdApop(string) {
	// mstore keeps no password that APOP could use (see doc.go).
	ss.reply("-ERR APOP is not supported")
}

// authFailed answers a login that did not prove its password, after the
// configured delay, or a server problem met on the way.
func (ss *session) authFailed(login, mech string, err error) {
	if !errors.Is(err, auth.ErrAuthFailed) && !errors.Is(err, auth.ErrMalformed) {
		ss.storeErr("login "+login, err)
		return
	}
	ss.log.Info("login failed", "login", login, "mech", mech, "err", err)
	ss.failDelay()
	ss.bad("-ERR [AUTH] authentication failed")
}

// failDelay waits Options.AuthFailDelay, or until the server closes.
func (ss *session) failDelay() {
	d := ss.srv.opts.AuthFailDelay
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ss.ctx.Done():
	}
}

// saslLogin finishes a SASL exchange: authcid proved its secret, and
// authzid, when the client gave one, must name that same identity (no one
// acts for another user over POP3).
func (ss *session) saslLogin(authcid, authzid, mech string) {
	user, err := ss.srv.login.User(ss.ctx, authcid)
	if err != nil {
		if k := store.KindOf(err); k == store.KindNotFound || k == store.KindInvalid {
			err = fmt.Errorf("%w: login vanished: %w", auth.ErrAuthFailed, err)
		}
		ss.authFailed(authcid, mech, err)
		return
	}
	if authzid != "" && !strings.EqualFold(authzid, authcid) && !strings.EqualFold(authzid, user) {
		ss.authFailed(authcid, mech, fmt.Errorf("%w: may not act as %q", auth.ErrAuthFailed, authzid))
		return
	}
	ss.login(authcid, user, mech)
}

// login finishes a login whose credentials are proven and that resolves to
// user (in whatever domain): it applies nologin and LOGIN-DELAY, locks and
// opens the maildrop, and enters TRANSACTION. On failure the session stays
// in AUTHORIZATION, as RFC 1939 allows.
func (ss *session) login(login, user, mech string) {
	if ss.refusedByNologin() {
		return
	}
	st := ss.srv.st
	now := time.Now()
	if ss.srv.loginTooSoon(user, now) {
		ss.log.Info("login refused by LOGIN-DELAY", "login", login, "user", user)
		ss.reply("-ERR [LOGIN-DELAY] wait before logging in again")
		return
	}
	caller, err := st.CallerFor(ss.ctx, user)
	if err != nil {
		ss.storeErr("login "+login, err)
		return
	}
	drop, err := openDrop(ss.ctx, st, caller, user)
	if err != nil {
		if store.KindOf(err) == store.KindNotFound {
			ss.log.Warn("login without a maildrop", "login", login, "user", user, "err", err)
			ss.reply("-ERR [SYS/PERM] no maildrop for this user")
			return
		}
		ss.storeErr("open maildrop of "+user, err)
		return
	}
	ss.srv.noteLogin(user, now)
	ss.caller, ss.user, ss.drop = caller, user, drop
	ss.state = stateTransaction
	ss.log = ss.log.With("user", user)
	ss.log.Info("login", "login", login, "mech", mech, "tls", ss.isTLS,
		"messages", drop.count, "octets", drop.size)
	ss.reply("+OK maildrop has %d messages (%d octets)", drop.count, drop.size)
}

// refusedByNologin answers -ERR with the text of etc/nologin when that file
// is there, and reports whether it did.
func (ss *session) refusedByNologin() bool {
	text, present, err := ss.srv.st.Nologin()
	if err != nil {
		ss.log.Warn("reading etc/nologin", "err", err)
	}
	if !present {
		return false
	}
	if text == "" {
		text = "logins are disabled"
	}
	ss.log.Info("login refused: etc/nologin is present")
	ss.reply("-ERR [SYS/TEMP] %s", text)
	return true
}
