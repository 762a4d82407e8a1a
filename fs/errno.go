package fs

import (
	"context"
	"errors"
	"log/slog"
	"syscall"

	"mstore/store"
)

// kindErrno is the one table from store error kinds to errno values.
// A message expunged meanwhile is simply gone; a well-formed request the
// rules do not allow (deleting an INBOX, renaming across domains) is
// EPERM; temporary and internal failures are EIO, logged with their cause.
var kindErrno = map[store.Kind]syscall.Errno{
	store.KindNotFound:    syscall.ENOENT,
	store.KindExists:      syscall.EEXIST,
	store.KindNoPerm:      syscall.EACCES,
	store.KindOverQuota:   syscall.EDQUOT,
	store.KindTooBig:      syscall.EFBIG,
	store.KindExpunged:    syscall.ENOENT,
	store.KindInUse:       syscall.EBUSY,
	store.KindInvalid:     syscall.EINVAL,
	store.KindNotPossible: syscall.EPERM,
	store.KindTemporary:   syscall.EIO,
	store.KindInternal:    syscall.EIO,
}

// errnoOf translates a store error for the kernel. A cancelled request
// answers EINTR; EIO is logged with the cause, since the caller only sees
// "Input/output error".
func errnoOf(ctx context.Context, log *slog.Logger, op string, err error) syscall.Errno {
	if err == nil {
		return 0
	}
	if ctx != nil && ctx.Err() != nil {
		return syscall.EINTR
	}
	e := syscall.EIO
	var serr *store.Error
	var errno syscall.Errno
	switch {
	case errors.As(err, &serr):
		if k, ok := kindErrno[serr.Kind]; ok {
			e = k
		}
	case errors.As(err, &errno):
		// Our own answers, and system calls of this package.
		e = errno
	}
	if e == syscall.EIO && log != nil {
		log.Error("mount: store failure", "op", op, "err", err)
	}
	return e
}

// errno translates a store error with the mount's logger.
func (m *Mounted) errno(ctx context.Context, op string, err error) syscall.Errno {
	return errnoOf(ctx, m.log, op, err)
}
