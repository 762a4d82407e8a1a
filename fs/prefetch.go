package fs

import (
	"context"
	"slices"
	"sync"

	"mstore/store"
)

// Reading ahead. A backup, tar, grep -r or cat * opens a mailbox's
// messages one after the other, each a small file whose OPEN reads it
// from disk (fillCache) while the reader waits. When
// the opens of a mailbox go forward in UID order (the order of its
// listing: tar, grep -r, find) or in the order of their names sorted as
// text (rsync, a shell's *: "1029.eml", "103.eml", "1030.eml"), the mount
// asks the disk for the next messages' files (inode and content) in the
// background, so that by the time they are opened they are in memory.
// Only the page cache of the message files is warmed: nothing is read for
// a caller, so no right is involved.

const (
	// prefetchAhead is how many messages past the one opened are read
	// ahead.
	prefetchAhead = 32
	// prefetchGap is how far forward in UID order an open may land from
	// the previous one and still count as a scan (expunged UIDs are
	// skipped); prefetchTextGap is the same in the order of names.
	prefetchGap     = 16
	prefetchTextGap = 4
	// prefetchWorkers read ahead at once: enough to keep a disk's queue
	// busy, few enough not to crowd out the reads callers wait for.
	prefetchWorkers = 2
	// prefetchBytes is read ahead of each message: all of a small one;
	// a large one is read by the kernel itself, with its own readahead.
	prefetchBytes = 256 << 10
)

type prefetcher struct {
	st   *store.Store
	jobs chan prefetchJob

	mu    sync.Mutex
	mboxs map[uint64]*prefetchState
}

// prefetchJob is the messages one step of a scan reads ahead.
type prefetchJob struct {
	mbox uint64
	uids []uint32
}

// prefetchState is what is known of the scan of one mailbox.
type prefetchState struct {
	last   uint32   // the UID opened last
	top    uint32   // the highest UID when last looked up: names go up to it
	byName bool     // the scan follows names sorted as text
	queued []uint32 // what the scan's last step queued
}

func newPrefetcher(st *store.Store, stop <-chan struct{}) *prefetcher {
	p := &prefetcher{st: st, jobs: make(chan prefetchJob, 4*prefetchAhead), mboxs: map[uint64]*prefetchState{}}
	for range prefetchWorkers {
		go p.work(stop)
	}
	return p
}

// opened notes that a message was opened and, when the mailbox is being
// scanned, queues the messages that come next. It never blocks: when the
// queue is full, the rest is not read ahead.
func (p *prefetcher) opened(mbox uint64, uid uint32) {
	p.mu.Lock()
	s := p.mboxs[mbox]
	if s == nil {
		if len(p.mboxs) >= 1024 {
			clear(p.mboxs)
		}
		s = &prefetchState{}
		p.mboxs[mbox] = s
	}
	prev, top := s.last, s.top
	s.last = uid
	p.mu.Unlock()
	if prev == 0 {
		return
	}
	if uid > top && p.st != nil {
		// New messages, or the first step: how far the names go.
		if info, err := p.st.MailboxByID(context.Background(), store.System(), mbox); err == nil && info.UIDNext > 0 {
			top = info.UIDNext - 1
		}
	}
	byUID := uid > prev && uid-prev <= prefetchGap
	byName := followsByName(prev, uid, top)
	if !byUID && !byName {
		return // a jump: no scan to follow
	}

	p.mu.Lock()
	s.top = max(s.top, top)
	if byUID != byName {
		// A step only one order explains settles which order the scan
		// follows; steps both explain (1021 after 1020) keep it.
		s.byName = byName
	}
	next := make([]uint32, 0, prefetchAhead)
	if s.byName {
		for u := textNext(uid, top); u != 0 && len(next) < prefetchAhead; u = textNext(u, top) {
			next = append(next, u)
		}
	} else {
		for u := uid + 1; u > uid && len(next) < prefetchAhead; u++ {
			next = append(next, u)
		}
	}
	// The step before read ahead nearly the same messages: only the new
	// ones are queued. A scan that starts over (the next night's backup)
	// shares nothing with the last step and is read ahead in full.
	before := s.queued
	s.queued = next
	p.mu.Unlock()
	var uids []uint32
	for _, u := range next {
		if !slices.Contains(before, u) {
			uids = append(uids, u)
		}
	}
	if len(uids) == 0 {
		return
	}
	select {
	case p.jobs <- prefetchJob{mbox, uids}:
	default:
	}
}

// textNext returns the UID whose name comes after x's when the default
// names of UIDs 1 to top ("<uid>.eml") are sorted as text, or 0 after the
// last. The dot sorts before every digit, so this is the order of the
// UIDs' decimal digits as words: 1, 10, 100, ..., 1029, 103, 1030.
func textNext(x, top uint32) uint32 {
	if uint64(x)*10 <= uint64(top) {
		return x * 10
	}
	for x%10 == 9 || x >= top {
		x /= 10
		if x == 0 {
			return 0
		}
	}
	return x + 1
}

// followsByName reports whether uid's name comes a few names after prev's
// when names are sorted as text.
func followsByName(prev, uid, top uint32) bool {
	u := prev
	for range prefetchTextGap {
		if u = textNext(u, top); u == 0 {
			return false
		}
		if u == uid {
			return true
		}
	}
	return false
}

func (p *prefetcher) work(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case j := <-p.jobs:
			p.st.WillNeed(j.mbox, j.uids, prefetchBytes)
		}
	}
}
