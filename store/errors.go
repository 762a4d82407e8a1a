package store

import (
	"errors"
	"fmt"
)

// Kind classifies every error the store returns. Each door maps kinds to its
// own words once (IMAP response codes, LMTP replies, errno values), so the
// set is small and stable.
type Kind int

const (
	KindInternal    Kind = iota // a bug or a broken invariant; logged with its cause
	KindNotFound                // no such domain, user, mailbox, message or login
	KindExists                  // the name is taken
	KindNoPerm                  // the caller lacks a right or an administrator power
	KindOverQuota               // the write would pass a quota limit
	KindTooBig                  // the message is larger than the size limit
	KindExpunged                // the message was expunged meanwhile
	KindInUse                   // held by another process or session
	KindInvalid                 // a malformed name, rights string, flag or argument
	KindNotPossible             // well-formed but not allowed by the rules (delete INBOX, …)
	KindTemporary               // try again later (I/O pressure, shutdown)
)

var kindNames = [...]string{
	KindInternal:    "internal error",
	KindNotFound:    "not found",
	KindExists:      "already exists",
	KindNoPerm:      "permission denied",
	KindOverQuota:   "over quota",
	KindTooBig:      "message too big",
	KindExpunged:    "message expunged",
	KindInUse:       "in use",
	KindInvalid:     "invalid",
	KindNotPossible: "not possible",
	KindTemporary:   "temporarily unavailable",
}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Error is the store's error value: a kind for doors to translate, a message
// that is safe to show to the administrator who asked, and the wrapped cause
// for the log.
type Error struct {
	Kind Kind
	Msg  string // what went wrong, naming the object ("mailbox foo.com/users/joe/x")
	Err  error  // the cause, if any
}

func (e *Error) Error() string {
	switch {
	case e.Msg != "" && e.Err != nil:
		return e.Msg + ": " + e.Err.Error()
	case e.Msg != "":
		return e.Msg
	case e.Err != nil:
		return e.Kind.String() + ": " + e.Err.Error()
	}
	return e.Kind.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Is lets errors.Is(err, store.ErrNotFound) match any error of that kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Msg == "" && t.Err == nil && t.Kind == e.Kind
}

// Sentinels for errors.Is; they match any *Error of the same kind.
var (
	ErrInternal    = &Error{Kind: KindInternal}
	ErrNotFound    = &Error{Kind: KindNotFound}
	ErrExists      = &Error{Kind: KindExists}
	ErrNoPerm      = &Error{Kind: KindNoPerm}
	ErrOverQuota   = &Error{Kind: KindOverQuota}
	ErrTooBig      = &Error{Kind: KindTooBig}
	ErrExpunged    = &Error{Kind: KindExpunged}
	ErrInUse       = &Error{Kind: KindInUse}
	ErrInvalid     = &Error{Kind: KindInvalid}
	ErrNotPossible = &Error{Kind: KindNotPossible}
	ErrTemporary   = &Error{Kind: KindTemporary}
)

// KindOf returns the kind of err: the kind of the first *Error in its chain,
// KindInternal for any other non-nil error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// WithHint adds a front end's advice to an error of kind k — the command
// line's "use --force", the web page's check box — after the store's own
// message, which states only the fact. Errors of other kinds pass through.
func WithHint(err error, k Kind, hint string) error {
	var e *Error
	if !errors.As(err, &e) || e.Kind != k {
		return err
	}
	return &Error{Kind: k, Msg: e.Msg + " (" + hint + ")", Err: e.Err}
}

func errorf(kind Kind, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

func wrapErr(kind Kind, cause error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...), Err: cause}
}

// OverQuotaError tells which resource of which root a write would pass.
type OverQuotaError struct {
	Root     string // quota root as the CLI names it: "foo.com/users/joe" or "foo.com"
	Resource string // "STORAGE" or "MESSAGE"
	Limit    int64  // in KiB for STORAGE, in messages for MESSAGE
}

func (e *OverQuotaError) Error() string {
	unit := "KiB"
	if e.Resource == ResourceMessage {
		unit = "messages"
	}
	return fmt.Sprintf("quota root %s: %s limit of %d %s reached", e.Root, e.Resource, e.Limit, unit)
}

func overQuota(root, resource string, limit int64) error {
	return &Error{Kind: KindOverQuota, Err: &OverQuotaError{Root: root, Resource: resource, Limit: limit}}
}
