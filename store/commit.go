package store

import (
	"sync"
)

// Every write to the database goes through one committer goroutine, which
// gathers the requests that arrive while a commit is running and applies
// them together in the next transaction: one commit (two fsyncs) serves
// every append that waited for it. An idle committer commits at once, so a
// single writer pays no added delay.
//
// This replaces bbolt's Batch, which delays every call by up to its batch
// interval and, when one call fails, re-runs that call alone after the
// others — which could commit a lower UID after a higher one.

type writeReq struct {
	apply func(w *wtx) error
	// dirs are mailbox directories where this request placed message
	// files: the committer syncs each once per batch, before the
	// transaction, so the files are durable before the index names them.
	dirs []mailboxDir
	// Filled by the committer:
	events []Event
	err    error
	done   chan struct{}
}

type committer struct {
	s    *Store
	wake chan struct{}

	mu      sync.Mutex  // protects queue and stopped
	queue   []*writeReq // waiting for the next transaction, in arrival order
	stopped bool

	exited chan struct{}
}

func newCommitter(s *Store) *committer {
	c := &committer{s: s, wake: make(chan struct{}, 1), exited: make(chan struct{})}
	go c.run()
	return c
}

// enqueue adds a request without waiting for it; requests are applied in the
// order they were enqueued.
func (c *committer) enqueue(r *writeReq) {
	r.done = make(chan struct{})
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		r.err = errorf(KindTemporary, "store is closed")
		close(r.done)
		return
	}
	c.queue = append(c.queue, r)
	select { // under mu: stop closes wake under mu too
	case c.wake <- struct{}{}:
	default:
	}
	c.mu.Unlock()
}

// write applies fn in a transaction and waits for it to be durable.
func (s *Store) write(fn func(w *wtx) error) error {
	r := &writeReq{apply: fn}
	s.commit.enqueue(r)
	<-r.done
	return r.err
}

func (c *committer) run() {
	defer close(c.exited)
	for range c.wake {
		for {
			c.mu.Lock()
			batch := c.queue
			c.queue = nil
			c.mu.Unlock()
			if len(batch) == 0 {
				break
			}
			c.commitBatch(batch)
		}
	}
}

// mailboxDir names a mailbox's directory in its partition.
type mailboxDir struct {
	part string
	mbox uint64
}

// syncDirs syncs, once each, the directories the batch placed files in,
// and fails (and drops) the requests whose directory could not be synced.
// Doing it here rather than in each appender lets one sync serve a whole
// batch, and puts no extra wait on an append's path.
func (c *committer) syncDirs(batch []*writeReq) []*writeReq {
	errs := map[mailboxDir]error{}
	for _, r := range batch {
		for _, d := range r.dirs {
			if _, ok := errs[d]; !ok {
				errs[d] = c.s.blobs.SyncMailbox(d.part, d.mbox)
			}
		}
	}
	if len(errs) == 0 {
		return batch
	}
	kept := batch[:0]
	for _, r := range batch {
		var err error
		for _, d := range r.dirs {
			if err == nil {
				err = errs[d]
			}
		}
		if err != nil {
			r.err = err
			close(r.done)
			continue
		}
		kept = append(kept, r)
	}
	return kept
}

// commitBatch applies every request in one transaction. A request that
// returns an error may have written part of its work, so the transaction is
// rolled back and the batch applied again without it: its error stands, as
// if it had run alone at that point.
func (c *committer) commitBatch(batch []*writeReq) {
	batch = c.syncDirs(batch)
	for len(batch) > 0 {
		failed := -1
		w := &wtx{s: c.s}
		err := c.s.meta.Update(func(tx metaTx) error {
			w.reset(tx)
			for i, r := range batch {
				w.events = nil
				if err := r.apply(w); err != nil {
					failed = i
					r.err = err
					return err
				}
				r.events = w.events
			}
			return w.flush()
		})
		if failed >= 0 {
			close(batch[failed].done)
			batch = append(batch[:failed:failed], batch[failed+1:]...)
			continue
		}
		c.s.stats.Commits.Add(1)
		for _, r := range batch {
			if err != nil {
				r.err = internalErr(err, "commit")
			} else {
				c.s.events.publish(r.events)
			}
			close(r.done)
		}
		return
	}
}

// stop lets queued requests finish, then ends the goroutine; later writes
// fail with KindTemporary.
func (c *committer) stop() {
	c.mu.Lock()
	if !c.stopped {
		c.stopped = true
		close(c.wake) // run drains the queue, then returns
	}
	c.mu.Unlock()
	<-c.exited
}

// wtx is a write transaction shared by a batch of requests. It caches the
// mailbox and quota records the batch touches, so sixteen appends to one
// mailbox decode and encode its record once.
type wtx struct {
	s         *Store
	tx        metaTx
	mailboxes map[uint64]*mailboxRec // decoded on first use
	dirtyMbox map[uint64]bool
	quotas    map[string]*quotaRec // by quota key; nil value: no such root
	dirtyQ    map[string]bool
	events    []Event // of the request being applied
}

func (w *wtx) reset(tx metaTx) {
	w.tx = tx
	w.mailboxes = map[uint64]*mailboxRec{}
	w.dirtyMbox = map[uint64]bool{}
	w.quotas = map[string]*quotaRec{}
	w.dirtyQ = map[string]bool{}
}

func (w *wtx) emit(e Event) { w.events = append(w.events, e) }

// mailbox returns the cached record; changes to it are written at the end of
// the batch once markMailbox was called.
func (w *wtx) mailbox(id uint64) (*mailboxRec, error) {
	if mb, ok := w.mailboxes[id]; ok {
		if mb == nil {
			return nil, errorf(KindNotFound, "mailbox %d does not exist", id)
		}
		return mb, nil
	}
	v := w.tx.Get(bMailboxes, be64(id))
	if v == nil {
		w.mailboxes[id] = nil
		return nil, errorf(KindNotFound, "mailbox %d does not exist", id)
	}
	mb, err := decodeMailbox(v)
	if err != nil {
		return nil, internalErr(err, "decode mailbox")
	}
	w.mailboxes[id] = mb
	return mb, nil
}

// mailboxNamed returns a mailbox by name for a change that needs right
// (what says which change, for the error).
func (w *wtx) mailboxNamed(c Caller, n MailboxName, right Rights, what string) (*mailboxRec, error) {
	id, ok := mailboxIDByName(w.tx, n)
	if !ok {
		return nil, errorf(KindNotFound, "mailbox %s does not exist", n)
	}
	mb, err := w.mailbox(id)
	if err != nil {
		return nil, err
	}
	if err := need(c, mb, right, what); err != nil {
		return nil, err
	}
	return mb, nil
}

func (w *wtx) markMailbox(mb *mailboxRec) {
	w.mailboxes[mb.ID] = mb
	w.dirtyMbox[mb.ID] = true
}

func (w *wtx) forgetMailbox(id uint64) {
	w.mailboxes[id] = nil
	delete(w.dirtyMbox, id)
}

func (w *wtx) quota(key string) (*quotaRec, error) {
	if q, ok := w.quotas[key]; ok {
		return q, nil
	}
	v := w.tx.Get(bQuota, []byte(key))
	if v == nil {
		w.quotas[key] = nil
		return nil, nil
	}
	q, err := decodeQuota(v)
	if err != nil {
		return nil, internalErr(err, "decode quota")
	}
	w.quotas[key] = q
	return q, nil
}

func (w *wtx) markQuota(key string, q *quotaRec) {
	w.quotas[key] = q
	w.dirtyQ[key] = true
}

func (w *wtx) flush() error {
	for id := range w.dirtyMbox {
		if mb := w.mailboxes[id]; mb != nil {
			if err := w.tx.Put(bMailboxes, be64(id), mb.encode()); err != nil {
				return err
			}
		}
	}
	for key := range w.dirtyQ {
		q := w.quotas[key]
		var err error
		if q == nil {
			err = w.tx.Delete(bQuota, []byte(key))
		} else {
			err = w.tx.Put(bQuota, []byte(key), q.encode())
		}
		if err != nil {
			return err
		}
	}
	return nil
}
