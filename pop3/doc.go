// Package pop3 is mstore's POP3 door (RFC 1939, with CAPA and response
// codes from RFC 2449 and RFC 3206, AUTH from RFC 5034 and STLS from RFC
// 2595). It serves one maildrop per session: the INBOX of the user the
// login belongs to (foo.com/users/joe/INBOX), read and changed through the
// store with that user's Caller, so every ACL and administrator rule is the
// store's.
//
// # Sessions
//
// A session starts in the AUTHORIZATION state. A login (USER and PASS, or
// AUTH with PLAIN, LOGIN, CRAM-MD5 or SCRAM-SHA-256 from package auth) is
// checked by auth.Login, as every door checks it: a login identifier of the
// store, or a system account that the authmap ties to a store user. It may
// resolve to a user of any domain. On success the session locks the maildrop, takes a snapshot of its messages
// (UID and size, in UID order, numbered from 1) and enters TRANSACTION.
// Messages that arrive later are not shown until the next login; messages
// expunged by another door meanwhile answer -ERR when retrieved. DELE only
// marks; QUIT applies the marks as one store.Expunge, after which the lock
// is released. A session that ends any other way (a dropped connection, the
// idle timeout, too many errors, Server.Close) deletes nothing.
//
// APOP is not offered: it needs the plaintext password on the server and
// mstore keeps none, so the greeting carries no timestamp and APOP answers
// -ERR. Passwords in clear (USER/PASS, PLAIN, LOGIN) are taken only over
// TLS, from loopback, or when Options.AllowPlaintextAuth says so.
//
// UIDL answers are the mailbox's UIDVALIDITY and the message's UID as
// sixteen hex digits; they stay the same for the life of a message and are
// never given to another.
//
// # Concurrency
//
// A Server runs one goroutine per connection; a session's state belongs to
// that goroutine alone. What sessions share is behind a mutex: the
// listeners and connections of a Server (Server.mu), the maildrop locks of
// the process (dropLocks.mu, keyed by store and mailbox id, so that two
// Servers on one store still exclude each other), and the last login time
// of each user for LOGIN-DELAY (Server.mu). IMAP sessions take no POP3
// lock and go on beside a POP3 session on the same INBOX.
//
// # Decisions
//
//   - The maildrop lock is in memory: one process serves a store (the store
//     lock in run/ sees to that), so no lock file is needed.
//   - Errors from the store are answered through one table (errors.go);
//     clients get generic text and the log gets the cause.
//   - A failed login waits Options.AuthFailDelay before answering, and
//     counts as a bad command towards Options.MaxBadCommands.
//   - etc/nologin in the store directory refuses every login with its first
//     line, as [SYS/TEMP]: the administrator is at work and logins will come
//     back.
package pop3
