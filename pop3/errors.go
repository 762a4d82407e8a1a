package pop3

import (
	"mstore/store"
)

// The one table from store error kinds to POP3 answers (DESIGN.md, "One
// error taxonomy"). Response codes are RFC 2449's IN-USE and RFC 3206's
// AUTH and SYS/TEMP; the text is generic, the cause goes to the log.
var kindReplies = map[store.Kind]string{
	store.KindNoPerm:      "-ERR [AUTH] permission denied",
	store.KindInUse:       "-ERR [IN-USE] maildrop in use by another session",
	store.KindTemporary:   "-ERR [SYS/TEMP] temporary server problem, try again later",
	store.KindInternal:    "-ERR [SYS/TEMP] temporary server problem, try again later",
	store.KindNotFound:    "-ERR no such mailbox or message",
	store.KindExpunged:    "-ERR message was deleted by another session",
	store.KindOverQuota:   "-ERR over quota",
	store.KindTooBig:      "-ERR message too big",
	store.KindExists:      "-ERR not possible",
	store.KindInvalid:     "-ERR not possible",
	store.KindNotPossible: "-ERR not possible",
}

// errReply is the answer to a client for a store error, and whether the
// error is the server's fault (to be logged as a warning rather than as
// the client's doing). An error without a kind is internal.
func errReply(err error) (line string, serverFault bool) {
	k := store.KindOf(err)
	line, ok := kindReplies[k]
	if !ok {
		line = kindReplies[store.KindInternal]
	}
	return line, !ok || k == store.KindInternal || k == store.KindTemporary
}
