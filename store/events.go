package store

import (
	"sync"
)

// Change events. Every committed change of a mailbox is published, after
// its transaction is durable and in commit order, to the watchers of that
// mailbox and to the watchers of the whole store. IMAP IDLE and the mount's
// cache invalidation are built on them.

type EventKind int

const (
	EventAppend        EventKind = iota + 1 // UIDs were added
	EventExpunge                            // UIDs were removed
	EventFlags                              // flags of UIDs changed
	EventMailboxCreate                      // a mailbox came into being
	EventMailboxDelete                      // a mailbox and its messages are gone
	EventMailboxRename                      // a mailbox changed name (same id)
	EventMailboxACL                         // a mailbox's ACL changed
	EventMailboxReset                       // rebuilt by reconstruct: read it again
)

func (k EventKind) String() string {
	switch k {
	case EventAppend:
		return "append"
	case EventExpunge:
		return "expunge"
	case EventFlags:
		return "flags"
	case EventMailboxCreate:
		return "create"
	case EventMailboxDelete:
		return "delete"
	case EventMailboxRename:
		return "rename"
	case EventMailboxACL:
		return "acl"
	case EventMailboxReset:
		return "reset"
	}
	return "unknown"
}

// Event is one committed change.
type Event struct {
	Kind    EventKind
	Mailbox uint64
	Name    MailboxName // the mailbox's name (its new name for a rename)
	OldName MailboxName // for a rename
	UIDs    []uint32    // for appends, expunges and flag changes, ascending
	// ModSeq is the mailbox's HIGHESTMODSEQ after the change; for an
	// expunge, the modseq its tombstones carry (see Vanished).
	ModSeq uint64
	// User, when not 0, is the one user a flag change concerns: a change
	// of \Seen alone, which is each reader's own (the owner's being the
	// message's flag). Others must ignore it.
	User uint64
}

// Watcher receives events. C is signalled (without blocking the store)
// whenever events are waiting; Next takes them all. A watcher never misses
// an event and never blocks a writer: events queue until taken.
type Watcher struct {
	C <-chan struct{}

	hub     *hub
	mailbox uint64 // 0: every mailbox
	notify  chan struct{}

	mu      sync.Mutex // protects pending
	pending []Event
}

// Next returns the events published since the last call, oldest first.
func (w *Watcher) Next() []Event {
	w.mu.Lock()
	ev := w.pending
	w.pending = nil
	w.mu.Unlock()
	return ev
}

// Close stops delivery to this watcher.
func (w *Watcher) Close() { w.hub.remove(w) }

// Watch follows one mailbox, or every mailbox when mailbox is 0.
func (s *Store) Watch(mailbox uint64) *Watcher {
	n := make(chan struct{}, 1)
	w := &Watcher{C: n, notify: n, hub: s.events, mailbox: mailbox}
	s.events.add(w)
	return w
}

type hub struct {
	mu     sync.Mutex // protects the maps
	byMbox map[uint64]map[*Watcher]struct{}
	all    map[*Watcher]struct{}
}

func newHub() *hub {
	return &hub{byMbox: map[uint64]map[*Watcher]struct{}{}, all: map[*Watcher]struct{}{}}
}

func (h *hub) add(w *Watcher) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if w.mailbox == 0 {
		h.all[w] = struct{}{}
		return
	}
	m := h.byMbox[w.mailbox]
	if m == nil {
		m = map[*Watcher]struct{}{}
		h.byMbox[w.mailbox] = m
	}
	m[w] = struct{}{}
}

func (h *hub) remove(w *Watcher) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.all, w)
	if m := h.byMbox[w.mailbox]; m != nil {
		delete(m, w)
		if len(m) == 0 {
			delete(h.byMbox, w.mailbox)
		}
	}
}

func (h *hub) publish(events []Event) {
	if len(events) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range events {
		for w := range h.byMbox[e.Mailbox] {
			w.deliver(e)
		}
		for w := range h.all {
			w.deliver(e)
		}
	}
}

func (w *Watcher) deliver(e Event) {
	w.mu.Lock()
	w.pending = append(w.pending, e)
	w.mu.Unlock()
	select {
	case w.notify <- struct{}{}:
	default:
	}
}

// closeAll wakes every watcher one last time when the store closes.
func (h *hub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for w := range h.all {
		select {
		case w.notify <- struct{}{}:
		default:
		}
	}
}
