package auth

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParsePlain(f *testing.F) {
	for _, s := range []string{
		"\x00joe\x00pw", "admin\x00joe\x00pw", "", "\x00", "\x00\x00", "joe", "a\x00b\x00c\x00d", "\xff\x00joe\x00pw",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		zid, cid, pw, err := parsePlain(msg)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		if cid == "" || len(pw) == 0 || !utf8.ValidString(cid) || !utf8.ValidString(zid) {
			t.Fatalf("accepted %q as authzid %q, authcid %q, password %q", msg, zid, cid, pw)
		}
		if again := []byte(zid + "\x00" + cid + "\x00" + string(pw)); !bytes.Equal(again, msg) {
			t.Fatalf("parts of %q reassemble to %q", msg, again)
		}
	})
}

func FuzzParseCramResponse(f *testing.F) {
	for _, s := range []string{
		rfc2195Response, "a b", "", " ", "tim ", "tim zz", "with space " + strings.Repeat("0", 32), "\xff " + strings.Repeat("0", 32),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, resp []byte) {
		user, digest, err := parseCramResponse(resp)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		if user == "" || !utf8.ValidString(user) || len(digest) != 16 {
			t.Fatalf("accepted %q as user %q, digest %x", resp, user, digest)
		}
		if again := user + " " + hex.EncodeToString(digest); !strings.EqualFold(again, string(resp)) {
			t.Fatalf("parts of %q reassemble to %q", resp, again)
		}
	})
}

// The parsers of stored strings see data from the store, which may be
// damaged or imported from anywhere; they must refuse, never panic.
func FuzzParseStoredSecrets(f *testing.F) {
	for _, s := range []string{
		"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=19$m=8,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y",
		"{CRAM-MD5}9186d855e11eba527a7a52ca82b313e180d62234f0acc9051b527243d41e2740",
		"4096,W22ZaJ0SNY7soEsUEjb6gQ==,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if p, salt, key, err := parseArgon2id(s); err == nil {
			if p.time < 1 || p.threads < 1 || p.memory > maxArgonMemory || p.time > maxArgonTime ||
				len(salt) < minArgonSalt || len(key) < minArgonKey {
				t.Fatalf("accepted %q with parameters %+v, salt %d bytes, key %d bytes", s, p, len(salt), len(key))
			}
		}
		if k, err := parseCramKeys(s); err == nil {
			if !strings.EqualFold(cramPrefix+k.String(), s) && !strings.EqualFold(k.String(), s) {
				t.Fatalf("CRAM-MD5 secret %q reads back as %q", s, k.String())
			}
		}
		if k, err := parseScramKeys(s); err == nil {
			if k.String() != strings.TrimPrefix(s, scramPrefix) {
				t.Fatalf("SCRAM secret %q reads back as %q", s, k.String())
			}
		}
	})
}
