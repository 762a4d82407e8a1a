// Package store owns every byte mstore keeps: the database of domains,
// users, login identifiers, mailboxes, ACLs, quotas and message indexes
// (database/mstore.db, bbolt), and the message files in the partitions.
// Every door — LMTP, IMAP, POP3, the mount, the web page and the command
// line — reaches mail through this package and nothing else, passing a
// Caller; every rule about who may do what (ACL rights, quotas,
// administrator powers) is decided here, and doors only translate the
// error kinds into their own words.
//
// # Layout
//
//	<store>/database/mstore.db   the database
//	<store>/mailstore/XX/YY/<mailbox id>/<uid>.   message files (default partition)
//	<store>/tmp/                 bodies being written
//	<store>/ipc/ etc/ run/       sockets, etc/nologin, the lock and pid file
//
// See docs/file-format.md for the records and keys.
//
// # Concurrency
//
// A Store is safe for concurrent use. One process holds a store (a flock on
// run/lock). Reads are bbolt read transactions and run in parallel. Every
// write goes through one committer goroutine that applies the requests
// waiting at that moment in one transaction (group commit); no message I/O
// happens inside a transaction. An append writes and syncs its body first,
// links it into its mailbox directory under a UID handed out by the
// mailbox's sequencer, and hands its index entry to the committer, which
// syncs the directories of a whole batch once each and then commits the
// batch; the append is acknowledged only after that commit. Change events are published
// after each commit, in commit order.
package store
