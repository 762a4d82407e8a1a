package web

import (
	"errors"
	"fmt"
	"net/http"

	"mstore/store"
)

// kindAnswer is how the page answers one store error kind: an HTTP status
// and a short sentence.
type kindAnswer struct {
	status   int
	sentence string
}

// kindAnswers is the one table from store error kinds to the page's words
// (DESIGN.md, "One error taxonomy"); errors_test.go checks that it covers
// every kind.
var kindAnswers = map[store.Kind]kindAnswer{
	store.KindNotFound:    {http.StatusNotFound, "Not found"},
	store.KindExists:      {http.StatusConflict, "Already exists"},
	store.KindNoPerm:      {http.StatusForbidden, "Permission denied"},
	store.KindOverQuota:   {http.StatusConflict, "Over quota"},
	store.KindTooBig:      {http.StatusRequestEntityTooLarge, "Too big"},
	store.KindExpunged:    {http.StatusGone, "Gone meanwhile"},
	store.KindInUse:       {http.StatusConflict, "Still in use"},
	store.KindInvalid:     {http.StatusBadRequest, "Invalid input"},
	store.KindNotPossible: {http.StatusBadRequest, "Not possible"},
	store.KindTemporary:   {http.StatusServiceUnavailable, "Temporarily unavailable, try again"},
	store.KindInternal:    {http.StatusInternalServerError, "Internal error; the cause is in the server's log"},
}

// describe turns an error into the status and the message the page shows,
// and reports whether the fault is the server's (to be logged as a
// warning). The store's message follows the sentence unless the error is
// internal or temporary, whose details are for the log only.
func describe(err error) (status int, msg string, serverFault bool) {
	k := store.KindOf(err)
	a, ok := kindAnswers[k]
	if !ok {
		k, a = store.KindInternal, kindAnswers[store.KindInternal]
	}
	if k == store.KindInternal || k == store.KindTemporary {
		return a.status, a.sentence + ".", true
	}
	var se *store.Error
	if errors.As(err, &se) && se.Msg != "" {
		return a.status, a.sentence + ": " + se.Msg + ".", false
	}
	return a.status, a.sentence + ".", false
}

// invalid is an error of the page's own input checks, in the store's
// taxonomy so that it goes through the same table.
func invalid(format string, args ...any) error {
	return &store.Error{Kind: store.KindInvalid, Msg: fmt.Sprintf(format, args...)}
}

// noPerm is a refusal the page decides itself (the status page).
func noPerm(format string, args ...any) error {
	return &store.Error{Kind: store.KindNoPerm, Msg: fmt.Sprintf(format, args...)}
}
