package auth

import (
	"bytes"
	"context"
)

// plainServer is PLAIN (RFC 4616): one client message,
// [authzid] NUL authcid NUL passwd.
type plainServer struct {
	src      CredentialSource
	prompted bool // sent the empty challenge that asks for the message
	over     bool
	identity
}

func (s *plainServer) Next(ctx context.Context, response []byte) ([]byte, bool, error) {
	if s.over {
		return nil, false, errFinished
	}
	if response == nil && !s.prompted {
		s.prompted = true
		return []byte{}, false, nil
	}
	s.over = true
	authzid, authcid, pw, err := parsePlain(response)
	if err != nil {
		return nil, false, err
	}
	if err := checkPassword(ctx, s.src, authcid, pw); err != nil {
		return nil, false, err
	}
	s.authcid, s.authzid = authcid, authzid
	return nil, true, nil
}

// parsePlain splits a PLAIN message. The password is returned as a slice of
// msg, not copied.
func parsePlain(msg []byte) (authzid, authcid string, pw []byte, err error) {
	zid, rest, ok := bytes.Cut(msg, []byte{0})
	if !ok {
		return "", "", nil, malformed(MechPlain, "no NUL separator")
	}
	cid, pw, ok := bytes.Cut(rest, []byte{0})
	if !ok {
		return "", "", nil, malformed(MechPlain, "one NUL separator, need two")
	}
	switch {
	case len(zid) > 0 && !validName(zid):
		return "", "", nil, malformed(MechPlain, "authzid is not UTF-8")
	case !validName(cid):
		return "", "", nil, malformed(MechPlain, "empty or non-UTF-8 authcid")
	case len(pw) == 0:
		return "", "", nil, malformed(MechPlain, "empty password")
	case bytes.IndexByte(pw, 0) >= 0:
		return "", "", nil, malformed(MechPlain, "more than two NUL separators")
	}
	return string(zid), string(cid), pw, nil
}
