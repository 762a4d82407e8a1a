package main

import (
	"errors"
	"fmt"
	"io"

	"mstore/store"
)

// Exit codes, stable and documented in docs/cli.md.
const (
	exitOK        = 0
	exitError     = 1 // anything else, including internal errors
	exitUsage     = 2 // the command line itself is wrong
	exitNotFound  = 3
	exitExists    = 4
	exitNoPerm    = 5
	exitOverQuota = 6
	exitInUse     = 7
	exitInvalid   = 8
	exitTooBig    = 9
	exitTemporary = 10
)

// kindExit maps every store error kind to an exit code, once.
var kindExit = map[store.Kind]int{
	store.KindInternal:    exitError,
	store.KindNotFound:    exitNotFound,
	store.KindExists:      exitExists,
	store.KindNoPerm:      exitNoPerm,
	store.KindOverQuota:   exitOverQuota,
	store.KindTooBig:      exitTooBig,
	store.KindExpunged:    exitNotFound,
	store.KindInUse:       exitInUse,
	store.KindInvalid:     exitInvalid,
	store.KindNotPossible: exitInvalid,
	store.KindTemporary:   exitTemporary,
}

// cliError is an error of the command line itself, not of the store, with
// the exit code it calls for.
type cliError struct {
	code int
	msg  string
}

func (e *cliError) Error() string { return e.msg }

func usageErr(format string, args ...any) error {
	return &cliError{code: exitUsage, msg: fmt.Sprintf(format, args...)}
}

func invalidErr(format string, args ...any) error {
	return &cliError{code: exitInvalid, msg: fmt.Sprintf(format, args...)}
}

// exitCode returns the exit code for an error returned by a command.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ce *cliError
	if errors.As(err, &ce) {
		return ce.code
	}
	if code, ok := kindExit[store.KindOf(err)]; ok {
		return code
	}
	return exitError
}

// finish reports err on stderr as "mstore: <message>" and returns the exit
// code. The store's messages name the object and are meant for the
// administrator who asked.
func finish(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "mstore: %s\n", err)
	return exitCode(err)
}
