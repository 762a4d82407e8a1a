package fs

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"time"

	"mstore/store"
)

// Extended attributes: the IMAP view of a message or a mailbox.
//
// On a message:
//
//	user.imap.flags         its flags, space-separated ("\Seen \Flagged $Label1");
//	                        setting replaces them (s, w, t decide which may change)
//	user.imap.uid           its UID (read-only)
//	user.imap.internaldate  its internal date, "02-Jan-2006 15:04:05 -0700"; setting
//	                        it (also RFC 3339) is what touch -d does (w)
//
// On a mailbox directory:
//
//	user.imap.acl       the ACL, one "identifier rights" line per entry (needs a);
//	                    setting applies each line as IMAP SETACL does: rights
//	                    replace the entry's, "+r"/"-r" add or take away, a line
//	                    with the identifier alone removes the entry; entries not
//	                    named are left alone
//	user.imap.myrights  the caller's rights (read-only)
//	user.imap.quota     one "root resource used limit" line per resource of each
//	                    quota root the mailbox counts towards (read-only)
//
// On a user's directory, user.imap.quota shows their quota root.

const (
	xattrFlags    = "user.imap.flags"
	xattrUID      = "user.imap.uid"
	xattrDate     = "user.imap.internaldate"
	xattrACL      = "user.imap.acl"
	xattrMyRights = "user.imap.myrights"
	xattrQuota    = "user.imap.quota"

	imapDateLayout = "02-Jan-2006 15:04:05 -0700"
)

// Only the user.imap names exist. The security and system namespaces
// (SELinux labels, POSIX ACLs) are not supported here, and say so
// (EOPNOTSUPP) rather than "no such attribute": ls -l asks for both on
// every file, and remembers an unsupported answer for the whole
// filesystem, so a listing costs no round trip per file for them.
func unsupportedXattr(attr string) bool {
	return !strings.HasPrefix(attr, "user.")
}

// noXattr answers for a name a node does not have.
func noXattr(attr string) syscall.Errno {
	if unsupportedXattr(attr) {
		return syscall.EOPNOTSUPP
	}
	return syscall.ENODATA
}

// xattrReply copies a value into the kernel's buffer: a zero-sized buffer
// asks for the size, a small one gets ERANGE.
func xattrReply(val string, dest []byte) (uint32, syscall.Errno) {
	if len(dest) == 0 {
		return uint32(len(val)), 0
	}
	if len(dest) < len(val) {
		return uint32(len(val)), syscall.ERANGE
	}
	return uint32(copy(dest, val)), 0
}

func xattrList(names []string, dest []byte) (uint32, syscall.Errno) {
	var b strings.Builder
	for _, n := range names {
		b.WriteString(n)
		b.WriteByte(0)
	}
	return xattrReply(b.String(), dest)
}

// Messages.

func (n *messageNode) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	return xattrList([]string{xattrFlags, xattrUID, xattrDate}, dest)
}

func (n *messageNode) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	if unsupportedXattr(attr) {
		return 0, syscall.EOPNOTSUPP
	}
	mbox, uid, up := n.ids()
	if up != nil {
		if attr == xattrFlags {
			up.mu.Lock()
			flags := strings.Join(up.flags, " ")
			up.mu.Unlock()
			return xattrReply(flags, dest)
		}
		return 0, syscall.ENODATA
	}
	switch attr {
	case xattrFlags, xattrUID, xattrDate:
	default:
		return 0, noXattr(attr)
	}
	msg, err := n.m.st.Message(ctx, n.m.callers.of(ctx), mbox, uid)
	if err != nil {
		return 0, n.m.errno(ctx, "getxattr", err)
	}
	switch attr {
	case xattrFlags:
		return xattrReply(strings.Join(msg.Flags, " "), dest)
	case xattrUID:
		return xattrReply(strconv.FormatUint(uint64(msg.UID), 10), dest)
	default:
		return xattrReply(msg.InternalDate.Format(imapDateLayout), dest)
	}
}

func (n *messageNode) Setxattr(ctx context.Context, attr string, data []byte, flags uint32) syscall.Errno {
	mbox, uid, up := n.ids()
	val := strings.TrimSpace(string(data))
	switch attr {
	case xattrFlags:
		list := strings.Fields(val)
		if up != nil {
			up.setFlags(list)
			return 0
		}
		_, _, err := n.m.st.StoreFlags(ctx, n.m.callers.of(ctx), mbox, []uint32{uid}, store.FlagsReplace, list, 0)
		return n.m.errno(ctx, "set flags", err)
	case xattrDate:
		t, err := parseDate(val)
		if err != nil {
			return syscall.EINVAL
		}
		if up != nil {
			up.mu.Lock()
			up.date = t
			up.mu.Unlock()
			return 0
		}
		return n.m.errno(ctx, "set internal date", n.m.st.SetInternalDate(ctx, n.m.callers.of(ctx), mbox, uid, t))
	case xattrUID:
		if up != nil {
			return 0 // a copy (cp -a) gets a UID of its own
		}
		return syscall.EPERM
	}
	return syscall.ENOTSUP
}

func (n *messageNode) Removexattr(ctx context.Context, attr string) syscall.Errno {
	if attr == xattrFlags {
		return n.Setxattr(ctx, attr, nil, 0)
	}
	if attr == xattrUID || attr == xattrDate {
		return syscall.EPERM
	}
	return syscall.ENODATA
}

func parseDate(s string) (time.Time, error) {
	for _, layout := range []string{imapDateLayout, " 2-Jan-2006 15:04:05 -0700", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q: want %q or RFC 3339", s, imapDateLayout)
}

// Mailboxes.

func (n *mailboxNode) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	if n.id == 0 {
		return xattrList(nil, dest)
	}
	return xattrList([]string{xattrACL, xattrMyRights, xattrQuota}, dest)
}

func (n *mailboxNode) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	if n.id == 0 || attr != xattrACL && attr != xattrMyRights && attr != xattrQuota {
		return 0, noXattr(attr)
	}
	canon, err := n.canonical(ctx)
	if err != nil {
		return 0, n.m.errno(ctx, "getxattr", err)
	}
	mb := store.MailboxName{Domain: n.domain, Name: canon}
	c := n.m.callers.of(ctx)
	switch attr {
	case xattrACL:
		acl, err := n.m.st.GetACL(ctx, c, mb)
		if err != nil {
			return 0, n.m.errno(ctx, "get acl", err)
		}
		var b strings.Builder
		for _, e := range acl {
			fmt.Fprintf(&b, "%s %s\n", e.Key(), e.Rights)
		}
		return xattrReply(b.String(), dest)
	case xattrMyRights:
		r, err := n.m.st.MyRights(ctx, c, mb)
		if err != nil {
			return 0, n.m.errno(ctx, "myrights", err)
		}
		return xattrReply(r.String()+"\n", dest)
	case xattrQuota:
		roots, err := n.m.st.QuotaRootsOf(ctx, c, mb)
		if err != nil {
			return 0, n.m.errno(ctx, "quota", err)
		}
		return xattrReply(quotaText(roots), dest)
	}
	return 0, noXattr(attr)
}

func (n *mailboxNode) Setxattr(ctx context.Context, attr string, data []byte, flags uint32) syscall.Errno {
	if n.id == 0 || attr != xattrACL {
		if attr == xattrMyRights || attr == xattrQuota {
			return syscall.EPERM
		}
		return syscall.ENOTSUP
	}
	canon, err := n.canonical(ctx)
	if err != nil {
		return n.m.errno(ctx, "setxattr", err)
	}
	mb := store.MailboxName{Domain: n.domain, Name: canon}
	c := n.m.callers.of(ctx)
	defer n.m.treeGen.Add(1)
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		var err error
		switch len(fields) {
		case 1:
			err = n.m.st.DeleteACL(ctx, c, mb, fields[0])
			if store.KindOf(err) == store.KindNotFound {
				err = nil // already gone
			}
		case 2:
			err = n.m.st.SetACL(ctx, c, mb, fields[0], fields[1])
		default:
			return syscall.EINVAL
		}
		if err != nil {
			return n.m.errno(ctx, "set acl", err)
		}
	}
	return 0
}

func (n *mailboxNode) Removexattr(ctx context.Context, attr string) syscall.Errno {
	if attr == xattrACL || attr == xattrMyRights || attr == xattrQuota {
		return syscall.EPERM
	}
	return syscall.ENODATA
}

// User directories.

func (n *userNode) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	return xattrList([]string{xattrQuota}, dest)
}

func (n *userNode) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	if attr != xattrQuota {
		return 0, noXattr(attr)
	}
	q, err := n.m.st.Quota(ctx, n.m.callers.of(ctx), store.MailboxName{Domain: n.domain, Name: n.fixed}.Path())
	if err != nil {
		if store.KindOf(err) == store.KindNotFound {
			return xattrReply("", dest)
		}
		return 0, n.m.errno(ctx, "quota", err)
	}
	return xattrReply(quotaText([]store.QuotaInfo{q}), dest)
}

// The other directories have no attributes of their own.

func (fixedDir) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	return 0, noXattr(attr)
}

func (n *treeNode) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	return 0, noXattr(attr)
}

// quotaText writes one line per limited resource of each root:
// "foo.com/users/joe STORAGE 120 1024" (KiB) and "... MESSAGE 3 100".
func quotaText(roots []store.QuotaInfo) string {
	var b strings.Builder
	for _, q := range roots {
		if q.StorageLimit >= 0 {
			fmt.Fprintf(&b, "%s %s %d %d\n", q.Root, store.ResourceStorage, q.StorageUsed, q.StorageLimit)
		}
		if q.MessageLimit >= 0 {
			fmt.Fprintf(&b, "%s %s %d %d\n", q.Root, store.ResourceMessage, q.MessagesUsed, q.MessageLimit)
		}
	}
	return b.String()
}
