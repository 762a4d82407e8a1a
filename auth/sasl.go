package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"unicode/utf8"
)

// SASL mechanism names, as a door advertises them.
const (
	MechPlain       = "PLAIN"
	MechLogin       = "LOGIN"
	MechCRAMMD5     = "CRAM-MD5"
	MechSCRAMSHA256 = "SCRAM-SHA-256"
)

var (
	// ErrAuthFailed is every refusal of the client's credentials: wrong
	// password, unknown login, a login without the secret the mechanism
	// needs, a damaged stored secret. The cause is wrapped for the log;
	// the client is told only that authentication failed.
	ErrAuthFailed = errors.New("auth: authentication failed")
	// ErrUnknownMechanism is returned by NewServer for a mechanism that is
	// not implemented or not enabled.
	ErrUnknownMechanism = errors.New("auth: unknown or disabled SASL mechanism")
	// ErrMalformed says that a client message does not follow the
	// mechanism's syntax.
	ErrMalformed = errors.New("auth: malformed SASL message")
	// ErrUnknownLogin is what a CredentialSource returns for a login it
	// does not know.
	ErrUnknownLogin = errors.New("auth: unknown login")

	// errFinished is returned by Next after the exchange has ended; it is
	// the door's mistake, not the client's.
	errFinished = errors.New("auth: SASL exchange already finished")
	// errWrongPassword is the cause inside ErrAuthFailed for a bad secret.
	errWrongPassword = errors.New("wrong password")
)

// CredentialSource finds a login's credentials; it returns ErrUnknownLogin
// (possibly wrapped) when there is none. Any other error is passed on to
// the door as it is, not as ErrAuthFailed, so that a store outage reads as
// "try later" rather than "wrong password".
type CredentialSource interface {
	Credentials(ctx context.Context, login string) (Credentials, error)
}

// Server is the server end of one SASL exchange.
type Server interface {
	// Next takes the client's (already base64-decoded) response, nil for
	// the first step without initial response, and returns the next
	// challenge, or done=true with the authenticated identities. When done
	// is true the challenge is nil: data a mechanism sends with success
	// (SCRAM's server signature) comes as a challenge first, and the
	// client's empty answer to it ends the exchange. After an error or
	// done, the exchange is over.
	Next(ctx context.Context, response []byte) (challenge []byte, done bool, err error)
	// Identity returns the login that proved its password (authcid) and
	// the identity the client asked to act as (authzid, empty when it
	// asked for none). Valid once done; whether authcid may act as
	// authzid is for the caller to decide.
	Identity() (authcid, authzid string)
}

// ServerOptions configure NewServer and Mechanisms. The zero value enables
// every mechanism; a door may disable PLAIN and LOGIN on a connection
// without TLS, and CRAM-MD5 or SCRAM-SHA-256 where logins lack their
// secrets.
type ServerOptions struct {
	// Hostname goes in CRAM-MD5 challenges; the system's host name when
	// empty.
	Hostname string

	DisablePlain       bool
	DisableLogin       bool
	DisableCRAMMD5     bool
	DisableSCRAMSHA256 bool
}

// mechanisms lists every mechanism in the order Mechanisms advertises them.
var mechanisms = []struct {
	name     string
	disabled func(ServerOptions) bool
	start    func(CredentialSource, ServerOptions) Server
}{
	{MechPlain,
		func(o ServerOptions) bool { return o.DisablePlain },
		func(src CredentialSource, _ ServerOptions) Server { return &plainServer{src: src} }},
	{MechLogin,
		func(o ServerOptions) bool { return o.DisableLogin },
		func(src CredentialSource, _ ServerOptions) Server { return &loginServer{src: src} }},
	{MechCRAMMD5,
		func(o ServerOptions) bool { return o.DisableCRAMMD5 },
		func(src CredentialSource, o ServerOptions) Server {
			return &cramServer{src: src, hostname: o.Hostname}
		}},
	{MechSCRAMSHA256,
		func(o ServerOptions) bool { return o.DisableSCRAMSHA256 },
		func(src CredentialSource, _ ServerOptions) Server { return &scramServer{src: src} }},
}

// Mechanisms returns the names of the enabled mechanisms, in the order
// PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-256.
func Mechanisms(opts ServerOptions) []string {
	var names []string
	for _, m := range mechanisms {
		if !m.disabled(opts) {
			names = append(names, m.name)
		}
	}
	return names
}

// NewServer starts an exchange for the mechanism the client named (in any
// case). It returns ErrUnknownMechanism for one that is unknown or
// disabled by opts.
func NewServer(mech string, src CredentialSource, opts ServerOptions) (Server, error) {
	if src == nil {
		return nil, errors.New("auth: NewServer without a CredentialSource")
	}
	name := asciiUpper(mech)
	for _, m := range mechanisms {
		if m.name == name && !m.disabled(opts) {
			return m.start(src, opts), nil
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownMechanism, mech)
}

// asciiUpper upper-cases ASCII letters only: Unicode case folding would
// take "ſcram-sha-256" (long s) for SCRAM-SHA-256.
func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// identity holds a finished exchange's identities; every Server embeds it.
type identity struct {
	authcid, authzid string
}

func (id *identity) Identity() (authcid, authzid string) { return id.authcid, id.authzid }

// authFailed builds the ErrAuthFailed that a client sees, naming the login
// and the cause for the log.
func authFailed(login string, cause error) error {
	return fmt.Errorf("%w: login %q: %w", ErrAuthFailed, login, cause)
}

func malformed(mech, why string) error {
	return fmt.Errorf("%w: %s: %s", ErrMalformed, mech, why)
}

// validName reports whether a client-sent identity can be looked up:
// non-empty UTF-8 without NUL.
func validName(b []byte) bool {
	for _, c := range b {
		if c == 0 {
			return false
		}
	}
	return len(b) > 0 && utf8.Valid(b)
}

// checkPassword verifies pw for login with the stored password hash, the
// way PLAIN and LOGIN do.
func checkPassword(ctx context.Context, src CredentialSource, login string, pw []byte) error {
	if pc, ok := src.(passwordChecker); ok {
		return pc.checkLogin(ctx, login, pw)
	}
	creds, err := src.Credentials(ctx, login)
	switch {
	case errors.Is(err, ErrUnknownLogin):
		burnPasswordTime(pw)
		return authFailed(login, err) // wraps ErrUnknownLogin too, for Login
	case err != nil:
		return fmt.Errorf("auth: credentials of %q: %w", login, err)
	case creds.Hash == "":
		burnPasswordTime(pw)
		return authFailed(login, errors.New("no password hash"))
	}
	ok, err := VerifyPassword(creds.Hash, pw)
	if err != nil {
		return authFailed(login, err)
	}
	if !ok {
		return authFailed(login, errWrongPassword)
	}
	return nil
}

// decoyHash is an argon2id hash of no one's password, made once.
var decoyHash = sync.OnceValue(func() string {
	h, _ := HashPassword([]byte("mstore decoy password"))
	return h
})

// burnPasswordTime spends as long as checking a real password hash, so that
// the time a refusal takes does not tell whether the login exists.
func burnPasswordTime(pw []byte) {
	_, _ = VerifyPassword(decoyHash(), pw)
}
