package lmtp

import (
	"github.com/emersion/go-smtp"

	"mstore/store"
)

// The one table from the store's error kinds to LMTP replies (DESIGN.md,
// "One error taxonomy"). Clients get the generic text; the cause goes to
// the log. A kind that a delivery should never meet is answered as a
// temporary failure, so that the MTA keeps the message queued while an
// administrator looks at the log, instead of bouncing it.

func reply(code int, c1, c2, c3 int, text string) *smtp.SMTPError {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{c1, c2, c3}, Message: text}
}

var (
	replyNoUser     = reply(550, 5, 1, 1, "No such user here")
	replyBadAddress = reply(501, 5, 1, 3, "Bad recipient address syntax")
	replyNoPerm     = reply(550, 5, 7, 1, "Delivery not permitted")
	replyQuotaTemp  = reply(452, 4, 2, 2, "Mailbox is full")
	replyQuotaPerm  = reply(552, 5, 2, 2, "Mailbox is full")
	replyTooBig     = reply(552, 5, 3, 4, "Message too big")
	replyInUse      = reply(451, 4, 2, 0, "Mailbox busy, try again later")
	replyTemporary  = reply(451, 4, 3, 0, "Temporary failure, try again later")
	replyShutdown   = reply(421, 4, 3, 2, "Service shutting down, try again later")
)

// replyFor translates a store error into the reply for one recipient.
// overQuotaPermanent picks 552 5.2.2 instead of 452 4.2.2 for a full
// mailbox.
func replyFor(err error, overQuotaPermanent bool) *smtp.SMTPError {
	switch store.KindOf(err) {
	case store.KindNotFound:
		return replyNoUser
	case store.KindInvalid:
		return replyBadAddress
	case store.KindNoPerm:
		return replyNoPerm
	case store.KindOverQuota:
		if overQuotaPermanent {
			return replyQuotaPerm
		}
		return replyQuotaTemp
	case store.KindTooBig:
		return replyTooBig
	case store.KindInUse:
		return replyInUse
	default: // KindTemporary, KindInternal, and kinds no delivery meets
		return replyTemporary
	}
}

// expectedKind reports whether a refusal of this kind is an everyday answer
// (logged at Info) rather than a fault to look into (logged at Error).
func expectedKind(k store.Kind) bool {
	switch k {
	case store.KindNotFound, store.KindInvalid, store.KindNoPerm, store.KindOverQuota, store.KindTooBig, store.KindInUse:
		return true
	}
	return false
}
