package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Parameters of new argon2id hashes: OWASP's recommended minimum (19 MiB,
// two passes, one lane), so that a burst of logins does not starve a small
// server of memory.
const (
	argonMemory  = 19456 // KiB
	argonTime    = 2
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

// Limits on parameters read back from a stored hash: a damaged or hostile
// string must not make one verification take gigabytes or minutes.
const (
	maxArgonMemory = 1 << 21 // KiB (2 GiB)
	maxArgonTime   = 64
	minArgonSalt   = 8 // the Argon2 specification's minimum
	minArgonKey    = 16
	maxArgonKey    = 1024
)

var (
	// ErrUnknownScheme says that a stored hash is in no scheme that
	// VerifyPassword knows.
	ErrUnknownScheme = errors.New("auth: unknown password hash scheme")
	// ErrMalformedHash says that a stored hash names a known scheme but
	// cannot be read.
	ErrMalformedHash = errors.New("auth: malformed password hash")
)

// phcBase64 is the PHC string format's base64: standard alphabet, no
// padding. Strict, so that a changed final character cannot decode to the
// same bytes.
var phcBase64 = base64.RawStdEncoding.Strict()

// argonParams are the cost parameters written in an argon2id string.
type argonParams struct {
	memory  uint32 // KiB
	time    uint32
	threads uint8
}

// HashPassword hashes pw with argon2id and a fresh random salt, and returns
// the PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$key) to store.
func HashPassword(pw []byte) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: reading random salt: %w", err)
	}
	p := argonParams{memory: argonMemory, time: argonTime, threads: argonThreads}
	key := argon2.IDKey(pw, salt, p.time, p.memory, p.threads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.time, p.threads,
		phcBase64.EncodeToString(salt), phcBase64.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches the stored hash encoded, which
// is argon2id in PHC form (any parameters) or bcrypt ($2a$, $2b$, $2y$). A
// wrong password is (false, nil); an error means the stored string is at
// fault: ErrUnknownScheme or ErrMalformedHash, wrapped.
func VerifyPassword(encoded string, pw []byte) (bool, error) {
	switch {
	case strings.HasPrefix(encoded, "$argon2id$"):
		p, salt, key, err := parseArgon2id(encoded)
		if err != nil {
			return false, err
		}
		got := argon2.IDKey(pw, salt, p.time, p.memory, p.threads, uint32(len(key)))
		return subtle.ConstantTimeCompare(got, key) == 1, nil
	case strings.HasPrefix(encoded, "$2a$"),
		strings.HasPrefix(encoded, "$2b$"),
		strings.HasPrefix(encoded, "$2y$"):
		return verifyBcrypt(encoded, pw)
	}
	return false, fmt.Errorf("%w: %s", ErrUnknownScheme, schemeName(encoded))
}

// schemeName names the scheme of a hash for an error message without
// echoing the hash, which might be a plaintext password stored by mistake.
func schemeName(encoded string) string {
	var id string
	switch {
	case strings.HasPrefix(encoded, "$"):
		id, _, _ = strings.Cut(encoded[1:], "$")
		id = "$" + id + "$"
	case strings.HasPrefix(encoded, "{"):
		id, _, _ = strings.Cut(encoded[1:], "}")
		id = "{" + id + "}"
	}
	if id == "" || len(id) > 24 {
		return "no scheme marker"
	}
	return strconv.Quote(id)
}

// parseArgon2id reads $argon2id$v=19$m=M,t=T,p=P$salt$key.
func parseArgon2id(encoded string) (argonParams, []byte, []byte, error) {
	var p argonParams
	bad := func(why string) (argonParams, []byte, []byte, error) {
		return p, nil, nil, fmt.Errorf("%w: argon2id: %s", ErrMalformedHash, why)
	}
	f := strings.Split(encoded, "$")
	if len(f) == 5 {
		return bad("no version field (version 16 is not supported)")
	}
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" {
		return bad("wrong number of fields")
	}
	if f[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("unsupported version " + strconv.Quote(f[2]))
	}
	seen := map[string]bool{}
	for _, kv := range strings.Split(f[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || seen[k] {
			return bad("bad parameter list")
		}
		seen[k] = true
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return bad("bad value for " + strconv.Quote(k))
		}
		switch k {
		case "m":
			p.memory = uint32(n)
		case "t":
			p.time = uint32(n)
		case "p":
			if n > 255 {
				return bad("parallelism above 255")
			}
			p.threads = uint8(n)
		default:
			return bad("unknown parameter " + strconv.Quote(k))
		}
	}
	if len(seen) != 3 {
		return bad("parameters m, t and p are all required")
	}
	switch {
	case p.threads < 1:
		return bad("parallelism below 1")
	case p.time < 1 || p.time > maxArgonTime:
		return bad("pass count out of range")
	case p.memory < 8*uint32(p.threads) || p.memory > maxArgonMemory:
		return bad("memory out of range")
	}
	// Some writers pad their base64 although PHC says not to.
	salt, err := phcBase64.DecodeString(strings.TrimRight(f[4], "="))
	if err != nil || len(salt) < minArgonSalt {
		return bad("bad salt")
	}
	key, err := phcBase64.DecodeString(strings.TrimRight(f[5], "="))
	if err != nil || len(key) < minArgonKey || len(key) > maxArgonKey {
		return bad("bad key")
	}
	return p, salt, key, nil
}

// bcryptLen is the length of every modular-crypt bcrypt string:
// $2b$NN$ then 22 characters of salt and 31 of hash.
const bcryptLen = 60

func verifyBcrypt(encoded string, pw []byte) (bool, error) {
	if len(encoded) != bcryptLen || encoded[6] != '$' {
		return false, fmt.Errorf("%w: bcrypt: wrong length or layout", ErrMalformedHash)
	}
	err := bcrypt.CompareHashAndPassword([]byte(encoded), pw)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return false, nil
	}
	return false, fmt.Errorf("%w: bcrypt: %v", ErrMalformedHash, err)
}
