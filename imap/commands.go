package imap

import (
	"strconv"

	"mstore/auth"
)

// command is one IMAP command: the states it is allowed in, whether it
// has a UID form, and whether EXPUNGE responses may be sent while it runs
// (RFC 3501 section 7.4.1 forbids them during FETCH, STORE and SEARCH; the
// UID forms allow them).
type command struct {
	fn        func(s *session, tag string, uid bool) error
	states    state
	uid       bool
	expungeOK bool
}

// commands holds the commands of this file; the other files of the
// package add theirs with register.
var commands = map[string]command{
	// Any state (RFC 9051 section 6.1).
	"CAPABILITY": {fn: cmdCapability, states: anyState, expungeOK: true},
	"NOOP":       {fn: cmdNoop, states: anyState, expungeOK: true},
	"LOGOUT":     {fn: cmdLogout, states: anyState, expungeOK: true},
	"ID":         {fn: cmdID, states: anyState, expungeOK: true},
	// Not authenticated.
	"STARTTLS":     {fn: cmdStartTLS, states: stateNotAuth},
	"LOGIN":        {fn: cmdLogin, states: stateNotAuth},
	"AUTHENTICATE": {fn: cmdAuthenticate, states: stateNotAuth},
	// Authenticated.
	"ENABLE":      {fn: cmdEnable, states: authOrSel, expungeOK: true},
	"SELECT":      {fn: cmdSelect, states: authOrSel, expungeOK: true},
	"EXAMINE":     {fn: cmdExamine, states: authOrSel, expungeOK: true},
	"CREATE":      {fn: cmdCreate, states: authOrSel, expungeOK: true},
	"DELETE":      {fn: cmdDelete, states: authOrSel, expungeOK: true},
	"RENAME":      {fn: cmdRename, states: authOrSel, expungeOK: true},
	"SUBSCRIBE":   {fn: cmdSubscribe, states: authOrSel, expungeOK: true},
	"UNSUBSCRIBE": {fn: cmdUnsubscribe, states: authOrSel, expungeOK: true},
	"IDLE":        {fn: cmdIdle, states: authOrSel, expungeOK: true},
	// Selected.
	"CHECK":    {fn: cmdCheck, states: selectedOnly, expungeOK: true},
	"CLOSE":    {fn: cmdClose, states: selectedOnly, expungeOK: true},
	"UNSELECT": {fn: cmdUnselect, states: selectedOnly, expungeOK: true},
}

// register adds a command and the capabilities it brings.
func register(name string, c command, caps ...string) {
	commands[name] = c
	extraCaps = append(extraCaps, caps...)
}

// capabilities lists what this session can use now.
func (s *session) capabilities() []string {
	caps := []string{"IMAP4rev1", "IMAP4rev2", "LITERAL+", "ID", "ENABLE", "SASL-IR"}
	if s.state == stateNotAuth {
		if s.srv.opts.TLS != nil && !s.isTLS {
			caps = append(caps, "STARTTLS")
		}
		if !s.plaintextOK() {
			caps = append(caps, "LOGINDISABLED")
		}
		for _, m := range auth.Mechanisms(s.srv.opts.Auth) {
			if !s.plaintextOK() && (m == auth.MechPlain || m == auth.MechLogin) {
				continue
			}
			caps = append(caps, "AUTH="+m)
		}
		return caps
	}
	caps = append(caps, "IDLE", "NAMESPACE", "UNSELECT", "UIDPLUS", "CHILDREN", "UTF8=ACCEPT",
		"APPENDLIMIT="+strconv.FormatInt(s.srv.opts.AppendLimit, 10))
	return append(caps, extraCaps...)
}

// extraCaps are the capabilities of the commands added by register.
var extraCaps []string

// plaintextOK reports whether a password may be sent in the clear on this
// connection: under TLS, from loopback, or when the configuration allows.
func (s *session) plaintextOK() bool {
	return s.isTLS || s.loopback || s.srv.opts.AllowPlaintextAuth
}
