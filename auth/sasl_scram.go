package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"

	"github.com/xdg-go/scram"
)

// scramServer is SCRAM-SHA-256 (RFC 5802, RFC 7677) without channel
// binding, run by github.com/xdg-go/scram. The exchange is: client-first
// message, server-first (salt, iterations, nonce), client-final (proof),
// server-final (the server's signature, sent as a challenge), and the
// client's empty answer.
type scramServer struct {
	src   CredentialSource
	nonce func() string // test hook; the library's random nonce when nil
	conv  *scram.ServerConversation
	step  int // 0 start, 1 waiting for client-first, 2 for client-final, 3 for the empty answer, 4 over

	// Set by lookup while the library runs a step.
	ctx     context.Context // the context of the Next call in progress
	login   string          // the login the client named
	refused error           // why this login cannot succeed; the exchange goes on with decoy keys
	lookErr error           // a CredentialSource failure that is not about the client

	identity
}

func (s *scramServer) Next(ctx context.Context, response []byte) ([]byte, bool, error) {
	switch s.step {
	case 0:
		if response == nil {
			s.step = 1
			return []byte{}, false, nil
		}
		return s.first(ctx, response)
	case 1:
		return s.first(ctx, response)
	case 2:
		return s.final(ctx, response)
	case 3:
		s.step = 4
		if len(response) != 0 {
			return nil, false, malformed(MechSCRAMSHA256, "non-empty answer to the server signature")
		}
		s.authcid, s.authzid = s.conv.Username(), s.conv.AuthzID()
		return nil, true, nil
	}
	return nil, false, errFinished
}

// first takes the client-first message and answers with the server-first.
func (s *scramServer) first(ctx context.Context, response []byte) ([]byte, bool, error) {
	s.step = 4 // until the step succeeds
	srv, err := scram.SHA256.NewServer(s.lookup)
	if err != nil {
		return nil, false, fmt.Errorf("auth: starting SCRAM-SHA-256: %w", err)
	}
	if s.nonce != nil {
		srv = srv.WithNonceGenerator(s.nonce)
	}
	s.conv = srv.NewConversation()
	out, err := s.run(ctx, response)
	switch {
	case s.lookErr != nil:
		return nil, false, fmt.Errorf("auth: credentials of %q: %w", s.login, s.lookErr)
	case err != nil:
		return nil, false, malformed(MechSCRAMSHA256, err.Error())
	}
	s.step = 2
	return []byte(out), false, nil
}

// final takes the client-final message, checks the proof and answers with
// the server signature.
func (s *scramServer) final(ctx context.Context, response []byte) ([]byte, bool, error) {
	s.step = 4 // until the step succeeds
	out, err := s.run(ctx, response)
	// A malformed message is reported as such for every login, known or
	// not, so that the error kind tells nothing about the login.
	if err != nil && out != scram.ErrInvalidProof {
		return nil, false, malformed(MechSCRAMSHA256, err.Error())
	}
	if s.refused != nil {
		return nil, false, authFailed(s.login, s.refused)
	}
	if err != nil || !s.conv.Valid() {
		return nil, false, authFailed(s.login, errWrongPassword)
	}
	s.step = 3
	return []byte(out), false, nil
}

// run gives one client message to the library, with ctx available to the
// credential lookup it may make.
func (s *scramServer) run(ctx context.Context, msg []byte) (string, error) {
	s.ctx = ctx
	defer func() { s.ctx = nil }()
	return s.conv.Step(string(msg))
}

// lookup is the library's credential callback. The login is the name the
// client sent, =2C and =3D decoded, without SASLprep: login identifiers are
// looked up as they are stored. For a login that cannot succeed it records
// why and hands back decoy keys, so that the exchange runs to the proof
// check as for any login and then fails.
func (s *scramServer) lookup(login string) (scram.StoredCredentials, error) {
	s.login = login
	creds, err := s.src.Credentials(s.ctx, login)
	switch {
	case errors.Is(err, ErrUnknownLogin):
		s.refused = err
	case err != nil:
		s.lookErr = err
		return scram.StoredCredentials{}, err
	case creds.ScramSHA256 == "":
		s.refused = errors.New("no SCRAM-SHA-256 secret")
	default:
		k, err := parseScramKeys(creds.ScramSHA256)
		if err == nil {
			return k.stored(), nil
		}
		s.refused = err
	}
	return scramDecoy(login), nil
}

// scramDecoyKey is a per-process secret from which decoy salts are made.
var scramDecoyKey = sync.OnceValue(func() []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
})

// scramDecoy makes keys for a login that has none. The salt depends only
// on the login (for this process's life), so that asking twice does not
// reveal a made-up salt by its change; the keys are random and match no
// password.
func scramDecoy(login string) scram.StoredCredentials {
	m := hmac.New(sha256.New, scramDecoyKey())
	m.Write([]byte(login))
	salt := m.Sum(nil)[:scramSaltLen]
	keys := make([]byte, 2*scramKeyLen)
	rand.Read(keys)
	return scramKeys{
		iterations: scramIterations,
		salt:       salt,
		storedKey:  keys[:scramKeyLen],
		serverKey:  keys[scramKeyLen:],
	}.stored()
}
