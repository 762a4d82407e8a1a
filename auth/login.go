package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"mstore/store"
)

// Login checks who a client is for every door, the same way everywhere: a
// login identifier of the store first (its password hash, or the secrets
// CRAM-MD5 and SCRAM need); failing that, a system account through the
// authentication proxy, which the authmap ties to a store user.
type Login struct {
	Store *store.Store
	// Proxy checks system accounts; nil when there is none.
	Proxy *ProxyClient

	cacheOnce sync.Once
	cache     *verifiedCache
}

// Verified passwords are remembered this long (see verifiedCache).
const (
	verifiedTTL = 10 * time.Minute
	verifiedMax = 100000
)

// Credentials is the CredentialSource of the challenge-response
// mechanisms, which only store logins can use.
func (l *Login) Credentials(ctx context.Context, login string) (Credentials, error) {
	info, err := l.Store.LookupLogin(ctx, login)
	return lookedUp{info, err}.Credentials(ctx, login)
}

// lookedUp is a CredentialSource that answers with a lookup already made,
// so that a password check reads the login once.
type lookedUp struct {
	info store.LoginInfo
	err  error
}

func (k lookedUp) Credentials(context.Context, string) (Credentials, error) {
	if kind := store.KindOf(k.err); kind == store.KindNotFound || kind == store.KindInvalid {
		return Credentials{}, fmt.Errorf("%w: %v", ErrUnknownLogin, k.err)
	}
	return k.info.Credentials, k.err
}

// CheckPassword verifies a password and returns the store user it logs in
// as. A refusal is ErrAuthFailed (the cause wrapped for the log); any other
// error means the check could not be made.
func (l *Login) CheckPassword(ctx context.Context, login string, pw []byte) (string, error) {
	l.cacheOnce.Do(func() { l.cache = newVerifiedCache(verifiedTTL, verifiedMax) })
	info, lerr := l.Store.LookupLogin(ctx, login)
	if lerr == nil && l.cache.hit(info.Login, info.Credentials.Hash, pw) {
		return info.User, nil
	}
	err := checkPassword(ctx, lookedUp{info, lerr}, login, pw)
	if err == nil { // so the lookup found the login
		l.cache.put(info.Login, info.Credentials.Hash, pw)
		return info.User, nil
	}
	if !errors.Is(err, ErrUnknownLogin) || l.Proxy == nil {
		return "", err
	}
	// Not a store login: perhaps a system account the authmap knows.
	user, rerr := l.Store.ResolveExternal(ctx, login)
	if rerr != nil {
		return "", err
	}
	ok, perr := l.Proxy.CheckSystemPassword(ctx, login, string(pw))
	switch {
	case errors.Is(perr, ErrNoProxy):
		return "", err
	case perr != nil:
		return "", perr
	case !ok:
		return "", authFailed(login, errWrongPassword)
	}
	return user, nil
}

// checkLogin lets PLAIN and LOGIN go through CheckPassword.
func (l *Login) checkLogin(ctx context.Context, login string, pw []byte) error {
	_, err := l.CheckPassword(ctx, login, pw)
	return err
}

// User returns the store user an authenticated identity logs in as: the
// user of a login identifier, or the authmap's user of a system account.
func (l *Login) User(ctx context.Context, authcid string) (string, error) {
	info, err := l.Store.LookupLogin(ctx, authcid)
	if err == nil {
		return info.User, nil
	}
	if k := store.KindOf(err); k != store.KindNotFound && k != store.KindInvalid {
		return "", err
	}
	return l.Store.ResolveExternal(ctx, authcid)
}

// passwordChecker is a CredentialSource that checks plain passwords itself
// (Login does, to reach system accounts); PLAIN and LOGIN use it when
// present.
type passwordChecker interface {
	checkLogin(ctx context.Context, login string, pw []byte) error
}
