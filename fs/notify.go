package fs

import (
	"context"
	"runtime/debug"
	"slices"
	"strings"

	gofs "github.com/hanwen/go-fuse/v2/fs"

	"mstore/store"
)

// Keeping the kernel's caches true to the store. Every change committed by
// any door (an LMTP delivery, an IMAP APPEND, EXPUNGE or RENAME, the
// command line, or this mount) comes as a store event; this goroutine
// turns each into invalidations of what the kernel may hold: a new name is
// announced (NotifyEntry), a gone message's entry is deleted
// (NotifyDelete), changed attributes are dropped (NotifyContent). Only
// nodes the kernel was given are touched. No lock is held across a call
// into the kernel: the kernel may wait for a request in flight, and that
// request must be able to finish.

func (m *Mounted) notifyLoop() {
	defer close(m.notifyDone)
	for {
		select {
		case <-m.stopNotify:
			return
		case fn := <-m.later:
			fn()
			continue
		case <-m.watcher.C:
		}
		for _, ev := range m.watcher.Next() {
			m.applySafely(ev)
		}
	}
}

// afterwards runs fn on the notifying goroutine, after the request that
// asks for it; when too many wait, it is dropped (the caches' timeouts
// still apply).
func (m *Mounted) afterwards(fn func()) {
	select {
	case m.later <- fn:
	default:
	}
}

// applySafely keeps a bug in one invalidation from ending the others.
func (m *Mounted) applySafely(ev store.Event) {
	defer func() {
		if v := recover(); v != nil {
			m.log.Error("mount: panic applying a store event", "event", ev.Kind.String(), "panic", v, "stack", string(debug.Stack()))
		}
	}()
	m.apply(ev)
}

// apply invalidates what one event changed.
func (m *Mounted) apply(ev store.Event) {
	switch ev.Kind {
	case store.EventMailboxCreate, store.EventMailboxDelete, store.EventMailboxRename,
		store.EventMailboxACL, store.EventMailboxReset:
		m.treeGen.Add(1)
	}
	switch ev.Kind {
	case store.EventAppend:
		m.announce(ev)
	case store.EventExpunge:
		if dir := m.mailboxDir(ev.Name); dir != nil {
			for _, name := range dir.takeNames(ev.UIDs) {
				deleteEntry(&dir.Inode, name)
			}
		}
	case store.EventFlags:
		// Flags are no attribute, but the same event says a message was
		// renamed or given a new internal date.
		if dir := m.mailboxDir(ev.Name); dir != nil {
			dir.mu.Lock()
			var names []string
			for _, uid := range ev.UIDs {
				if name, ok := dir.names[uid]; ok {
					names = append(names, name)
				}
			}
			dir.mu.Unlock()
			for _, name := range names {
				if ch := dir.GetChild(name); ch != nil {
					ch.NotifyContent(-1, 0)
				}
			}
		}
	case store.EventMailboxCreate, store.EventMailboxDelete, store.EventMailboxACL:
		m.invalidateLevel(ev.Name)
	case store.EventMailboxRename:
		m.invalidateLevel(ev.OldName)
		m.invalidateLevel(ev.Name)
	case store.EventMailboxReset:
		if dir := m.mailboxDir(ev.Name); dir != nil {
			dir.mu.Lock()
			var names []string
			for _, name := range dir.names {
				names = append(names, name)
			}
			clear(dir.names)
			dir.mu.Unlock()
			for _, name := range names {
				dir.NotifyEntry(name)
			}
		}
	}
}

// announce tells the kernel the names of appended messages, in case it
// cached their absence.
func (m *Mounted) announce(ev store.Event) {
	dir := m.mailboxDir(ev.Name)
	if dir == nil || len(ev.UIDs) == 0 {
		return
	}
	last := ev.UIDs[len(ev.UIDs)-1]
	var names []string
	m.st.Messages(context.Background(), store.System(), ev.Mailbox, ev.UIDs[0], func(msg store.Message) bool {
		if _, ok := slices.BinarySearch(ev.UIDs, msg.UID); ok {
			names = append(names, msg.Name)
		}
		return msg.UID < last
	})
	for _, name := range names {
		dir.NotifyEntry(name)
	}
}

// deleteEntry takes a name out of the kernel's cache: as a deletion when
// the kernel has the node, so that an open descriptor or a working
// directory learns it is gone.
func deleteEntry(dir *gofs.Inode, name string) {
	if ch := dir.GetChild(name); ch != nil {
		if dir.NotifyDelete(name, ch) == 0 {
			return
		}
	}
	dir.NotifyEntry(name)
}

// invalidateLevel drops a directory's entry from its parent, so that the
// next lookup reads it (and its mode, which its ACL decides) again.
func (m *Mounted) invalidateLevel(n store.MailboxName) {
	parent, last := m.nodeAt(n, true)
	if parent != nil {
		parent.NotifyEntry(last)
		parent.NotifyContent(-1, 0)
	}
}

// mailboxDir returns the node of a mailbox directory, when the kernel has
// one.
func (m *Mounted) mailboxDir(n store.MailboxName) *treeNode {
	node, _ := m.nodeAt(n, false)
	if node == nil {
		return nil
	}
	t, ok := node.Operations().(treeDir)
	if !ok {
		return nil
	}
	return t.tree()
}

// nodeAt walks the nodes the kernel has towards a mailbox's path. With
// parent, it returns the node of the directory above and the last level's
// name; without, the mailbox's own node. It returns nil where the kernel
// has nothing.
func (m *Mounted) nodeAt(n store.MailboxName, parent bool) (*gofs.Inode, string) {
	levels := strings.Split(n.Path(), "/")
	if parent {
		levels, last := levels[:len(levels)-1], levels[len(levels)-1]
		node := m.walk(levels)
		return node, last
	}
	return m.walk(levels), ""
}

func (m *Mounted) walk(levels []string) *gofs.Inode {
	node := &m.root.Inode
	for _, l := range levels {
		if node = node.GetChild(l); node == nil {
			return nil
		}
	}
	return node
}
