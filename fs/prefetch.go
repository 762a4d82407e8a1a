package fs

import (
	"context"
	"sync"

	"golang.org/x/sys/unix"

	"mstore/store"
)

// Reading ahead. A backup, tar, grep -r or cat * opens a mailbox's
// messages one after the other, each a small file the kernel asks for in
// two round trips (OPEN, then READ) before it reads a byte from disk. When
// the opens of a mailbox go forward in UID order — the order of its
// listing, and nearly that of its sorted names — the mount asks the disk
// for the next messages' files (inode and content) in the background, so
// that by the time their READ arrives they are in memory. Only the page
// cache of the message files is warmed: nothing is read for a caller, so
// no right is involved.

const (
	// prefetchAhead is how many UIDs past the one opened are read ahead.
	prefetchAhead = 32
	// prefetchGap is how far forward an open may land from the previous
	// one and still count as a scan (names sorted as text skip a few).
	prefetchGap = 16
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

type prefetchJob struct {
	mbox uint64
	uid  uint32
}

// prefetchState is what is known of the scan of one mailbox.
type prefetchState struct {
	last   uint32 // the UID opened last
	lo, hi uint32 // the UIDs the scan's last step queued
}

func newPrefetcher(st *store.Store, stop <-chan struct{}) *prefetcher {
	p := &prefetcher{st: st, jobs: make(chan prefetchJob, 4*prefetchAhead), mboxs: map[uint64]*prefetchState{}}
	for range prefetchWorkers {
		go p.work(stop)
	}
	return p
}

// opened notes that a message was opened and, when the mailbox is being
// scanned forward, queues the messages after it. It never blocks: when the
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
	scan := s.last != 0 && uid > s.last && uid-s.last <= prefetchGap
	s.last = uid
	from, to := uid+1, uid+prefetchAhead
	if !scan || to < uid {
		p.mu.Unlock()
		return
	}
	// Only what the last step did not queue is queued: the step before
	// read ahead nearly the same UIDs. Anything else — a scan that starts
	// over after the cache was dropped, or names sorted as text going
	// back and forth between runs of UIDs — is read ahead in full.
	lo, hi := s.lo, s.hi
	s.lo, s.hi = from, to
	p.mu.Unlock()
	for u := from; u <= to; u++ {
		if u >= lo && u <= hi {
			continue
		}
		select {
		case p.jobs <- prefetchJob{mbox, u}:
		default:
			return
		}
	}
}

func (p *prefetcher) work(stop <-chan struct{}) {
	ctx := context.Background()
	for {
		select {
		case <-stop:
			return
		case j := <-p.jobs:
			// A UID no message holds is simply not found.
			b, err := p.st.OpenMessage(ctx, store.System(), j.mbox, j.uid)
			if err != nil {
				continue
			}
			if f, ok := b.(interface{ Fd() uintptr }); ok {
				unix.Fadvise(int(f.Fd()), 0, prefetchBytes, unix.FADV_WILLNEED)
			}
			b.Close()
		}
	}
}
