package wire

import (
	"encoding/base64"
	"errors"
)

// AuthenticateCommand holds the arguments of AUTHENTICATE.
type AuthenticateCommand struct {
	// Mechanism is the SASL mechanism name, upper-cased.
	Mechanism string
	// InitialResponse is the SASL-IR initial response (RFC 4959), decoded:
	// nil when none was sent, empty but not nil for "=".
	InitialResponse []byte
}

// ErrSASLCancelled is returned by ReadSASLResponse when the client sends
// "*" to abort the exchange.
var ErrSASLCancelled = errors.New("imap wire: authentication cancelled by client")

func isBase64Char(c byte) bool {
	return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z') || c == '+' || c == '/' || c == '='
}

// ParseAuthenticate reads the arguments of AUTHENTICATE: a mechanism and an
// optional initial response.
func ParseAuthenticate(d *Decoder) (*AuthenticateCommand, error) {
	cmd := &AuthenticateCommand{}
	var err error
	if err = d.ReadSP(); err != nil {
		return nil, err
	}
	if cmd.Mechanism, err = d.readKeyword("SASL mechanism"); err != nil {
		return nil, err
	}
	if eol, err := d.AtEOL(); err != nil || eol {
		return cmd, d.endIf(err)
	}
	if err := d.ReadSP(); err != nil {
		return nil, err
	}
	if cmd.InitialResponse, err = d.readBase64(); err != nil {
		return nil, err
	}
	if cmd.InitialResponse == nil {
		return nil, d.expected("initial response")
	}
	return cmd, d.ReadCRLF()
}

// readBase64 reads base64 text; "=" alone is the empty response. It
// returns nil when no base64 character comes next.
func (d *Decoder) readBase64() ([]byte, error) {
	b, err := d.readWhile(isBase64Char)
	if err != nil || len(b) == 0 {
		return nil, err
	}
	if len(b) == 1 && b[0] == '=' {
		return []byte{}, nil
	}
	enc := base64.StdEncoding
	if len(b)%4 != 0 {
		enc = base64.RawStdEncoding // some clients leave the padding out
	}
	out := make([]byte, enc.DecodedLen(len(b)))
	n, err := enc.Decode(out, b)
	if err != nil {
		return nil, syntaxErr("Invalid base64")
	}
	return out[:n], nil
}

// ReadSASLResponse reads one client line of an AUTHENTICATE exchange: a
// base64 response (an empty line or "=" for an empty one) or "*", which
// gives ErrSASLCancelled.
func ReadSASLResponse(d *Decoder) ([]byte, error) {
	if err := d.BeginLine(); err != nil {
		return nil, err
	}
	c, err := d.peek()
	if err != nil {
		return nil, err
	}
	if c == '*' {
		if err := d.advance(); err != nil {
			return nil, err
		}
		if err := d.ReadCRLF(); err != nil {
			return nil, err
		}
		return nil, ErrSASLCancelled
	}
	resp, err := d.readBase64()
	if err != nil {
		return nil, err
	}
	if resp == nil {
		resp = []byte{}
	}
	return resp, d.ReadCRLF()
}

// ParseLogin reads the arguments of LOGIN: user name and password.
func ParseLogin(d *Decoder) (user, password string, err error) {
	if err = d.ReadSP(); err != nil {
		return "", "", err
	}
	if user, err = d.ReadAString(); err != nil {
		return "", "", err
	}
	if err = d.ReadSP(); err != nil {
		return "", "", err
	}
	if password, err = d.ReadAString(); err != nil {
		return "", "", err
	}
	return user, password, d.ReadCRLF()
}

// ReadIdleDone reads the line that ends IDLE, which must be DONE.
func ReadIdleDone(d *Decoder) error {
	if err := d.BeginLine(); err != nil {
		return err
	}
	w, err := d.readKeyword("DONE")
	if err != nil {
		return err
	}
	if w != "DONE" {
		return syntaxErr("Expected DONE")
	}
	return d.ReadCRLF()
}
