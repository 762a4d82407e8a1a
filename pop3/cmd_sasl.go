package pop3

import (
	"encoding/base64"
	"errors"
	"os"
	"strings"

	"mstore/auth"
)

// saslOptions are the mechanisms this connection offers: PLAIN and LOGIN
// only where a password may travel in clear.
func (ss *session) saslOptions() auth.ServerOptions {
	clear := !ss.plaintextOK()
	return auth.ServerOptions{
		Hostname:           ss.srv.opts.Hostname,
		DisablePlain:       clear,
		DisableLogin:       clear,
		DisableCRAMMD5:     ss.srv.opts.DisableCRAMMD5,
		DisableSCRAMSHA256: ss.srv.opts.DisableSCRAMSHA256,
	}
}

// cmdAuth is RFC 5034's AUTH: challenges go out as "+ base64", answers
// come back as base64 lines, "*" cancels, and "=" as the initial response
// means an empty one.
func (ss *session) cmdAuth(arg string) {
	fields := strings.Fields(arg)
	opts := ss.saslOptions()
	switch len(fields) {
	case 0:
		// Clients of RFC 1734's time ask for the mechanisms this way.
		ss.reply("+OK SASL mechanisms follow")
		for _, m := range auth.Mechanisms(opts) {
			ss.reply("%s", m)
		}
		ss.reply(".")
		return
	case 1, 2:
	default:
		ss.bad("-ERR syntax: AUTH mechanism [initial-response]")
		return
	}
	mech := strings.ToUpper(fields[0])
	srv, err := auth.NewServer(mech, ss.srv.login, opts)
	if err != nil {
		if (mech == auth.MechPlain || mech == auth.MechLogin) && !ss.plaintextOK() {
			ss.bad(noPlaintext)
		} else {
			ss.bad("-ERR unsupported authentication mechanism")
		}
		return
	}
	if ss.refusedByNologin() {
		return
	}
	var resp []byte // nil: no initial response
	if len(fields) == 2 {
		if resp, err = decodeSASL(fields[1]); err != nil {
			ss.bad("-ERR malformed base64 data")
			return
		}
	}
	for {
		challenge, done, err := srv.Next(ss.ctx, resp)
		if err != nil {
			authcid, _ := srv.Identity()
			ss.authFailed(authcid, mech, err)
			return
		}
		if done {
			authcid, authzid := srv.Identity()
			ss.saslLogin(authcid, authzid, mech)
			return
		}
		ss.reply("+ %s", base64.StdEncoding.EncodeToString(challenge))
		line, err := ss.readLine()
		switch {
		case errors.Is(err, errLineTooLong):
			ss.bad("-ERR command line too long")
			return
		case errors.Is(err, os.ErrDeadlineExceeded):
			ss.reply("-ERR autologout: idle for too long")
			ss.done = true
			return
		case err != nil:
			ss.done = true
			return
		}
		if line == "*" {
			ss.reply("-ERR authentication cancelled")
			return
		}
		if resp, err = decodeSASL(line); err != nil {
			ss.bad("-ERR malformed base64 data")
			return
		}
	}
}

// decodeSASL decodes one client message; "=" and the empty line are both
// the empty message, never nil.
func decodeSASL(s string) ([]byte, error) {
	if s == "=" || s == "" {
		return []byte{}, nil
	}
	return base64.StdEncoding.DecodeString(s)
}
