package store

import (
	"bytes"
	"context"
	"io"
	"sort"
	"sync"
	"time"
)

// The two-phase delivery used alike by LMTP, APPEND, `mstore deliver` and a
// file written into the mount: Stage writes the body once, normalised to
// CRLF, syncs it and parses it; Commit places it in every target mailbox
// (one hard link each where the partition allows), syncs their
// directories, and commits the index with one result per target. Nothing is
// acknowledged before its index entry is durable.

// StageOptions shape a staged message.
type StageOptions struct {
	Date      time.Time // internal date; zero means now
	MaxSize   int64     // refuse bigger messages (0: the store's limit)
	Partition string    // where the first target lives, to stage beside it ("" : the default partition)
	// Header is written before the message and not counted against
	// MaxSize: the trace fields a door adds, which the sender's size
	// does not include.
	Header []byte
}

// Staged is a message body on disk, synced, parsed, in no mailbox yet.
type Staged struct {
	s      *Store
	t      tempBlob
	date   time.Time
	struc  []byte // encoded Structure
	closed bool
}

// record is the index record of the staged message stored by c in mb,
// with the flags asked for that c may set; seen says \Seen is kept as c's
// own.
func (st *Staged) record(c Caller, mb *mailboxRec, flags []string) (rec msgRec, seen bool, err error) {
	bits, kw, err := parseFlags(flags)
	if err != nil {
		return msgRec{}, false, err
	}
	bits, kw, seen = allowedFlags(c, mb, bits, kw)
	rec = msgRec{Flags: bits, Keywords: kw, Date: st.date.UnixNano(), Size: st.t.size}
	_, rec.Zone = zoneOf(st.date)
	return rec, seen, nil
}

// Size is the stored size: the message's octets with CRLF line ends.
func (st *Staged) Size() int64 { return st.t.size }

// Close removes the staged body; placed copies stay.
func (st *Staged) Close() error {
	if st.closed {
		return nil
	}
	st.closed = true
	return st.s.blobs.Discard(st.t)
}

// captureMax is how much of a message is kept in memory to parse it
// without reading the file back.
const captureMax = 256 << 10

// Stage writes a message body. It fails with KindTooBig, storing nothing,
// when the message passes the size limit.
func (s *Store) Stage(ctx context.Context, r io.Reader, opts StageOptions) (*Staged, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	if opts.MaxSize <= 0 || opts.MaxSize > s.opts.MaxMessageSize {
		opts.MaxSize = s.opts.MaxMessageSize
	}
	if opts.Date.IsZero() {
		opts.Date = time.Now()
	}
	if opts.Partition == "" {
		opts.Partition = s.choosePartitionDefault()
	}
	in := &stageReader{src: r, head: opts.Header, max: opts.MaxSize + int64(len(opts.Header))}
	in.in = stageBuffers.Get().(*[]byte)
	in.capture = (*captureBuffers.Get().(*[]byte))[:0]
	defer in.release()
	t, err := s.blobs.Stage(opts.Partition, in, opts.Date)
	if err != nil {
		return nil, err
	}
	st := &Staged{s: s, t: t, date: opts.Date}
	var ra io.ReaderAt
	if !in.overflow {
		ra = bytes.NewReader(in.capture)
	} else {
		ra = s.blobs.ReadTemp(t)
	}
	st.struc = parseMessage(ra, t.size).encode()
	return st, nil
}

// Staging buffers are pooled: every delivery needs them for a moment.
var (
	stageBuffers   = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}
	captureBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}
)

func (r *stageReader) release() {
	if r.in != nil {
		stageBuffers.Put(r.in)
		r.in = nil
	}
	if c := r.capture; cap(c) > 0 && cap(c) <= captureMax {
		c = c[:0]
		captureBuffers.Put(&c)
	}
	r.capture = nil
}

func (s *Store) choosePartitionDefault() string {
	for _, p := range s.parts {
		if p == DefaultPartition {
			return p
		}
	}
	return s.parts[0]
}

// stageReader turns bare LF into CRLF, refuses to pass max octets, and
// keeps the first captureMax octets for the parser. The head goes out with
// the first octets of the message, so that a small message is written to
// its file in one call.
type stageReader struct {
	src      io.Reader
	head     []byte
	max      int64
	n        int64
	prevCR   bool
	in       *[]byte // pooled read buffer
	out      []byte  // normalised, not yet read
	capture  []byte
	overflow bool
	err      error
}

func (r *stageReader) Read(p []byte) (int, error) {
	for len(r.out) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.in == nil {
			b := make([]byte, 32<<10)
			r.in = &b
		}
		in := *r.in
		k, err := r.src.Read(in)
		if err != nil {
			r.err = err
		}
		// Normalise straight into the capture while the message fits
		// there; past that, reuse its buffer for each chunk.
		start := len(r.capture)
		if r.overflow {
			start = 0
		}
		buf := r.normalize(r.normalize(r.capture[:start], r.head), in[:k])
		r.head = nil
		r.capture, r.out = buf, buf[start:]
		r.n += int64(len(r.out))
		if r.n > r.max {
			r.out = nil
			r.err = errorf(KindTooBig, "message larger than %d octets", r.max)
			return 0, r.err
		}
		if len(buf) > captureMax {
			r.overflow = true
		}
	}
	n := copy(p, r.out)
	r.out = r.out[n:]
	return n, nil
}

func (r *stageReader) normalize(dst, src []byte) []byte {
	for len(src) > 0 {
		i := bytes.IndexByte(src, '\n')
		if i < 0 {
			dst = append(dst, src...)
			r.prevCR = src[len(src)-1] == '\r'
			return dst
		}
		dst = append(dst, src[:i]...)
		prev := r.prevCR
		if i > 0 {
			prev = src[i-1] == '\r'
		}
		if !prev {
			dst = append(dst, '\r')
		}
		dst = append(dst, '\n')
		r.prevCR = false
		src = src[i+1:]
	}
	return dst
}

// Target is one mailbox a staged message goes to.
type Target struct {
	Caller  Caller // whose rights apply
	Mailbox MailboxName
	// Need is the right the caller must hold: RightInsert for APPEND and
	// COPY, RightPost for a delivery to a folder, 0 for a delivery to a
	// user's own INBOX.
	Need  Rights
	Flags []string
	Name  string // name in the mount; "" for "<uid>.eml"
}

// Result is the outcome for one target.
type Result struct {
	MailboxID   uint64
	UIDValidity uint32
	UID         uint32
	Err         error
}

// Commit stores the staged message in every target and returns one result
// per target, in order. A target that fails (no such mailbox, no right,
// over quota) stores nothing and does not affect the others.
func (st *Staged) Commit(ctx context.Context, targets []Target) []Result {
	s := st.s
	results := make([]Result, len(targets))
	type job struct {
		i    int
		mb   *mailboxRec
		rec  msgRec
		seen bool // \Seen kept privately for a reader who is not the owner
		q    *uidSeq
		uid  uint32
	}
	var jobs []*job
	err := s.meta.View(func(tx metaTx) error {
		pre := &wtx{s: s}
		pre.reset(tx)
		for i, t := range targets {
			mb, err := getMailboxByName(tx, t.Mailbox)
			if err == nil && t.Need != 0 {
				err = need(t.Caller, mb, t.Need, "store messages")
			}
			if err == nil {
				err = checkQuota(pre, mb, st.t.size, 1)
			}
			if err != nil {
				results[i].Err = err
				continue
			}
			results[i].MailboxID, results[i].UIDValidity = mb.ID, mb.UIDValidity
			j := &job{i: i, mb: mb}
			if j.rec, j.seen, err = st.record(t.Caller, mb, t.Flags); err != nil {
				results[i].Err = err
				continue
			}
			jobs = append(jobs, j)
		}
		return nil
	})
	if err != nil {
		for i := range results {
			results[i].Err = internalErr(err, "read mailboxes")
		}
		return results
	}
	// Reserve and enter in ascending mailbox order (see reserve).
	sort.SliceStable(jobs, func(a, b int) bool { return jobs[a].mb.ID < jobs[b].mb.ID })
	placed := jobs[:0]
	for _, j := range jobs {
		q, uid, err := s.reserve(j.mb.ID, 1)
		if err != nil {
			results[j.i].Err = err
			continue
		}
		j.q, j.uid = q, uid
		if err := s.blobs.Place(st.t, j.mb.Partition, j.mb.ID, uid); err != nil {
			q.enter(s, uid, 1, nil)
			results[j.i].Err = err
			continue
		}
		placed = append(placed, j)
	}
	reqs := make([]*writeReq, len(placed))
	for k, j := range placed {
		j := j
		t := targets[j.i]
		res := &results[j.i]
		rec := j.rec
		reqs[k] = &writeReq{apply: func(w *wtx) error {
			res.Err = nil
			mb, err := w.mailbox(j.mb.ID)
			var shown string
			if err == nil {
				shown, rec.Name, err = chooseName(w.tx, mb.ID, j.uid, t.Name)
			}
			if err == nil {
				err = chargeQuota(w, mb, rec.Size, 1, true)
			}
			if err != nil {
				res.Err = err
				return nil
			}
			return insertMessage(w, mb, j.uid, rec, shown, st.struc, t.Caller, j.seen)
		}, dirs: []mailboxDir{{j.mb.Partition, j.mb.ID}}}
		j.q.enter(s, j.uid, 1, reqs[k])
	}
	for k, j := range placed {
		r := reqs[k]
		<-r.done
		res := &results[j.i]
		if r.err != nil && res.Err == nil {
			res.Err = r.err
		}
		if res.Err != nil {
			s.blobs.Remove(j.mb.Partition, j.mb.ID, j.uid)
			continue
		}
		res.UID = j.uid
		s.stats.Appends.Add(1)
	}
	return results
}

func zoneOf(t time.Time) (string, int32) {
	name, off := t.Zone()
	return name, int32(off)
}

// insertMessage adds a message's index entry under the name chooseName
// gave it and updates its mailbox.
func insertMessage(w *wtx, mb *mailboxRec, uid uint32, rec msgRec, name string, struc []byte, c Caller, privSeen bool) error {
	mb.HighestModSeq++
	rec.ModSeq = mb.HighestModSeq
	if err := w.tx.Put(bMessages, msgKey(mb.ID, uid), rec.encode()); err != nil {
		return err
	}
	if err := putName(w.tx, mb.ID, name, uid); err != nil {
		return err
	}
	if struc != nil {
		if err := w.tx.Put(bMsgCache, msgKey(mb.ID, uid), struc); err != nil {
			return err
		}
	}
	if privSeen {
		if err := w.tx.Put(bSeen, seenKey(mb.ID, c.UserID(), uid), nil); err != nil {
			return err
		}
	}
	mb.Messages++
	if rec.Flags&flagSeen == 0 {
		mb.Unseen++
	}
	if rec.Flags&flagDeleted != 0 {
		mb.Deleted++
	}
	mb.Size += uint64(rec.Size)
	if uid >= mb.UIDNext {
		mb.UIDNext = uid + 1
	}
	mb.Keywords = mergeKeywords(mb.Keywords, rec.Keywords)
	w.markMailbox(mb)
	w.emit(Event{Kind: EventAppend, Mailbox: mb.ID, Name: mb.name(), UIDs: []uint32{uid}, ModSeq: mb.HighestModSeq})
	return nil
}

// AppendOptions shape an append.
type AppendOptions struct {
	Flags []string
	Date  time.Time
	Name  string // name in the mount
}

// Append stores one message in one mailbox (right i), the IMAP APPEND.
func (s *Store) Append(ctx context.Context, c Caller, n MailboxName, r io.Reader, opts AppendOptions) (Result, error) {
	name, err := checkMailboxName(n.Name)
	if err != nil {
		return Result{}, err
	}
	n.Name = name
	// Refuse before reading the body when the answer is already known.
	part := ""
	err = s.meta.View(func(tx metaTx) error {
		mb, err := getMailboxByName(tx, n)
		if err != nil {
			return err
		}
		part = mb.Partition
		return need(c, mb, RightInsert, "append messages")
	})
	if err != nil {
		return Result{}, err
	}
	if r == nil {
		r = bytes.NewReader(nil)
	}
	st, err := s.Stage(ctx, r, StageOptions{Date: opts.Date, Partition: part})
	if err != nil {
		return Result{}, err
	}
	defer st.Close()
	res := st.Commit(ctx, []Target{{Caller: c, Mailbox: n, Need: RightInsert, Flags: opts.Flags, Name: opts.Name}})[0]
	return res, res.Err
}

// Batch is one message of CommitBatch.
type Batch struct {
	Staged *Staged
	Flags  []string
}

// BatchResult gives the UIDs a CommitBatch assigned, in order.
type BatchResult struct {
	MailboxID   uint64
	UIDValidity uint32
	UIDs        []uint32
}

// CommitBatch stores several staged messages in one mailbox in one
// transaction: all of them or, on any refusal (rights, quota, a mailbox
// gone), none. IMAP's MULTIAPPEND needs that.
func (s *Store) CommitBatch(ctx context.Context, t Target, msgs []Batch) (BatchResult, error) {
	if len(msgs) == 0 {
		return BatchResult{}, nil
	}
	name, err := checkMailboxName(t.Mailbox.Name)
	if err != nil {
		return BatchResult{}, err
	}
	t.Mailbox.Name = name
	type item struct {
		rec  msgRec
		seen bool
	}
	items := make([]item, len(msgs))
	var total int64
	var mb *mailboxRec
	err = s.meta.View(func(tx metaTx) error {
		if mb, err = getMailboxByName(tx, t.Mailbox); err != nil {
			return err
		}
		if t.Need != 0 {
			if err := need(t.Caller, mb, t.Need, "store messages"); err != nil {
				return err
			}
		}
		for i, m := range msgs {
			rec, seen, err := m.Staged.record(t.Caller, mb, m.Flags)
			if err != nil {
				return err
			}
			items[i] = item{rec: rec, seen: seen}
			total += m.Staged.t.size
		}
		pre := &wtx{s: s}
		pre.reset(tx)
		return checkQuota(pre, mb, total, int64(len(msgs)))
	})
	if err != nil {
		return BatchResult{}, err
	}
	n := uint32(len(msgs))
	q, first, err := s.reserve(mb.ID, n)
	if err != nil {
		return BatchResult{}, err
	}
	removePlaced := func(k int) {
		for i := 0; i < k; i++ {
			s.blobs.Remove(mb.Partition, mb.ID, first+uint32(i))
		}
	}
	for i, m := range msgs {
		if err = s.blobs.Place(m.Staged.t, mb.Partition, mb.ID, first+uint32(i)); err != nil {
			q.enter(s, first, n, nil)
			removePlaced(i)
			return BatchResult{}, err
		}
	}
	r := &writeReq{dirs: []mailboxDir{{mb.Partition, mb.ID}}, apply: func(w *wtx) error {
		cur, err := w.mailbox(mb.ID)
		if err != nil {
			return err
		}
		// Refusals come before any write, so a failed batch leaves nothing.
		if err := chargeQuota(w, cur, total, int64(n), true); err != nil {
			return err
		}
		for i, it := range items {
			uid := first + uint32(i)
			shown, recorded, err := chooseName(w.tx, cur.ID, uid, "")
			if err != nil {
				return err
			}
			it.rec.Name = recorded
			if err := insertMessage(w, cur, uid, it.rec, shown, msgs[i].Staged.struc, t.Caller, it.seen); err != nil {
				return err
			}
		}
		return nil
	}}
	q.enter(s, first, n, r)
	<-r.done
	if r.err != nil {
		removePlaced(len(msgs))
		return BatchResult{}, r.err
	}
	res := BatchResult{MailboxID: mb.ID, UIDValidity: mb.UIDValidity}
	for i := uint32(0); i < n; i++ {
		res.UIDs = append(res.UIDs, first+i)
	}
	s.stats.Appends.Add(uint64(n))
	return res, nil
}
