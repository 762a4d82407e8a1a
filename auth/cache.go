package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"
)

// verifiedCache remembers recent successful password checks, so that a
// client that opens many connections (phones, mbsync, webmail) pays for
// the deliberately slow password hash once per few minutes rather than on
// every login. An entry holds an HMAC of login and password under a key
// made at start and never stored, and the password hash it was checked
// against: a password change makes every entry of the login stale at once.
type verifiedCache struct {
	key [32]byte
	ttl time.Duration
	max int

	mu      sync.Mutex // protects entries
	entries map[string]cacheEntry
}

type cacheEntry struct {
	hash    string // the stored password hash the check was made against
	mac     [32]byte
	expires time.Time
}

func newVerifiedCache(ttl time.Duration, max int) *verifiedCache {
	c := &verifiedCache{ttl: ttl, max: max, entries: map[string]cacheEntry{}}
	rand.Read(c.key[:])
	return c
}

func (c *verifiedCache) mac(login string, pw []byte) [32]byte {
	m := hmac.New(sha256.New, c.key[:])
	m.Write([]byte(login))
	m.Write([]byte{0})
	m.Write(pw)
	var out [32]byte
	copy(out[:], m.Sum(nil))
	return out
}

// hit reports whether pw was verified for login against hash recently.
func (c *verifiedCache) hit(login, hash string, pw []byte) bool {
	if c == nil || hash == "" {
		return false
	}
	mac := c.mac(login, pw)
	c.mu.Lock()
	e, ok := c.entries[login]
	c.mu.Unlock()
	return ok && e.hash == hash && time.Now().Before(e.expires) && hmac.Equal(e.mac[:], mac[:])
}

// put records a successful check.
func (c *verifiedCache) put(login, hash string, pw []byte) {
	if c == nil || hash == "" {
		return
	}
	e := cacheEntry{hash: hash, mac: c.mac(login, pw), expires: time.Now().Add(c.ttl)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		// Make room for a quarter of the cache at once, the expired
		// entries first: a full cache then costs one scan per max/4
		// logins, not one per login.
		now := time.Now()
		for k, v := range c.entries {
			if now.After(v.expires) {
				delete(c.entries, k)
			}
		}
		for k := range c.entries {
			if len(c.entries) < c.max*3/4 {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[login] = e
}
