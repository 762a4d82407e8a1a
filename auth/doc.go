// Package auth owns how mstore checks who a client is: password hashing, the
// secrets kept for challenge-response mechanisms, and the server side of the
// SASL mechanisms PLAIN, LOGIN, CRAM-MD5 and SCRAM-SHA-256.
//
// The package never keeps a plaintext password. The store keeps, beside each
// login identifier, a [Credentials] value whose strings it treats as opaque;
// this comment is their format note.
//
// # Password hash (Credentials.Hash)
//
// New hashes are argon2id in the PHC string form:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>
//
// m is memory in KiB, t the number of passes, p the parallelism; salt (16
// random bytes) and key (32 bytes) are standard base64 without padding.
// [VerifyPassword] reads the parameters from the string, so a hash written
// with other parameters (by an older mstore or imported from elsewhere) still
// verifies. It also accepts bcrypt hashes ($2a$, $2b$, $2y$) so that hashes
// imported from other systems work; bcrypt, as everywhere, looks only at the
// first 72 bytes of a password.
//
// # CRAM-MD5 secret (Credentials.CramMD5)
//
// CRAM-MD5 needs HMAC-MD5 keyed with the password. The store keeps the two
// HMAC-MD5 intermediate keys instead of the password: the MD5 chaining state
// (the four 32-bit words A, B, C, D) after MD5 has absorbed the 64-byte block
// key⊕opad, then the state after key⊕ipad, where key is the password (or its
// MD5 when the password is longer than 64 bytes) padded with zero bytes to 64
// bytes, as HMAC (RFC 2104) defines it. Each word is written as four
// bytes, least significant first; the 32 bytes are written as 64 lowercase
// hex characters:
//
//	<outer A B C D><inner A B C D>
//
// This is the layout of Dovecot's CRAM-MD5 scheme, so such strings can be
// imported as they are (a leading "{CRAM-MD5}" is accepted and ignored).
// The secret is password-equivalent for CRAM-MD5 itself: whoever reads it can
// answer any challenge, though not recover the password.
//
// # SCRAM-SHA-256 secret (Credentials.ScramSHA256)
//
// RFC 5802/7677 key material, four fields separated by commas:
//
//	<iterations>,<salt>,<StoredKey>,<ServerKey>
//
// iterations is a decimal count (4096 for new secrets); salt (16 random
// bytes), StoredKey and ServerKey (32 bytes each) are standard base64 with
// padding. This is Dovecot's SCRAM-SHA-256 layout; a leading
// "{SCRAM-SHA-256}" is accepted and ignored. The password is prepared with
// SASLprep (RFC 4013) before key derivation, as SCRAM clients do; a password
// that SASLprep refuses is used as it is.
//
// # SASL
//
// [NewServer] starts one server-side exchange for a mechanism named by the
// client; [Mechanisms] lists those a door should advertise. The exchange
// deals in raw, already decoded messages: base64, continuation lines and the
// client's "*" cancel belong to each door (IMAP, POP3, the web page).
//
// Every failure to authenticate (wrong password, unknown login, a login
// without the secret a mechanism needs, a damaged stored secret) is
// [ErrAuthFailed], so a client learns nothing about which it was; the cause
// stays wrapped in the error for the log. Unknown logins cost as much time
// as known ones under PLAIN and LOGIN, and SCRAM-SHA-256 answers them with a
// stable made-up salt, so neither timing nor the SCRAM exchange tells a
// client whether a login exists.
//
// # Concurrency
//
// The package functions are safe for concurrent use. A [Server] is one
// exchange with one client and must be driven from one goroutine at a time.
//
// # Remembered logins
//
// Login remembers a successful password check for ten minutes, so a client
// that opens many connections pays for the slow hash once. It keeps an
// HMAC of login and password under a key made at start and never written,
// and the password hash the check was made against, so a password change
// ends the remembering at once. Only the process's memory holds it.
package auth
