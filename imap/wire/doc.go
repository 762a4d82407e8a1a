// Package wire owns the wire syntax of IMAP (RFC 9051 and RFC 3501 with the
// extensions mstore speaks): reading client commands and, in the encoder
// files, writing server responses.
//
// The command side is a streaming Decoder over a *bufio.Reader. Its methods
// read the grammar's tokens (tag, atom, number, astring, nstring, quoted
// string, literal, parenthesised list), and one Parse function per command
// reads that command's arguments, from the space after the command name
// through the final CRLF, into go-imap/v2 types. The server reads the tag
// and the command name itself and picks the parser; see ParseFetch for the
// usual shape.
//
// Literals are the one place where reading talks back: a synchronising
// literal needs a "+" continuation from the server before the client sends
// its bytes. The Decoder calls the LiteralFunc it was given once a literal
// header has been read and before any of its bytes are read; the function
// sends the continuation or refuses the literal by returning an error.
// Message bodies (APPEND) are handed over as a stream limited to the
// literal, so a body of many megabytes is never held in memory.
//
// After any error the Decoder knows how much of the command is still to
// come: Discard skips the rest of the command (through its final CRLF,
// skipping literal bytes announced on the way), so that the server can
// answer BAD and read the next command. Every syntax error is a
// *SyntaxError whose text is short enough to follow "BAD ".
//
// The package holds no session state: it does not know whether a mailbox
// is selected, which extensions are enabled or who is logged in. Mailbox
// names are returned as sent (modified UTF-7 or UTF-8); decoding them is
// the caller's job (see DecodeMailboxName). A Decoder is used by one
// goroutine at a time, the connection's reader.
package wire
