package fs

import (
	"context"
	"strings"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"

	"mstore/store"
)

// Rename. A directory renames its mailbox (and every mailbox below it,
// right x on it and the right to create at the new place). A message
// renamed within its mailbox changes only its name (right i); renamed into
// another mailbox directory it moves there (r, t and e here, i there), as
// mv does on a disk; a message already holding the new name is replaced
// (t and e), as rename(2) does, unless RENAME_NOREPLACE says otherwise.
// Another domain is another filesystem (EXDEV), so mv copies.

const (
	renameNoReplace = 1 // RENAME_NOREPLACE
	renameExchange  = 2 // RENAME_EXCHANGE
)

func (n *treeNode) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	if flags&renameExchange != 0 {
		return syscall.EINVAL
	}
	dst, ok := newParent.(treeDir)
	if !ok {
		return syscall.EPERM
	}
	to := dst.tree()
	if to.domainID != n.domainID {
		return syscall.EXDEV
	}
	lv, canon, err := n.subLevels(ctx)
	if err != nil {
		return n.m.errno(ctx, "rename", err)
	}
	if l, ok := findLevel(lv, name); ok {
		return n.renameDir(ctx, canon, l, to, newName, flags)
	}
	if n.id == 0 {
		return syscall.ENOENT
	}
	return n.renameMessage(ctx, name, to, newName, flags)
}

func (n *treeNode) renameDir(ctx context.Context, canon string, l level, to *treeNode, newName string, flags uint32) syscall.Errno {
	toCanon, err := to.canonical(ctx)
	if err != nil {
		return n.m.errno(ctx, "rename", err)
	}
	from := canon + store.Delimiter + l.name
	target := toCanon + store.Delimiter + newName
	if target == from {
		return 0
	}
	if strings.HasPrefix(target, from+store.Delimiter) {
		return syscall.EINVAL // into itself
	}
	c := n.m.callers.of(ctx)
	if ok, err := n.m.canSee(ctx, c, n.domain, from); err != nil || !ok {
		return syscall.ENOENT
	}
	// A level that is no mailbox is renamed by renaming the topmost
	// mailboxes below it.
	var tops []string
	if l.id != 0 {
		tops = []string{from}
	} else {
		all, err := n.m.st.ListMailboxes(ctx, store.System(), store.ListQuery{Domain: n.domain, Prefix: from})
		if err != nil {
			return n.m.errno(ctx, "rename", err)
		}
		for _, mb := range all {
			covered := false
			for _, t := range tops {
				if strings.HasPrefix(mb.Name.Name, t+store.Delimiter) {
					covered = true
				}
			}
			if !covered {
				tops = append(tops, mb.Name.Name)
			}
		}
	}
	defer n.m.treeGen.Add(1)
	for _, t := range tops {
		err := n.m.st.RenameMailbox(ctx, c,
			store.MailboxName{Domain: n.domain, Name: t},
			store.MailboxName{Domain: n.domain, Name: target + strings.TrimPrefix(t, from)})
		if err != nil {
			return n.m.errno(ctx, "rename mailbox", err)
		}
	}
	return 0
}

func (n *treeNode) renameMessage(ctx context.Context, name string, to *treeNode, newName string, flags uint32) syscall.Errno {
	if to.id == 0 {
		return syscall.EPERM // messages live in mailboxes only
	}
	if lv, _, err := to.subLevels(ctx); err == nil {
		if _, ok := findLevel(lv, newName); ok {
			return syscall.EISDIR
		}
	}
	var node *messageNode
	if ch := n.GetChild(name); ch != nil {
		node, _ = ch.Operations().(*messageNode)
	}
	if node != nil {
		if up := node.pending(); up != nil {
			// Not stored yet (an empty file whose last close is still on its
			// way): store it now, then rename the message.
			if errno := up.commit(ctx); errno != 0 {
				return errno
			}
		}
	}
	c := n.m.callers.of(ctx)
	msg, err := n.m.st.MessageByName(ctx, c, n.id, name)
	if err != nil {
		return n.m.errno(ctx, "rename", err)
	}
	toCanon, err := to.canonical(ctx)
	if err != nil {
		return n.m.errno(ctx, "rename", err)
	}
	res, err := n.m.st.RenameMessage(ctx, c, n.id, msg.UID,
		store.MailboxName{Domain: to.domain, Name: toCanon}, newName, flags&renameNoReplace == 0)
	if err != nil {
		return n.m.errno(ctx, "rename message", err)
	}
	n.forgetName(msg.UID, name)
	if node != nil {
		node.stored(to, res.MailboxID, res.UID, newName)
	} else {
		to.remember(res.UID, newName)
	}
	return 0
}
