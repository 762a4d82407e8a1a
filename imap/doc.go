// Package imap is mstore's IMAP4rev1 and IMAP4rev2 server. It has its own
// protocol engine (package imap/wire reads commands and writes responses)
// because go-imap's server cannot carry ACL, QUOTA or CONDSTORE; it uses
// go-imap's types and helpers for everything else.
//
// Every mail operation goes through package store with the session's
// store.Caller, so the store decides rights and quotas; this package only
// translates store errors into response codes (errors.go).
//
// # Sessions and concurrency
//
// Each connection is served by one goroutine that reads a command, runs
// it, and writes its responses; nothing of a session is shared with
// another. A session with a selected mailbox keeps its own view of it —
// the list of UIDs that gives its message sequence numbers — and a
// store.Watcher on the mailbox. Changes made by others (other sessions,
// LMTP deliveries, the mount) reach the view as events and are told to the
// client as untagged EXISTS, EXPUNGE and FETCH responses only at the points
// RFC 3501 section 7 allows: EXPUNGE never during FETCH, STORE or SEARCH.
// A session that enabled QRESYNC is told VANISHED instead of EXPUNGE, under
// the same rule (qresync.go).
// During IDLE a second goroutine waits for the client's DONE while the
// session goroutine forwards events as they arrive.
package imap
