package fs

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"mstore/store"
)

// Listing a mailbox directory: ".", "..", the levels below it, then its
// messages in UID order. Messages are read from the store a chunk at a
// time, from a UID cursor, so a listing of 100,000 messages never holds
// more than one chunk. Each entry's offset says where to resume: an index
// for the fixed entries, msgOffset+UID for a message. The entries come
// with their attributes (READDIRPLUS), taken from the same chunk, so ls -l
// needs no further request per message.

const (
	readdirChunk = 1024
	msgOffset    = 1 << 32
)

// OpendirHandle opens a directory for listing. A mailbox needs r (EACCES
// without it); a user's tree, the shared tree and a level that is no
// mailbox list what the caller may see.
func (n *treeNode) OpendirHandle(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	c := n.m.callers.of(ctx)
	if n.id != 0 && !c.IsSystem() {
		info, err := n.m.st.MailboxByID(ctx, c, n.id)
		if err != nil {
			return nil, 0, n.m.errno(ctx, "opendir", err)
		}
		if !info.Rights.Has(store.RightRead) {
			return nil, 0, syscall.EACCES
		}
	}
	lv, canon, err := n.readLevels(ctx, true)
	if err != nil {
		return nil, 0, n.m.errno(ctx, "opendir", err)
	}
	seen, err := n.m.visibleLevels(ctx, c, n.domain, canon)
	if err != nil {
		return nil, 0, n.m.errno(ctx, "opendir", err)
	}
	s := &dirStream{n: n, c: c, canon: canon, levels: map[string]level{}, next: 1}
	s.fixed = append(s.fixed, fuse.DirEntry{Name: ".", Ino: n.StableAttr().Ino, Mode: syscall.S_IFDIR})
	parentIno := uint64(0)
	if _, p := n.Parent(); p != nil {
		parentIno = p.StableAttr().Ino
	}
	s.fixed = append(s.fixed, fuse.DirEntry{Name: "..", Ino: parentIno, Mode: syscall.S_IFDIR})
	for _, l := range lv {
		if seen != nil && !seen[l.name] {
			continue
		}
		num := ino(kindMailbox, l.id)
		if l.id == 0 {
			num = folderIno(n.domainID, canon+store.Delimiter+l.name)
		}
		s.fixed = append(s.fixed, fuse.DirEntry{Name: l.name, Ino: num, Mode: syscall.S_IFDIR})
		s.levels[l.name] = l
	}
	s.hidden = map[string]bool{}
	for _, l := range lv {
		s.hidden[l.name] = true
	}
	return s, 0, 0
}

// dirStream is one open listing. go-fuse serialises the calls on a handle.
type dirStream struct {
	n      *treeNode
	c      store.Caller
	canon  string
	fixed  []fuse.DirEntry  // ".", ".." and the visible levels
	levels map[string]level // the visible levels by name
	hidden map[string]bool  // names of every level: a message so named is hidden
	pos    int              // next fixed entry
	chunk  []store.Message  // messages read and not yet returned
	next   uint32           // the UID to read from
	eof    bool             // no message left to read
	last   *store.Message   // the message returned last, for Lookup
}

func (s *dirStream) Readdirent(ctx context.Context) (*fuse.DirEntry, syscall.Errno) {
	s.last = nil
	if s.pos < len(s.fixed) {
		e := s.fixed[s.pos]
		s.pos++
		e.Off = uint64(s.pos)
		return &e, 0
	}
	if s.n.id == 0 {
		return nil, 0
	}
	for {
		if len(s.chunk) == 0 {
			if s.eof {
				return nil, 0
			}
			if errno := s.read(ctx); errno != 0 {
				return nil, errno
			}
			if len(s.chunk) == 0 {
				return nil, 0
			}
		}
		msg := s.chunk[0]
		s.chunk = s.chunk[1:]
		s.next = msg.UID + 1
		if s.hidden[msg.Name] {
			continue
		}
		s.last = &msg
		return &fuse.DirEntry{Name: msg.Name, Ino: messageIno(s.n.id, msg.UID), Mode: syscall.S_IFREG,
			Off: msgOffset + uint64(msg.UID)}, 0
	}
}

// read fetches the next chunk of messages.
func (s *dirStream) read(ctx context.Context) syscall.Errno {
	buf := make([]store.Message, 0, readdirChunk)
	err := s.n.m.st.Messages(ctx, s.c, s.n.id, s.next, func(msg store.Message) bool {
		buf = append(buf, msg)
		return len(buf) < readdirChunk
	})
	if isNotFound(err) {
		// The mailbox went meanwhile; what is left here is its levels.
		s.chunk, s.eof = nil, true
		return 0
	}
	if err != nil {
		return s.n.m.errno(ctx, "readdir", err)
	}
	s.chunk = buf
	if len(buf) < readdirChunk {
		s.eof = true
	}
	return 0
}

// Lookup gives the entry just listed its node and attributes, from the
// listing itself.
func (s *dirStream) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if s.last != nil && s.last.Name == name {
		return s.n.messageChild(ctx, s.last, out), 0
	}
	if l, ok := s.levels[name]; ok {
		return s.n.levelChild(ctx, s.c, s.canon, l, out)
	}
	return s.n.Lookup(ctx, name, out)
}

func (s *dirStream) Seekdir(ctx context.Context, off uint64) syscall.Errno {
	s.chunk, s.last = nil, nil
	switch {
	case off <= uint64(len(s.fixed)):
		s.pos, s.next, s.eof = int(off), 1, false
	case off >= msgOffset:
		s.pos, s.next, s.eof = len(s.fixed), uint32(off-msgOffset)+1, false
	default:
		return syscall.EINVAL
	}
	return 0
}

func (s *dirStream) Releasedir(ctx context.Context, releaseFlags uint32) {}
