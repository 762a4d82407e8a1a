package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/xdg-go/scram"
)

// hmacMD5 is the reference: crypto/hmac keyed with the password itself.
func hmacMD5(key, msg []byte) []byte {
	m := hmac.New(md5.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

// The intermediate-key path must compute HMAC-MD5 exactly, for passwords of
// every length up to and past one MD5 block (HMAC hashes longer keys first).
func TestCramKeysMatchHMAC(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	lengths := []int{0, 1, 8, 55, 56, 63, 64, 65, 100, 127, 128, 129, 1000}
	for n := 2; n < 200; n += 3 {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		pw := make([]byte, n)
		for i := range pw {
			pw[i] = byte(r.UintN(256))
		}
		k, err := newCramKeys(pw)
		if err != nil {
			t.Fatal(err)
		}
		// Through the stored string, as the server sees it.
		k, err = parseCramKeys(k.String())
		if err != nil {
			t.Fatalf("len %d: %v", n, err)
		}
		for _, chal := range []string{
			"", "<1.2@h>", strings.Repeat("x", 64), strings.Repeat("challenge", 40),
		} {
			got, err := k.digest([]byte(chal))
			if err != nil {
				t.Fatal(err)
			}
			if want := hmacMD5(pw, []byte(chal)); !bytes.Equal(got, want) {
				t.Fatalf("password length %d, challenge %q: got %x, want %x", n, chal, got, want)
			}
		}
	}
}

func TestCramKeysRFC2195(t *testing.T) {
	k, err := newCramKeys([]byte("tanstaaftanstaaf"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := k.digest([]byte("<1896.697170952@postoffice.reston.mci.net>"))
	if err != nil {
		t.Fatal(err)
	}
	if h := hex.EncodeToString(got); h != "b913a602c7eda7a495b4e6e7334d3890" {
		t.Errorf("digest %s, want RFC 2195's b913a602c7eda7a495b4e6e7334d3890", h)
	}
}

// The stored layout is Dovecot's: `doveadm pw -s CRAM-MD5 -p password`.
func TestCramKeysDovecotLayout(t *testing.T) {
	const dovecot = "9186d855e11eba527a7a52ca82b313e180d62234f0acc9051b527243d41e2740"
	k, err := newCramKeys([]byte("password"))
	if err != nil {
		t.Fatal(err)
	}
	if s := k.String(); s != dovecot {
		t.Errorf("secret %s, want %s", s, dovecot)
	}
	for _, s := range []string{dovecot, "{CRAM-MD5}" + dovecot, strings.ToUpper(dovecot)} {
		p, err := parseCramKeys(s)
		if err != nil || p != k {
			t.Errorf("parseCramKeys(%q) = %v, %v; want the keys of \"password\"", s, p, err)
		}
	}
}

func TestParseCramKeysMalformed(t *testing.T) {
	good := strings.Repeat("ab", 32)
	for _, s := range []string{
		"", good[:63], good[:62], good + "ab", "g" + good[1:], "{SCRAM-SHA-256}" + good, " " + good,
	} {
		if _, err := parseCramKeys(s); err == nil {
			t.Errorf("parseCramKeys(%q) accepted", s)
		}
	}
}

// RFC 7677's example: user "user", password "pencil".
var rfc7677Salt, _ = base64.StdEncoding.DecodeString("W22ZaJ0SNY7soEsUEjb6gQ==")

func TestScramKeysAgreeWithClient(t *testing.T) {
	for _, pw := range []string{"pencil", "p", strings.Repeat("long password ", 20), "naïve pässwörd"} {
		k, err := newScramKeys([]byte(pw), rfc7677Salt, 4096)
		if err != nil {
			t.Fatal(err)
		}
		c, err := scram.SHA256.NewClient("user", pw, "")
		if err != nil {
			t.Fatal(err)
		}
		want, err := c.GetStoredCredentialsWithError(scram.KeyFactors{Salt: string(rfc7677Salt), Iters: 4096})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(k.storedKey, want.StoredKey) || !bytes.Equal(k.serverKey, want.ServerKey) {
			t.Errorf("%q: keys differ from the SCRAM client's", pw)
		}
	}
}

func TestScramKeysSASLprep(t *testing.T) {
	// SASLprep maps a no-break space to a space and drops a soft hyphen,
	// as a client does before hashing.
	a, err := newScramKeys([]byte("a b"), rfc7677Salt, 4096)
	if err != nil {
		t.Fatal(err)
	}
	b, err := newScramKeys([]byte("a\u00a0b\u00ad"), rfc7677Salt, 4096)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.storedKey, b.storedKey) {
		t.Error("SASLprep-equivalent passwords give different keys")
	}
	// Not UTF-8: SASLprep refuses it, the bytes are used as they are.
	raw, err := newScramKeys([]byte{0xff, 'x'}, rfc7677Salt, 4096)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(raw.storedKey, a.storedKey) {
		t.Error("different passwords give equal keys")
	}
}

func TestScramKeysStringRoundTrip(t *testing.T) {
	k, err := newScramKeys([]byte("pencil"), rfc7677Salt, 4096)
	if err != nil {
		t.Fatal(err)
	}
	s := k.String()
	f := strings.Split(s, ",")
	if len(f) != 4 || f[0] != "4096" || f[1] != "W22ZaJ0SNY7soEsUEjb6gQ==" {
		t.Fatalf("stored form %q is not iterations,salt,StoredKey,ServerKey", s)
	}
	for _, in := range []string{s, "{SCRAM-SHA-256}" + s} {
		p, err := parseScramKeys(in)
		if err != nil {
			t.Fatalf("parseScramKeys(%q): %v", in, err)
		}
		if p.String() != s {
			t.Errorf("round trip: %q became %q", in, p.String())
		}
	}
	key := base64.StdEncoding.EncodeToString(make([]byte, 32))
	short := base64.StdEncoding.EncodeToString(make([]byte, 31))
	for _, bad := range []string{
		"",
		"4096,W22ZaJ0SNY7soEsUEjb6gQ==," + key,
		"4096,W22ZaJ0SNY7soEsUEjb6gQ==," + key + "," + key + ",",
		"0,W22ZaJ0SNY7soEsUEjb6gQ==," + key + "," + key,
		"-1,W22ZaJ0SNY7soEsUEjb6gQ==," + key + "," + key,
		"x,W22ZaJ0SNY7soEsUEjb6gQ==," + key + "," + key,
		"+4096,W22ZaJ0SNY7soEsUEjb6gQ==," + key + "," + key,
		"04096,W22ZaJ0SNY7soEsUEjb6gQ==," + key + "," + key,
		"99999999999,W22ZaJ0SNY7soEsUEjb6gQ==," + key + "," + key,
		"4096,," + key + "," + key,
		"4096,W22ZaJ0SNY7soEsUEjb6gQ," + key + "," + key, // unpadded
		"4096,W22ZaJ0SNY7soEsUEjb6gQ==," + short + "," + key,
		"4096,W22ZaJ0SNY7soEsUEjb6gQ==," + key + "," + short,
		"4096,W22ZaJ0SNY7soEsUEjb6gQ==," + key + ",!" + key[1:],
	} {
		if _, err := parseScramKeys(bad); err == nil {
			t.Errorf("parseScramKeys(%q) accepted", bad)
		}
	}
}

func TestNewCredentials(t *testing.T) {
	pw := []byte("Tr0ub4dor&3")
	plain, err := NewCredentials(pw, CredentialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if plain.Hash == "" || plain.CramMD5 != "" || plain.ScramSHA256 != "" {
		t.Errorf("no options: got %+v, want only Hash", plain)
	}

	c, err := NewCredentials(pw, CredentialOptions{CramMD5: true, ScramSHA256: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{c.Hash, c.CramMD5, c.ScramSHA256} {
		if strings.Contains(s, string(pw)) {
			t.Errorf("stored string %q contains the password", s)
		}
	}
	if ok, err := VerifyPassword(c.Hash, pw); !ok || err != nil {
		t.Errorf("Hash does not verify: %v, %v", ok, err)
	}

	ck, err := parseCramKeys(c.CramMD5)
	if err != nil {
		t.Fatal(err)
	}
	d, err := ck.digest([]byte("<42.1@host>"))
	if err != nil || !bytes.Equal(d, hmacMD5(pw, []byte("<42.1@host>"))) {
		t.Errorf("CramMD5 secret gives digest %x (%v), want the HMAC-MD5 of the password", d, err)
	}

	sk, err := parseScramKeys(c.ScramSHA256)
	if err != nil {
		t.Fatal(err)
	}
	if sk.iterations != 4096 || len(sk.salt) != 16 {
		t.Errorf("SCRAM secret has %d iterations and a %d-byte salt, want 4096 and 16", sk.iterations, len(sk.salt))
	}
	want, err := newScramKeys(pw, sk.salt, 4096)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sk.storedKey, want.storedKey) || !bytes.Equal(sk.serverKey, want.serverKey) {
		t.Error("SCRAM secret does not hold the password's keys")
	}

	c2, err := NewCredentials(pw, CredentialOptions{ScramSHA256: true})
	if err != nil {
		t.Fatal(err)
	}
	if c2.ScramSHA256 == c.ScramSHA256 {
		t.Error("two SCRAM secrets of one password are equal: the salt is not random")
	}

	if _, err := NewCredentials(nil, CredentialOptions{}); err == nil {
		t.Error("NewCredentials accepted an empty password")
	}
}
