// Package lmtp is the MTA's door into the store: an LMTP server (RFC 2033)
// on go-smtp in LMTP mode, over the UNIX socket <store>/ipc/lmtp and over
// TCP.
//
// A transaction goes as follows. Each RCPT is resolved by
// store.ResolveRecipient (users and login identifiers; "user+folder" goes
// to the folder when it grants p to anyone, to the INBOX otherwise) and
// refused at once when unknown (550 5.1.1) or when its quota root is full
// or cannot take the size MAIL announced (452 4.2.2, or 552 5.2.2 with
// Options.OverQuotaPermanent). The message is staged once with
// store.Stage, below a Return-Path and a Received field of this hop and
// otherwise byte for byte, then committed to every accepted recipient in
// one store.Staged.Commit; each recipient gets its own reply, in order, and
// a 250 only after the commit has returned. Refusals are translated from
// store error kinds by one table (replies.go); clients get generic text and
// the log gets the cause.
//
// A message over the size limit is refused (552 5.3.4) and nothing is
// stored; a client that goes on sending past twice the limit is cut off.
// (Through DATA, go-smtp refuses a message of exactly the limit as well;
// through BDAT it takes it.) A client silent for Options.IdleTimeout is
// dropped. A malformed command gets 500 or 501 and the session goes on;
// go-smtp closes a connection after its fourth unrecognised command, and
// at once on a line longer than 64 KiB.
//
// # Concurrency
//
// A Server serves every connection in its own goroutine (go-smtp's), and a
// message body in one more. Store calls are safe for concurrent use and
// share the store's group commit. A panic in a session is recovered by
// go-smtp or by the session, answered 421 and ends only that connection.
// Close stops accepting, closes idle connections, and lets a delivery being
// committed send its replies first, so that the MTA does not deliver it a
// second time.
package lmtp
