package auth

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"github.com/xdg-go/scram"
	"github.com/xdg-go/stringprep"

	"mstore/store"
)

// Credentials are the secrets the store keeps beside a login identifier.
// The store treats the strings as opaque; their formats are described in
// the package comment. An empty string means the login has no such secret,
// and the mechanisms that need it refuse the login.
type Credentials = store.Credentials

// CredentialOptions choose which challenge-response secrets NewCredentials
// derives besides the password hash. Each one lets a client log in without
// sending the password, at the cost of one more password-derived secret in
// the store.
type CredentialOptions struct {
	CramMD5     bool
	ScramSHA256 bool
}

// NewCredentials derives from the password pw everything the store keeps
// for a login: always the argon2id hash, and the CRAM-MD5 and SCRAM-SHA-256
// secrets that opts asks for. pw itself is kept nowhere.
func NewCredentials(pw []byte, opts CredentialOptions) (Credentials, error) {
	var c Credentials
	if len(pw) == 0 {
		// No SASL mechanism can send an empty password (RFC 4616 forbids it).
		return c, errors.New("auth: empty password")
	}
	var err error
	if c.Hash, err = HashPassword(pw); err != nil {
		return Credentials{}, err
	}
	if opts.CramMD5 {
		k, err := newCramKeys(pw)
		if err != nil {
			return Credentials{}, err
		}
		c.CramMD5 = k.String()
	}
	if opts.ScramSHA256 {
		salt := make([]byte, scramSaltLen)
		if _, err := rand.Read(salt); err != nil {
			return Credentials{}, fmt.Errorf("auth: reading random salt: %w", err)
		}
		k, err := newScramKeys(pw, salt, scramIterations)
		if err != nil {
			return Credentials{}, err
		}
		c.ScramSHA256 = k.String()
	}
	return c, nil
}

// CRAM-MD5 secret.

const (
	cramPrefix    = "{CRAM-MD5}"
	md5Magic      = "md5\x01" // crypto/md5's marshalled-state identifier
	md5StateLen   = len(md5Magic) + 4*4 + md5.BlockSize + 8
	hmacInnerPad  = 0x36
	hmacOuterPad  = 0x5c
	cramSecretLen = 2 * 4 * 4 // two MD5 states of four 32-bit words
)

// cramKeys are the MD5 chaining states of HMAC-MD5 for one key, after the
// key block xored with the outer and with the inner pad.
type cramKeys struct {
	outer, inner [4]uint32
}

// newCramKeys computes the intermediate keys of HMAC-MD5 keyed with pw.
func newCramKeys(pw []byte) (cramKeys, error) {
	var block [md5.BlockSize]byte
	defer clear(block[:])
	if len(pw) > md5.BlockSize {
		// HMAC first hashes a key longer than one block.
		sum := md5.Sum(pw)
		copy(block[:], sum[:])
	} else {
		copy(block[:], pw)
	}
	var k cramKeys
	var err error
	if k.inner, err = md5StateAfter(block, hmacInnerPad); err != nil {
		return cramKeys{}, err
	}
	if k.outer, err = md5StateAfter(block, hmacOuterPad); err != nil {
		return cramKeys{}, err
	}
	return k, nil
}

// md5StateAfter returns MD5's chaining state after one block, key⊕pad.
// crypto/md5 exposes its state only through its marshalled form:
// identifier, the four words big-endian, the pending block, the length.
func md5StateAfter(key [md5.BlockSize]byte, pad byte) ([4]uint32, error) {
	var st [4]uint32
	for i := range key {
		key[i] ^= pad
	}
	h := md5.New()
	h.Write(key[:])
	clear(key[:])
	b, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil || len(b) != md5StateLen || string(b[:len(md5Magic)]) != md5Magic {
		return st, fmt.Errorf("auth: unexpected crypto/md5 state format (%v)", err)
	}
	for i := range st {
		st[i] = binary.BigEndian.Uint32(b[len(md5Magic)+4*i:])
	}
	return st, nil
}

// md5Resume returns an MD5 hash that continues from state st, as if one
// block had been written to it.
func md5Resume(st [4]uint32) (hash.Hash, error) {
	b := make([]byte, 0, md5StateLen)
	b = append(b, md5Magic...)
	for _, w := range st {
		b = binary.BigEndian.AppendUint32(b, w)
	}
	b = append(b, make([]byte, md5.BlockSize)...) // no pending bytes
	b = binary.BigEndian.AppendUint64(b, md5.BlockSize)
	h := md5.New()
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(b); err != nil {
		return nil, fmt.Errorf("auth: resuming MD5: %w", err)
	}
	return h, nil
}

// digest returns HMAC-MD5(key, msg) for the key these states came from.
func (k cramKeys) digest(msg []byte) ([]byte, error) {
	in, err := md5Resume(k.inner)
	if err != nil {
		return nil, err
	}
	out, err := md5Resume(k.outer)
	if err != nil {
		return nil, err
	}
	in.Write(msg)
	out.Write(in.Sum(nil))
	return out.Sum(nil), nil
}

// String writes the keys in the stored form: outer then inner state, each
// word least significant byte first, as 64 hex characters.
func (k cramKeys) String() string {
	b := make([]byte, 0, cramSecretLen)
	for _, w := range k.outer {
		b = binary.LittleEndian.AppendUint32(b, w)
	}
	for _, w := range k.inner {
		b = binary.LittleEndian.AppendUint32(b, w)
	}
	return hex.EncodeToString(b)
}

// parseCramKeys reads the stored form written by cramKeys.String.
func parseCramKeys(s string) (cramKeys, error) {
	var k cramKeys
	b, err := hex.DecodeString(strings.TrimPrefix(s, cramPrefix))
	if err != nil || len(b) != cramSecretLen {
		return k, errors.New("malformed CRAM-MD5 secret")
	}
	for i := range k.outer {
		k.outer[i] = binary.LittleEndian.Uint32(b[4*i:])
		k.inner[i] = binary.LittleEndian.Uint32(b[16+4*i:])
	}
	return k, nil
}

// SCRAM-SHA-256 secret.

const (
	scramPrefix     = "{SCRAM-SHA-256}"
	scramIterations = 4096 // RFC 7677's minimum; clients refuse fewer
	scramSaltLen    = 16
	scramKeyLen     = sha256.Size
	// maxScramIterations bounds the work a stored string can ask of clients.
	maxScramIterations = 1 << 24
)

// scramKeys are the RFC 5802 values a server keeps for SCRAM-SHA-256.
type scramKeys struct {
	iterations int
	salt       []byte
	storedKey  []byte // H(ClientKey)
	serverKey  []byte // HMAC(SaltedPassword, "Server Key")
}

// newScramKeys derives the SCRAM-SHA-256 keys of pw (RFC 5802 section 3).
func newScramKeys(pw []byte, salt []byte, iterations int) (scramKeys, error) {
	// Clients SASLprep the password before hashing it; a password that
	// SASLprep refuses (not UTF-8, say) can only have been sent as it is.
	prepared := string(pw)
	if p, err := stringprep.SASLprep.Prepare(prepared); err == nil {
		prepared = p
	}
	salted, err := pbkdf2.Key(sha256.New, prepared, salt, iterations, scramKeyLen)
	if err != nil {
		return scramKeys{}, fmt.Errorf("auth: deriving SCRAM-SHA-256 keys: %w", err)
	}
	defer clear(salted)
	clientKey := hmacSHA256(salted, "Client Key")
	defer clear(clientKey)
	stored := sha256.Sum256(clientKey)
	return scramKeys{
		iterations: iterations,
		salt:       salt,
		storedKey:  stored[:],
		serverKey:  hmacSHA256(salted, "Server Key"),
	}, nil
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// String writes the keys in the stored form:
// iterations,base64(salt),base64(StoredKey),base64(ServerKey).
func (k scramKeys) String() string {
	enc := base64.StdEncoding
	return strconv.Itoa(k.iterations) + "," + enc.EncodeToString(k.salt) + "," +
		enc.EncodeToString(k.storedKey) + "," + enc.EncodeToString(k.serverKey)
}

// parseScramKeys reads the stored form written by scramKeys.String.
func parseScramKeys(s string) (scramKeys, error) {
	bad := errors.New("malformed SCRAM-SHA-256 secret")
	f := strings.Split(strings.TrimPrefix(s, scramPrefix), ",")
	if len(f) != 4 {
		return scramKeys{}, bad
	}
	var k scramKeys
	var err error
	// Digits only, no leading zero: one number has one spelling.
	if f[0] == "" || f[0][0] == '0' || strings.Trim(f[0], "0123456789") != "" {
		return scramKeys{}, bad
	}
	k.iterations, err = strconv.Atoi(f[0])
	if err != nil || k.iterations > maxScramIterations {
		return scramKeys{}, bad
	}
	enc := base64.StdEncoding.Strict()
	k.salt, err = enc.DecodeString(f[1])
	if err != nil || len(k.salt) == 0 {
		return scramKeys{}, bad
	}
	k.storedKey, err = enc.DecodeString(f[2])
	if err != nil || len(k.storedKey) != scramKeyLen {
		return scramKeys{}, bad
	}
	k.serverKey, err = enc.DecodeString(f[3])
	if err != nil || len(k.serverKey) != scramKeyLen {
		return scramKeys{}, bad
	}
	return k, nil
}

// stored converts the keys to what the SCRAM library asks of a server.
func (k scramKeys) stored() scram.StoredCredentials {
	return scram.StoredCredentials{
		KeyFactors: scram.KeyFactors{Salt: string(k.salt), Iters: k.iterations},
		StoredKey:  k.storedKey,
		ServerKey:  k.serverKey,
	}
}
