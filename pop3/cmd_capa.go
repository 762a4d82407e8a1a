package pop3

import (
	"strconv"
	"strings"

	"mstore/auth"
)

// capabilities is the CAPA list (RFC 2449) as this session stands.
func (ss *session) capabilities() []string {
	o := ss.srv.opts
	caps := []string{"TOP", "UIDL"}
	authz := ss.state == stateAuthorization
	if authz && ss.plaintextOK() {
		caps = append(caps, "USER")
	}
	caps = append(caps, "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING")
	switch {
	case o.ExpireDays == ExpireOnRetrieve:
		caps = append(caps, "EXPIRE 0")
	case o.ExpireDays > 0:
		caps = append(caps, "EXPIRE "+strconv.Itoa(o.ExpireDays))
	default:
		caps = append(caps, "EXPIRE NEVER")
	}
	if o.LoginDelay > 0 {
		// Whole seconds, rounded up so a client never comes back too soon.
		secs := int((o.LoginDelay + 999_999_999) / 1_000_000_000)
		caps = append(caps, "LOGIN-DELAY "+strconv.Itoa(secs))
	}
	if authz {
		if mechs := auth.Mechanisms(ss.saslOptions()); len(mechs) > 0 {
			caps = append(caps, "SASL "+strings.Join(mechs, " "))
		}
		if o.TLS != nil && !ss.isTLS {
			caps = append(caps, "STLS")
		}
	}
	return append(caps, "IMPLEMENTATION mstore")
}

func (ss *session) cmdCapa(arg string) {
	if !ss.noArgs(arg) {
		return
	}
	ss.reply("+OK capability list follows")
	for _, c := range ss.capabilities() {
		ss.reply("%s", c)
	}
	ss.reply(".")
}

// cmdStls is RFC 2595's STLS: after +OK the next bytes are the client's
// TLS handshake. A failed handshake ends the session.
func (ss *session) cmdStls(arg string) {
	if !ss.noArgs(arg) {
		return
	}
	switch {
	case ss.srv.opts.TLS == nil:
		ss.bad("-ERR STLS is not available")
		return
	case ss.isTLS:
		ss.bad("-ERR TLS is already active")
		return
	}
	if n := ss.r.Buffered(); n > 0 {
		// Commands sent before the handshake could be an attacker's
		// injection; they are dropped by startTLS, and said here.
		ss.log.Info("dropping plaintext sent after STLS", "octets", n)
	}
	ss.reply("+OK begin TLS negotiation")
	if err := ss.w.Flush(); err != nil {
		ss.done = true
		return
	}
	// Whatever was said before the handshake is forgotten.
	ss.userArg = ""
	if !ss.startTLS() {
		ss.done = true
		return
	}
}
