package auth

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

func TestHashPasswordForm(t *testing.T) {
	pw := []byte("correct horse battery staple")
	h1, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	// 16-byte salt: 22 base64 characters; 32-byte key: 43.
	form := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	for _, h := range []string{h1, h2} {
		if !form.MatchString(h) {
			t.Errorf("hash %q is not in the expected PHC form", h)
		}
		if strings.Contains(h, string(pw)) {
			t.Errorf("hash %q contains the password", h)
		}
	}
	if h1 == h2 {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
}

func TestArgon2idRoundTrip(t *testing.T) {
	pw := []byte("s3cret, with ümlauts")
	h, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{
		{string(pw), true},
		{"s3cret, with umlauts", false},
		{string(pw) + " ", false},
		{string(pw[:len(pw)-1]), false},
		{"", false},
	} {
		ok, err := VerifyPassword(h, []byte(tc.pw))
		if err != nil || ok != tc.want {
			t.Errorf("VerifyPassword(%q) = %v, %v; want %v, nil", tc.pw, ok, err, tc.want)
		}
	}
}

// An argon2id string written elsewhere, with other parameters, verifies.
func TestArgon2idForeignHashes(t *testing.T) {
	// The reference implementation's own test vector (phc-winner-argon2).
	const ref = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	if ok, err := VerifyPassword(ref, []byte("password")); !ok || err != nil {
		t.Errorf("reference vector: got %v, %v; want true, nil", ok, err)
	}
	if ok, err := VerifyPassword(ref, []byte("passwore")); ok || err != nil {
		t.Errorf("reference vector, wrong password: got %v, %v; want false, nil", ok, err)
	}

	// Cheap parameters, several lanes, a 20-byte key, parameters out of
	// the usual order, and padded base64, which some writers emit.
	salt := []byte("saltsaltsalt")
	key := argon2.IDKey([]byte("pw"), salt, 1, 64, 2, 20)
	s64, k64 := phcBase64.EncodeToString(salt), phcBase64.EncodeToString(key)
	for _, h := range []string{
		fmt.Sprintf("$argon2id$v=19$m=64,t=1,p=2$%s$%s", s64, k64),
		fmt.Sprintf("$argon2id$v=19$p=2,t=1,m=64$%s$%s", s64, k64),
		fmt.Sprintf("$argon2id$v=19$m=64,t=1,p=2$%s=$%s=", s64, k64),
	} {
		if ok, err := VerifyPassword(h, []byte("pw")); !ok || err != nil {
			t.Errorf("VerifyPassword(%q, right) = %v, %v; want true, nil", h, ok, err)
		}
		if ok, err := VerifyPassword(h, []byte("pW")); ok || err != nil {
			t.Errorf("VerifyPassword(%q, wrong) = %v, %v; want false, nil", h, ok, err)
		}
	}
}

func TestArgon2idTampered(t *testing.T) {
	pw := []byte("tamper-proof")
	h, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Split(h, "$") // "", argon2id, v=19, params, salt, key
	flip := func(s string, i int) string {
		c := byte('A')
		if s[i] == 'A' {
			c = 'B'
		}
		return s[:i] + string(c) + s[i+1:]
	}
	join := func(g ...string) string { return strings.Join(g, "$") }
	for name, bad := range map[string]string{
		"key first char":  join(f[0], f[1], f[2], f[3], f[4], flip(f[5], 0)),
		"key last char":   join(f[0], f[1], f[2], f[3], f[4], flip(f[5], len(f[5])-1)),
		"salt first char": join(f[0], f[1], f[2], f[3], flip(f[4], 0), f[5]),
		"salt last char":  join(f[0], f[1], f[2], f[3], flip(f[4], len(f[4])-1), f[5]),
		"memory":          join(f[0], f[1], f[2], "m=19457,t=2,p=1", f[4], f[5]),
		"passes":          join(f[0], f[1], f[2], "m=19456,t=3,p=1", f[4], f[5]),
		"lanes":           join(f[0], f[1], f[2], "m=19456,t=2,p=2", f[4], f[5]),
		"key shortened":   join(f[0], f[1], f[2], f[3], f[4], f[5][:len(f[5])-4]),
	} {
		ok, err := VerifyPassword(bad, pw)
		if ok {
			t.Errorf("%s: tampered hash %q verified", name, bad)
		}
		if err != nil && !errors.Is(err, ErrMalformedHash) {
			t.Errorf("%s: error %v is not ErrMalformedHash", name, err)
		}
	}
	if ok, err := VerifyPassword(h, pw); !ok || err != nil {
		t.Fatalf("the untampered hash no longer verifies: %v, %v", ok, err)
	}
}

func TestArgon2idMalformed(t *testing.T) {
	const s, k = "c29tZXNhbHQ", "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	for _, h := range []string{
		"$argon2id$",
		"$argon2id$v=19$m=64,t=1,p=1$" + s,                                                       // no key
		"$argon2id$m=64,t=1,p=1$" + s + "$" + k,                                                  // no version (argon2 1.0)
		"$argon2id$v=16$m=64,t=1,p=1$" + s + "$" + k,                                             // old version
		"$argon2id$v=19$m=64,t=1$" + s + "$" + k,                                                 // missing p
		"$argon2id$v=19$m=64,t=1,p=1,p=1$" + s + "$" + k,                                         // duplicate
		"$argon2id$v=19$m=64,t=1,p=1,x=1$" + s + "$" + k,                                         // unknown parameter
		"$argon2id$v=19$m=64,t=1,p$" + s + "$" + k,                                               // no value
		"$argon2id$v=19$m=64,t=-1,p=1$" + s + "$" + k,                                            // sign
		"$argon2id$v=19$m=64,t=0,p=1$" + s + "$" + k,                                             // no pass
		"$argon2id$v=19$m=64,t=1,p=0$" + s + "$" + k,                                             // no lane
		"$argon2id$v=19$m=64,t=1,p=256$" + s + "$" + k,                                           // too many lanes
		"$argon2id$v=19$m=7,t=1,p=1$" + s + "$" + k,                                              // memory below 8 KiB per lane
		"$argon2id$v=19$m=4194304,t=1,p=1$" + s + "$" + k,                                        // 4 GiB
		"$argon2id$v=19$m=64,t=1000,p=1$" + s + "$" + k,                                          // too many passes
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdA$" + k,                                                // 4-byte salt
		"$argon2id$v=19$m=64,t=1,p=1$" + s + "$AAAAAAAAAA",                                       // 7-byte key
		"$argon2id$v=19$m=64,t=1,p=1$" + s + "$" + k + "$",                                       // extra field
		"$argon2id$v=19$m=64,t=1,p=1$" + s + "!$" + k,                                            // not base64
		"$argon2id$v=19$m=64,t=1,p=1$" + s + "$" + "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPd", // stray low bits
	} {
		ok, err := VerifyPassword(h, []byte("password"))
		if ok || !errors.Is(err, ErrMalformedHash) {
			t.Errorf("VerifyPassword(%q) = %v, %v; want false, ErrMalformedHash", h, ok, err)
		}
	}
}

func TestUnknownScheme(t *testing.T) {
	for _, h := range []string{
		"",
		"hunter2", // a plaintext password stored by mistake
		"{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=",
		"$1$8ade6fc1$0MJXOZOOpbQovXtQEyrUP1",
		"$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
		"$2x$10$Nkx/QGy0PMR4CgQhfRDnROfMn4JmU8A2eVxROXTWeHlNnQMYs/Aaq",
		"$2$10$Nkx/QGy0PMR4CgQhfRDnROfMn4JmU8A2eVxROXTWeHlNnQMYs/Aaq",
	} {
		ok, err := VerifyPassword(h, []byte("hunter2"))
		if ok || !errors.Is(err, ErrUnknownScheme) {
			t.Errorf("VerifyPassword(%q) = %v, %v; want false, ErrUnknownScheme", h, ok, err)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error %q repeats the stored string", err)
		}
	}
}

func TestBcrypt(t *testing.T) {
	pw := []byte("bcrypt imported")
	made, err := bcrypt.GenerateFromPassword(pw, bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	h := string(made)
	if !strings.HasPrefix(h, "$2a$") {
		t.Fatalf("x/crypto/bcrypt wrote %q, expected $2a$", h)
	}
	// $2b$ and $2y$ differ from $2a$ only in how other implementations
	// handled long or non-ASCII passwords; the computation is the same.
	for _, prefix := range []string{"$2a$", "$2b$", "$2y$"} {
		v := prefix + h[4:]
		if ok, err := VerifyPassword(v, pw); !ok || err != nil {
			t.Errorf("VerifyPassword(%q, right) = %v, %v; want true, nil", v, ok, err)
		}
		if ok, err := VerifyPassword(v, []byte("bcrypt Imported")); ok || err != nil {
			t.Errorf("VerifyPassword(%q, wrong) = %v, %v; want false, nil", v, ok, err)
		}
	}

	// Written by PHP's password_hash for "password".
	const php = "$2y$05$Nkx/QGy0PMR4CgQhfRDnROfMn4JmU8A2eVxROXTWeHlNnQMYs/Aaq"
	if ok, err := VerifyPassword(php, []byte("password")); !ok || err != nil {
		t.Errorf("PHP $2y$ hash: got %v, %v; want true, nil", ok, err)
	}

	last := h[len(h)-1]
	swapped := byte('a')
	if last == 'a' {
		swapped = 'b'
	}
	tampered := h[:len(h)-1] + string(swapped)
	if ok, _ := VerifyPassword(tampered, pw); ok {
		t.Errorf("tampered bcrypt hash %q verified", tampered)
	}
	for _, bad := range []string{
		h[:len(h)-1],                    // short
		h + "x",                         // long
		h[:4] + "xx" + h[6:],            // cost not a number
		h[:4] + "99" + h[6:],            // cost out of range
		h[:7] + "!!!!" + h[11:],         // salt not bcrypt base64
		strings.Replace(h, "$", "%", 3), // layout
	} {
		ok, err := VerifyPassword(bad, pw)
		if ok || err == nil {
			t.Errorf("VerifyPassword(%q) = %v, %v; want false and an error", bad, ok, err)
		}
	}
}
