package fs

import (
	"context"
	"strings"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"

	"mstore/store"
)

// statfs. Outside a quota the answer is the store's own filesystem. Inside
// a user's tree, or any mailbox under a quota root, it is that root: the
// size is its STORAGE limit, the free space what is left of it, and the
// inode counts its MESSAGE limit, so df shows a user their quota.

const (
	statfsBsize  = 4096
	statfsFrsize = 1024 // one block is one KiB, as quotas count
)

// statfsStore reports the filesystem that holds the store.
func (m *Mounted) statfsStore(out *fuse.StatfsOut) syscall.Errno {
	var st unix.Statfs_t
	if err := unix.Statfs(m.st.Dir(), &st); err != nil {
		return syscall.EIO
	}
	frsize := uint64(st.Frsize)
	if frsize == 0 {
		frsize = uint64(st.Bsize)
	}
	kib := func(blocks uint64) uint64 { return blocks * frsize / statfsFrsize }
	*out = fuse.StatfsOut{Blocks: kib(st.Blocks), Bfree: kib(st.Bfree), Bavail: kib(st.Bavail),
		Files: st.Files, Ffree: st.Ffree, Bsize: statfsBsize, Frsize: statfsFrsize, NameLen: 255}
	return 0
}

// statfsRoots reports the nearest of roots that has a limit, or the store's
// filesystem when none has.
func (m *Mounted) statfsRoots(roots []store.QuotaInfo, out *fuse.StatfsOut) syscall.Errno {
	if errno := m.statfsStore(out); errno != 0 {
		return errno
	}
	for _, q := range roots {
		if q.StorageLimit < 0 && q.MessageLimit < 0 {
			continue
		}
		if q.StorageLimit >= 0 {
			used := uint64(q.StorageUsed)
			limit := uint64(q.StorageLimit)
			out.Blocks = limit
			out.Bfree = limit - min(used, limit)
			out.Bavail = out.Bfree
		}
		if q.MessageLimit >= 0 {
			used := uint64(q.MessagesUsed)
			limit := uint64(q.MessageLimit)
			out.Files = limit
			out.Ffree = limit - min(used, limit)
		}
		return 0
	}
	return 0
}

// statfsMailbox reports the quota a mailbox counts towards.
func (m *Mounted) statfsMailbox(ctx context.Context, c store.Caller, n store.MailboxName, out *fuse.StatfsOut) syscall.Errno {
	roots, err := m.st.QuotaRootsOf(ctx, c, n)
	if err != nil {
		return m.statfsStore(out)
	}
	return m.statfsRoots(roots, out)
}

// statfsTree reports the quota of a level of a user's or the shared tree:
// a mailbox's roots, or for a level that is no mailbox its user's root and
// the domain's.
func (m *Mounted) statfsTree(ctx context.Context, c store.Caller, domain, canon string, mailbox bool, out *fuse.StatfsOut) syscall.Errno {
	if mailbox {
		return m.statfsMailbox(ctx, c, store.MailboxName{Domain: domain, Name: canon}, out)
	}
	var roots []store.QuotaInfo
	if rest, ok := strings.CutPrefix(canon, "user/"); ok {
		local, _, _ := strings.Cut(rest, store.Delimiter)
		if q, err := m.st.Quota(ctx, c, store.MailboxName{Domain: domain, Name: "user/" + local}.Path()); err == nil {
			roots = append(roots, q)
		}
	}
	if q, err := m.st.Quota(ctx, c, domain); err == nil {
		roots = append(roots, q)
	}
	return m.statfsRoots(roots, out)
}
