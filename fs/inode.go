package fs

import (
	"encoding/binary"
	"hash/fnv"
)

// Inode numbers; the layout is in the package comment.

type inoKind uint64

const (
	kindRoot    inoKind = 0
	kindDomain  inoKind = 1
	kindUsers   inoKind = 2
	kindShared  inoKind = 3
	kindUser    inoKind = 4
	kindMailbox inoKind = 5
	kindFolder  inoKind = 6
	kindUpload  inoKind = 7

	kindShift  = 56
	idMask     = 1<<kindShift - 1
	messageBit = 1 << 63
	mboxBits   = 31
	mboxMask   = 1<<mboxBits - 1

	rootIno = 1
)

// ino is the number of a directory or of a file being written.
func ino(kind inoKind, id uint64) uint64 {
	return uint64(kind)<<kindShift | id&idMask
}

// messageIno is the number of a stored message.
func messageIno(mbox uint64, uid uint32) uint64 {
	return messageBit | (mbox&mboxMask)<<32 | uint64(uid)
}

// folderIno is the number of a level that is no mailbox: a hash of the
// domain id and the level's canonical name ("user/joe/archive").
func folderIno(domainID uint64, name string) uint64 {
	h := fnv.New64a()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], domainID)
	h.Write(b[:])
	h.Write([]byte(name))
	return ino(kindFolder, h.Sum64())
}

// splitIno takes a number apart, for tests and debugging: the kind, the id
// (the mailbox id for a message) and the UID of a message.
func splitIno(n uint64) (kind inoKind, id uint64, uid uint32) {
	if n&messageBit != 0 {
		return kindMailbox, n >> 32 & mboxMask, uint32(n)
	}
	return inoKind(n >> kindShift), n & idMask, 0
}
