package auth

import "context"

// The LOGIN mechanism's two prompts, as every client expects them.
var (
	loginUserPrompt = []byte("Username:")
	loginPassPrompt = []byte("Password:")
)

// loginServer is the LOGIN mechanism (no RFC; draft-murchison-sasl-login):
// the server prompts for the user name, then for the password. A client may
// send the user name as its initial response.
type loginServer struct {
	src  CredentialSource
	step int // 0 start, 1 waiting for the user name, 2 for the password, 3 over
	user string
	identity
}

func (s *loginServer) Next(ctx context.Context, response []byte) ([]byte, bool, error) {
	switch s.step {
	case 0:
		if len(response) == 0 {
			s.step = 1
			return loginUserPrompt, false, nil
		}
		return s.takeUser(response)
	case 1:
		return s.takeUser(response)
	case 2:
		s.step = 3
		if err := checkPassword(ctx, s.src, s.user, response); err != nil {
			return nil, false, err
		}
		s.authcid = s.user
		return nil, true, nil
	}
	return nil, false, errFinished
}

func (s *loginServer) takeUser(response []byte) ([]byte, bool, error) {
	if !validName(response) {
		s.step = 3
		return nil, false, malformed(MechLogin, "empty or non-UTF-8 user name")
	}
	s.user = string(response)
	s.step = 2
	return loginPassPrompt, false, nil
}
