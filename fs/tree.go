package fs

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"mstore/store"
)

// What a caller may see of the tree. The shape of the tree (which levels
// exist, which are mailboxes, their inode numbers) is read as the store
// itself sees it, so that every caller meets the same nodes; what each
// caller is shown of it is filtered through the store with their own
// rights: a level appears when the caller may look up (l) a mailbox at
// it or below it, as IMAP LIST shows the parents of what it lists.

// level is one directory below a user's tree, the shared tree or a
// mailbox.
type level struct {
	name string // this level's name ("sentmail")
	id   uint64 // the mailbox's id; 0 for a level that is no mailbox
}

// levelsUnder lists the levels directly below a canonical name ("user/joe",
// "shared", "user/joe/INBOX"), sorted by name.
func (m *Mounted) levelsUnder(ctx context.Context, domain, under string) ([]level, error) {
	all, err := m.st.ListMailboxes(ctx, store.System(), store.ListQuery{Domain: domain, Prefix: under})
	if err != nil {
		return nil, err
	}
	var out []level
	index := map[string]int{}
	for _, mb := range all {
		rest, ok := strings.CutPrefix(mb.Name.Name, under+store.Delimiter)
		if !ok {
			continue
		}
		name, deeper := rest, false
		if i := strings.Index(rest, store.Delimiter); i >= 0 {
			name, deeper = rest[:i], true
		}
		i, seen := index[name]
		if !seen {
			i = len(out)
			index[name] = i
			out = append(out, level{name: name})
		}
		if !deeper {
			out[i].id = mb.ID
		}
	}
	slices.SortFunc(out, func(a, b level) int { return strings.Compare(a.name, b.name) })
	return out, nil
}

// visibleLevels returns the names of the levels directly below under at
// or below which the caller may look up a mailbox; nil for an
// administrator of the domain, who sees every level.
func (m *Mounted) visibleLevels(ctx context.Context, c store.Caller, domain, under string) (map[string]bool, error) {
	if c.IsAdmin(domain) {
		return nil, nil
	}
	list, err := m.st.ListMailboxes(ctx, c, store.ListQuery{Domain: domain, Prefix: under})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, mb := range list {
		if rest, ok := strings.CutPrefix(mb.Name.Name, under+store.Delimiter); ok {
			name, _, _ := strings.Cut(rest, store.Delimiter)
			seen[name] = true
		}
	}
	return seen, nil
}

// canSee reports whether the caller may look up a mailbox named full or
// one below it.
func (m *Mounted) canSee(ctx context.Context, c store.Caller, domain, full string) (bool, error) {
	if c.IsAdmin(domain) {
		return true, nil
	}
	list, err := m.st.ListMailboxes(ctx, c, store.ListQuery{Domain: domain, Prefix: full})
	return len(list) > 0, err
}

// domainCache keeps the list of domains for a moment: every path walk
// starts by looking one up, and the store has no event for domains.
type domainCache struct {
	ttl time.Duration

	mu   sync.Mutex // protects at and list
	at   time.Time
	list []store.DomainInfo
}

func (m *Mounted) domainList(ctx context.Context) ([]store.DomainInfo, error) {
	d := &m.domains
	d.mu.Lock()
	if time.Since(d.at) < d.ttl {
		list := d.list
		d.mu.Unlock()
		return list, nil
	}
	d.mu.Unlock()
	list, err := m.st.Domains(ctx, store.System())
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.list, d.at = list, time.Now()
	d.mu.Unlock()
	return list, nil
}

func (m *Mounted) domainByName(ctx context.Context, name string) (store.DomainInfo, bool, error) {
	list, err := m.domainList(ctx)
	if err != nil {
		return store.DomainInfo{}, false, err
	}
	for _, d := range list {
		if d.Name == name {
			return d, true, nil
		}
	}
	return store.DomainInfo{}, false, nil
}

// canSeeDomain reports whether a domain shows in the root for the caller:
// to its administrators, to its users, and to whoever may look up one of
// its mailboxes.
func (m *Mounted) canSeeDomain(ctx context.Context, c store.Caller, domain string) (bool, error) {
	if c.IsAdmin(domain) || c.Domain() == domain {
		return true, nil
	}
	list, err := m.st.ListMailboxes(ctx, c, store.ListQuery{Domain: domain})
	return len(list) > 0, err
}

// childInode returns the node the kernel already has under name when it
// has the wanted number, or a new one made by mk.
func childInode(ctx context.Context, parent *gofs.Inode, name string, ino uint64, mode uint32, mk func() gofs.InodeEmbedder) *gofs.Inode {
	if ch := parent.GetChild(name); ch != nil && ch.StableAttr().Ino == ino {
		return ch
	}
	return parent.NewInode(ctx, mk(), gofs.StableAttr{Mode: mode, Ino: ino})
}

// dirEntries turns names and numbers into a small, sorted listing.
func dirEntries(entries []fuse.DirEntry) gofs.DirStream {
	slices.SortFunc(entries, func(a, b fuse.DirEntry) int { return strings.Compare(a.Name, b.Name) })
	return gofs.NewListDirStream(entries)
}
