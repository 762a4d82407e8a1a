// Package fs is the mounted store: domains, users and mailboxes as
// directories, messages as files, served over FUSE (go-fuse's fs API).
//
//	<mount>/<domain>/users/<user>/<mailbox path>/<name>
//	<mount>/<domain>/shared/<folder path>/<name>
//
// It owns only the translation between system calls and store calls:
// every rule about who may do what is decided by package store for the
// caller that each request maps to (see caller.go), and every store error
// kind becomes one errno (errno.go). docs/mount.md describes the mount as
// its users see it.
//
// # Nodes
//
// One node type per level, each embedding fs.Inode: rootNode, domainNode,
// usersNode, userNode, sharedNode, mailboxNode (a mailbox, or a level that
// is no mailbox but has mailboxes below it), messageNode. The user, shared
// and mailbox directories share treeNode, a directory of mailbox levels.
// Shared state (the store, the options, the caller cache) hangs off Mounted.
// Children are looked up in the store on demand. Nothing of the tree is
// kept beyond the nodes the kernel holds, the levels below each directory
// node (dropped whenever a store event changes the mailbox tree), the
// names of the messages the kernel was given (to take them back when they
// are expunged), and the list of domains for a second.
//
// # Inode numbers
//
// Inode numbers are derived from store ids, so they are stable across
// remounts and, since the store never reuses an id or a UID, never reused:
//
//	bit 63 = 1: a message
//	    bits 62..32  mailbox id (31 bits)
//	    bits 31..0   UID
//	bit 63 = 0: anything else
//	    bits 62..56  kind: 1 domain, 2 its "users" directory, 3 its
//	                 "shared" directory, 4 user, 5 mailbox, 6 a level
//	                 that is no mailbox, 7 a file being written
//	    bits 55..0   id: the domain id (kinds 1-3), the user id (4), the
//	                 mailbox id (5), 56 bits of an FNV-1a hash of the
//	                 domain id and the level's canonical name (6), a
//	                 counter of this process (7)
//	1: the root
//
// A level that is no mailbox has no id of its own; its number is stable
// as long as its name is. A file being written has a number of its own
// until it is stored; from then on a lookup gives the message's. Mailbox
// ids above 2^31-1 do not fit and are folded (their messages' numbers can
// then collide); the store would need two billion mailboxes to get there.
//
// # Concurrency
//
// go-fuse calls every node method from its own goroutine. Each node guards
// its mutable fields with its own mutex (documented beside them); no store
// call or kernel notification is made while one is held. Store events are
// turned into kernel cache invalidations (NotifyEntry, NotifyDelete,
// NotifyContent) by one goroutine (notify.go) that holds no lock while it
// calls into the kernel, as go-fuse requires.
package fs
