package auth

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"
)

// cramServer is CRAM-MD5 (RFC 2195): the server sends a unique challenge,
// the client answers "user hexdigest" with HMAC-MD5 of the challenge keyed
// by its password.
type cramServer struct {
	src       CredentialSource
	hostname  string
	challenge []byte // made at the first step unless already set
	step      int    // 0 start, 1 waiting for the answer, 2 over
	identity
}

func (s *cramServer) Next(ctx context.Context, response []byte) ([]byte, bool, error) {
	switch s.step {
	case 0:
		// The server speaks first: an initial response has nothing to answer.
		if len(response) != 0 {
			s.step = 2
			return nil, false, malformed(MechCRAMMD5, "initial response")
		}
		if s.challenge == nil {
			s.challenge = cramChallenge(s.hostname)
		}
		s.step = 1
		return s.challenge, false, nil
	case 1:
		s.step = 2
		user, digest, err := parseCramResponse(response)
		if err != nil {
			return nil, false, err
		}
		if err := s.check(ctx, user, digest); err != nil {
			return nil, false, err
		}
		s.authcid = user
		return nil, true, nil
	}
	return nil, false, errFinished
}

func (s *cramServer) check(ctx context.Context, user string, digest []byte) error {
	creds, err := s.src.Credentials(ctx, user)
	switch {
	case errors.Is(err, ErrUnknownLogin):
		return authFailed(user, err)
	case err != nil:
		return fmt.Errorf("auth: credentials of %q: %w", user, err)
	case creds.CramMD5 == "":
		return authFailed(user, errors.New("no CRAM-MD5 secret"))
	}
	keys, err := parseCramKeys(creds.CramMD5)
	if err != nil {
		return authFailed(user, err)
	}
	want, err := keys.digest(s.challenge)
	if err != nil {
		return authFailed(user, err)
	}
	if !hmac.Equal(want, digest) {
		return authFailed(user, errWrongPassword)
	}
	return nil
}

// cramChallenge makes a challenge in RFC 2195's form,
// <random.unixtime@hostname>, never the same twice.
func cramChallenge(hostname string) []byte {
	if hostname == "" {
		hostname, _ = os.Hostname()
		if hostname == "" {
			hostname = "localhost"
		}
	}
	var r [8]byte
	rand.Read(r[:])
	return fmt.Appendf(nil, "<%d.%d@%s>", binary.BigEndian.Uint64(r[:]), time.Now().Unix(), hostname)
}

// parseCramResponse splits "user hexdigest". The user name ends at the last
// space, so a name with spaces in it survives.
func parseCramResponse(b []byte) (user string, digest []byte, err error) {
	i := bytes.LastIndexByte(b, ' ')
	if i < 0 {
		return "", nil, malformed(MechCRAMMD5, "no space between user and digest")
	}
	if !validName(b[:i]) {
		return "", nil, malformed(MechCRAMMD5, "empty or non-UTF-8 user name")
	}
	h := b[i+1:]
	if len(h) != 2*md5.Size {
		return "", nil, malformed(MechCRAMMD5, "digest is not 32 hex digits")
	}
	digest = make([]byte, md5.Size)
	if _, err := hex.Decode(digest, h); err != nil {
		return "", nil, malformed(MechCRAMMD5, "digest is not 32 hex digits")
	}
	return string(b[:i]), digest, nil
}
