package imap

import "mstore/store"

// respCode maps a store error kind to the IMAP response code that tells a
// client what kind of failure it is (RFC 5530), and whether the answer is
// NO (the command failed) rather than BAD. This is the one table; it has
// its own test.
func respCode(err error) string {
	switch store.KindOf(err) {
	case store.KindNotFound:
		return "NONEXISTENT"
	case store.KindExists:
		return "ALREADYEXISTS"
	case store.KindNoPerm:
		return "NOPERM"
	case store.KindOverQuota:
		return "OVERQUOTA"
	case store.KindTooBig:
		return "TOOBIG"
	case store.KindExpunged:
		return "EXPUNGEISSUED"
	case store.KindInUse:
		return "INUSE"
	case store.KindInvalid:
		return "CANNOT"
	case store.KindNotPossible:
		return "CANNOT"
	case store.KindTemporary:
		return "UNAVAILABLE"
	}
	return "SERVERBUG"
}

// respText is the generic text a client reads for a failure; the cause,
// with the store's full message, goes to the log.
func respText(err error) string {
	switch store.KindOf(err) {
	case store.KindNotFound:
		return "No such mailbox or message"
	case store.KindExists:
		return "Mailbox already exists"
	case store.KindNoPerm:
		return "Permission denied"
	case store.KindOverQuota:
		return "Quota exceeded"
	case store.KindTooBig:
		return "Message too big"
	case store.KindExpunged:
		return "Some messages were expunged"
	case store.KindInUse:
		return "In use, try again"
	case store.KindInvalid:
		return "Invalid name or argument"
	case store.KindNotPossible:
		return "Not possible"
	case store.KindTemporary:
		return "Temporarily unavailable, try again"
	}
	return "Internal server error, logged"
}
