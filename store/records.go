package store

import (
	"encoding/binary"
	"time"
)

// Database records and their keys. Every record starts with a version byte;
// decoders accept every version up to the current one.

type domainRec struct {
	ID      uint64
	Name    string
	Created int64 // unix seconds
}

func (r *domainRec) encode() []byte {
	e := encoder{b: []byte{1}}
	e.u(r.ID)
	e.s(r.Name)
	e.i(r.Created)
	return e.b
}

func decodeDomain(b []byte) (*domainRec, error) {
	d := decoder{b: b}
	d.version(1)
	r := &domainRec{ID: d.u(), Name: d.s(), Created: d.i()}
	return r, d.err
}

type userRec struct {
	ID      uint64
	Name    string // "joe@foo.com"
	Created int64
}

func (r *userRec) encode() []byte {
	e := encoder{b: []byte{1}}
	e.u(r.ID)
	e.s(r.Name)
	e.i(r.Created)
	return e.b
}

func decodeUser(b []byte) (*userRec, error) {
	d := decoder{b: b}
	d.version(1)
	r := &userRec{ID: d.u(), Name: d.s(), Created: d.i()}
	return r, d.err
}

// Credentials are what a login identifier keeps to check a password: a
// strong hash, and, when the mechanisms are enabled, the secrets CRAM-MD5 and
// SCRAM-SHA-256 need. The store keeps them as given; package auth makes and
// checks them.
type Credentials struct {
	Hash        string
	CramMD5     string
	ScramSHA256 string
}

type authIDRec struct {
	Login  string
	UserID uint64
	Creds  Credentials
}

func (r *authIDRec) encode() []byte {
	e := encoder{b: []byte{1}}
	e.s(r.Login)
	e.u(r.UserID)
	e.s(r.Creds.Hash)
	e.s(r.Creds.CramMD5)
	e.s(r.Creds.ScramSHA256)
	return e.b
}

func decodeAuthID(b []byte) (*authIDRec, error) {
	d := decoder{b: b}
	d.version(1)
	r := &authIDRec{Login: d.s(), UserID: d.u()}
	r.Creds = Credentials{Hash: d.s(), CramMD5: d.s(), ScramSHA256: d.s()}
	return r, d.err
}

// Special-use attributes of RFC 6154, as a set.
type SpecialUse uint8

const (
	UseAll SpecialUse = 1 << iota
	UseArchive
	UseDrafts
	UseFlagged
	UseJunk
	UseSent
	UseTrash
)

var specialUseNames = []struct {
	u    SpecialUse
	name string
}{
	{UseAll, `\All`}, {UseArchive, `\Archive`}, {UseDrafts, `\Drafts`}, {UseFlagged, `\Flagged`},
	{UseJunk, `\Junk`}, {UseSent, `\Sent`}, {UseTrash, `\Trash`},
}

// ParseSpecialUse reads one attribute name such as `\Sent` (case-insensitive,
// the backslash optional).
func ParseSpecialUse(s string) (SpecialUse, error) {
	for _, n := range specialUseNames {
		if equalFoldNoSlash(n.name, s) {
			return n.u, nil
		}
	}
	return 0, errorf(KindInvalid, "special-use attribute %q: want one of \\All \\Archive \\Drafts \\Flagged \\Junk \\Sent \\Trash", s)
}

func equalFoldNoSlash(name, s string) bool {
	if len(s) > 0 && s[0] == '\\' {
		s = s[1:]
	}
	name = name[1:]
	if len(name) != len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		a, b := name[i]|0x20, s[i]|0x20
		if a != b {
			return false
		}
	}
	return true
}

// Names lists the attributes, each with its backslash.
func (u SpecialUse) Names() []string {
	var out []string
	for _, n := range specialUseNames {
		if u&n.u != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

type mailboxRec struct {
	ID            uint64
	Domain        string
	Name          string // canonical
	Owner         uint64 // user id; 0 for a shared folder
	Partition     string
	UIDValidity   uint32
	UIDNext       uint32
	HighestModSeq uint64
	SpecialUse    SpecialUse
	ACL           ACL
	Keywords      []string // every keyword ever set here, for the FLAGS response
	Messages      uint32
	Unseen        uint32 // unseen by the owner (by nobody in particular for shared folders)
	Deleted       uint32 // messages with \Deleted
	Size          uint64 // octets
	Created       int64
	// VanishedFloor is the modseq above which every expunge left a
	// tombstone (vanished.go); 0 for a mailbox that always had them. A
	// mailbox from before tombstones (a version 1 record) reads with its
	// floor at its HIGHESTMODSEQ: its expunges so far left none. Vanished
	// answers a question about an older modseq from the UIDs alone.
	VanishedFloor uint64
}

func (r *mailboxRec) encode() []byte {
	e := encoder{b: make([]byte, 0, 128)}
	e.b = append(e.b, 2)
	e.u(r.ID)
	e.s(r.Domain)
	e.s(r.Name)
	e.u(r.Owner)
	e.s(r.Partition)
	e.u(uint64(r.UIDValidity))
	e.u(uint64(r.UIDNext))
	e.u(r.HighestModSeq)
	e.u(uint64(r.SpecialUse))
	e.u(uint64(len(r.ACL)))
	for _, a := range r.ACL {
		e.s(a.Identifier)
		e.bool(a.Negative)
		e.u(uint64(a.Rights))
	}
	e.strs(r.Keywords)
	e.u(uint64(r.Messages))
	e.u(uint64(r.Unseen))
	e.u(uint64(r.Deleted))
	e.u(r.Size)
	e.i(r.Created)
	e.u(r.VanishedFloor)
	return e.b
}

func decodeMailbox(b []byte) (*mailboxRec, error) {
	d := decoder{b: b}
	v := d.version(2)
	r := &mailboxRec{ID: d.u(), Domain: d.s(), Name: d.s(), Owner: d.u(), Partition: d.s()}
	r.UIDValidity = uint32(d.u())
	r.UIDNext = uint32(d.u())
	r.HighestModSeq = d.u()
	r.SpecialUse = SpecialUse(d.u())
	n := d.u()
	if n > uint64(len(d.b)) {
		d.fail()
	}
	for i := uint64(0); i < n && d.err == nil; i++ {
		r.ACL = append(r.ACL, ACLEntry{Identifier: d.s(), Negative: d.bool(), Rights: Rights(d.u())})
	}
	r.Keywords = d.strs()
	r.Messages = uint32(d.u())
	r.Unseen = uint32(d.u())
	r.Deleted = uint32(d.u())
	r.Size = d.u()
	r.Created = d.i()
	if v >= 2 {
		r.VanishedFloor = d.u()
	} else {
		// Nothing changes HIGHESTMODSEQ without writing the record, so
		// this is the modseq at which the mailbox began to keep
		// tombstones, and the first write keeps it.
		r.VanishedFloor = r.HighestModSeq
	}
	return r, d.err
}

func (r *mailboxRec) name() MailboxName { return MailboxName{Domain: r.Domain, Name: r.Name} }

// System flags, as bits in a message record.
type sysFlags uint8

const (
	flagSeen sysFlags = 1 << iota
	flagAnswered
	flagFlagged
	flagDeleted
	flagDraft
)

// msgRec is the light part of a message's index entry: everything SELECT,
// FETCH FLAGS and SEARCH on flags need, without the parsed structure.
type msgRec struct {
	Flags    sysFlags
	Keywords []string
	Date     int64 // internal date, unix nanoseconds
	Zone     int32 // internal date's zone offset in seconds east of UTC
	Size     int64
	ModSeq   uint64
	Name     string // name in the mount when not "<uid>.eml"
}

func (r *msgRec) encode() []byte {
	e := encoder{b: make([]byte, 0, 40)}
	e.b = append(e.b, 1, byte(r.Flags))
	e.strs(r.Keywords)
	e.i(r.Date)
	e.i(int64(r.Zone))
	e.i(r.Size)
	e.u(r.ModSeq)
	e.s(r.Name)
	return e.b
}

func decodeMsg(b []byte) (msgRec, error) {
	d := decoder{b: b}
	d.version(1)
	var r msgRec
	if len(d.b) > 0 {
		r.Flags = sysFlags(d.b[0])
		d.b = d.b[1:]
	} else {
		d.fail()
	}
	r.Keywords = d.strs()
	r.Date = d.i()
	r.Zone = int32(d.i())
	r.Size = d.i()
	r.ModSeq = d.u()
	r.Name = d.s()
	return r, d.err
}

func (r *msgRec) internalDate() time.Time {
	return time.Unix(0, r.Date).In(time.FixedZone("", int(r.Zone)))
}

func msgKey(mbox uint64, uid uint32) []byte {
	k := make([]byte, 12)
	binary.BigEndian.PutUint64(k, mbox)
	binary.BigEndian.PutUint32(k[8:], uid)
	return k
}

func uidOfKey(k []byte) uint32 { return binary.BigEndian.Uint32(k[len(k)-4:]) }

func seenKey(mbox, user uint64, uid uint32) []byte {
	k := make([]byte, 20)
	binary.BigEndian.PutUint64(k, mbox)
	binary.BigEndian.PutUint64(k[8:], user)
	binary.BigEndian.PutUint32(k[16:], uid)
	return k
}

func seenPrefix(mbox, user uint64) []byte { return seenKey(mbox, user, 0)[:16] }

// Quota limits and usage of one root. A limit below zero means none.
type quotaRec struct {
	StorageLimit int64 // KiB
	MessageLimit int64
	UsedBytes    int64
	UsedMessages int64
}

func (r *quotaRec) encode() []byte {
	e := encoder{b: []byte{1}}
	e.i(r.StorageLimit)
	e.i(r.MessageLimit)
	e.i(r.UsedBytes)
	e.i(r.UsedMessages)
	return e.b
}

func decodeQuota(b []byte) (*quotaRec, error) {
	d := decoder{b: b}
	d.version(1)
	r := &quotaRec{StorageLimit: d.i(), MessageLimit: d.i(), UsedBytes: d.i(), UsedMessages: d.i()}
	return r, d.err
}

func nameKey(domain, name string) []byte {
	k := make([]byte, 0, len(domain)+1+len(name))
	k = append(k, domain...)
	k = append(k, 0)
	return append(k, name...)
}
