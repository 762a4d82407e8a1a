package store

import "sync"

// UIDs are handed out in memory before a message's index entry is written,
// because the body's file is named by its UID and is placed before the
// commit. IMAP needs each new UID to be above every UID a client could
// already have seen, so the commits of one mailbox must go in UID order:
// a sequencer lets each append enter the commit queue only when every
// lower UID has entered it or been abandoned.

type uidSeq struct {
	mu   sync.Mutex // protects next and turn
	cond *sync.Cond
	next uint32 // next UID to hand out; 0 until loaded from the index
	turn uint32 // lowest UID that has neither entered the queue nor been abandoned
}

func (s *Store) seq(mbox uint64) *uidSeq {
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	q := s.seqs[mbox]
	if q == nil {
		q = &uidSeq{}
		q.cond = sync.NewCond(&q.mu)
		s.seqs[mbox] = q
	}
	return q
}

// dropSeq forgets a deleted mailbox's sequencer.
func (s *Store) dropSeq(mbox uint64) {
	s.seqMu.Lock()
	delete(s.seqs, mbox)
	s.seqMu.Unlock()
}

// reserve hands out n consecutive UIDs and returns the first. Every
// reserved range must later go through q.enter, with or without a request.
// A caller that reserves in several mailboxes enters them in ascending
// mailbox order, so two callers never wait on each other.
func (s *Store) reserve(mbox uint64, n uint32) (*uidSeq, uint32, error) {
	q := s.seq(mbox)
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.next == 0 {
		var next uint32
		err := s.meta.View(func(tx metaTx) error {
			mb, err := getMailbox(tx, mbox)
			if err == nil {
				next = mb.UIDNext
			}
			return err
		})
		if err != nil {
			return nil, 0, err
		}
		q.next, q.turn = next, next
	}
	if uint64(q.next)+uint64(n) > 0xffffffff {
		return nil, 0, errorf(KindNotPossible, "mailbox %d has used up its UIDs", mbox)
	}
	first := q.next
	q.next += n
	return q, first, nil
}

// enter waits until every UID below first has entered the commit queue or
// been abandoned, then enqueues r (nil abandons the range).
func (q *uidSeq) enter(s *Store, first, n uint32, r *writeReq) {
	q.mu.Lock()
	for q.turn != first {
		q.cond.Wait()
	}
	if r != nil {
		s.commit.enqueue(r)
	}
	q.turn = first + n
	q.cond.Broadcast()
	q.mu.Unlock()
}

// quiesce runs fn while no UID of the mailbox is in flight and none can be
// handed out; fn returns the mailbox's new UIDNEXT (0: reload it later).
func (s *Store) quiesce(mbox uint64, fn func() (uint32, error)) error {
	q := s.seq(mbox)
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.turn != q.next {
		q.cond.Wait()
	}
	next, err := fn()
	q.next, q.turn = next, next
	return err
}
