package fs

import (
	"context"
	"log/slog"
	"os/user"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"

	"mstore/store"
)

// Who is asking. Each request carries the uid of the process that made it;
// the uid names a system account, the authmap ties that name to a store
// user, and the store builds the caller from the user. Root is the store
// itself (System: it reads everything, so backups see all); a uid with no
// account or no mapping is Anonymous and gets what "anyone" is granted.

// callers maps uids to store callers, remembering each answer for a while
// so that a burst of requests asks the account database and the store once.
type callers struct {
	st  *store.Store
	log *slog.Logger
	ttl time.Duration
	// accountName turns a uid into a system account name (os/user).
	accountName func(uid uint32) (string, error)

	mu    sync.Mutex // protects cache
	cache map[uint32]cachedCaller

	// as, when set, is the caller of every request: tests run as root and
	// act as other users through it.
	as atomic.Pointer[store.Caller]
}

type cachedCaller struct {
	c   store.Caller
	exp time.Time
}

func newCallers(st *store.Store, log *slog.Logger, ttl time.Duration) *callers {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &callers{st: st, log: log, ttl: ttl, cache: map[uint32]cachedCaller{},
		accountName: func(uid uint32) (string, error) {
			u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10))
			if err != nil {
				return "", err
			}
			return u.Username, nil
		}}
}

// of returns the caller of a request. A context without a FUSE caller is
// the mount itself (System).
func (cs *callers) of(ctx context.Context) store.Caller {
	if c := cs.as.Load(); c != nil {
		return *c
	}
	fc, ok := fuse.FromContext(ctx)
	if !ok {
		return store.System()
	}
	return cs.forUID(ctx, fc.Uid)
}

func (cs *callers) forUID(ctx context.Context, uid uint32) store.Caller {
	if uid == 0 {
		return store.System()
	}
	now := time.Now()
	cs.mu.Lock()
	e, ok := cs.cache[uid]
	cs.mu.Unlock()
	if ok && now.Before(e.exp) {
		return e.c
	}
	c := cs.resolve(ctx, uid)
	cs.mu.Lock()
	if len(cs.cache) > 4096 {
		clear(cs.cache)
	}
	cs.cache[uid] = cachedCaller{c: c, exp: now.Add(cs.ttl)}
	cs.mu.Unlock()
	return c
}

func (cs *callers) resolve(ctx context.Context, uid uint32) store.Caller {
	name, err := cs.accountName(uid)
	if err != nil {
		return store.Anonymous()
	}
	u, err := cs.st.ResolveExternal(ctx, name)
	if err != nil {
		if store.KindOf(err) != store.KindNotFound {
			cs.log.Warn("mount: resolving a system account", "account", name, "err", err)
		}
		return store.Anonymous()
	}
	c, err := cs.st.CallerFor(ctx, u)
	if err != nil {
		cs.log.Warn("mount: building the caller", "account", name, "user", u, "err", err)
		return store.Anonymous()
	}
	return c
}
