package lmtp

import (
	"errors"
	"math"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// errCutOff ends a connection whose client keeps sending past the size
// limit.
var errCutOff = errors.New("lmtp: client sent far more than the size limit")

// cutOffSlack is what a transaction may send beyond twice the size limit:
// its commands, and what the reader buffers of the next ones.
const cutOffSlack = 1 << 20

// conn is one client connection as the server sees it, under go-smtp's
// reader. It moves the idle deadline forward on every read and write, so
// that a long transfer that keeps moving is never cut while a silent client
// is; it bounds what one transaction may send; and it lets Close spare a
// delivery whose replies are due.
//
// go-smtp reads a connection from one goroutine at a time (its command
// loop, or the goroutine that reads a DATA body while the loop waits), so
// readErr needs no lock.
type conn struct {
	net.Conn
	srv  *Server
	id   uint64
	idle time.Duration

	// budget is what the current transaction may still send, in octets;
	// math.MaxInt64 between transactions. go-smtp reads on past a message
	// that is too big, to find its end; beyond twice the limit the client
	// is cut off instead.
	budget atomic.Int64
	// readErr, once a read failed, fails every later read at once: after a
	// timeout or a cut-off, go-smtp reads again (to drain the message, then
	// for the next command), and must not wait a second time.
	readErr error

	mu         sync.Mutex // guards committing and closing
	committing bool       // a message is being committed and its replies are not yet sent
	closing    bool       // the server is closing: close as soon as no reply is due
}

func newConn(nc net.Conn, srv *Server, id uint64) *conn {
	c := &conn{Conn: nc, srv: srv, id: id, idle: srv.opts.IdleTimeout}
	c.budget.Store(math.MaxInt64)
	return c
}

func (c *conn) Read(p []byte) (int, error) {
	if c.readErr != nil {
		return 0, c.readErr
	}
	c.Conn.SetReadDeadline(time.Now().Add(c.idle))
	n, err := c.Conn.Read(p)
	if n > 0 && c.budget.Add(-int64(n)) < 0 {
		c.srv.log.Info("lmtp: client kept sending past the size limit; connection cut",
			"conn", c.id, "remote", remoteName(c.Conn), "limit", c.srv.maxSize)
		c.readErr = errCutOff
		return 0, errCutOff
	}
	if err != nil {
		c.readErr = err
	}
	return n, err
}

func (c *conn) Write(p []byte) (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(c.idle))
	return c.Conn.Write(p)
}

// Close is go-smtp's close of its connection.
func (c *conn) Close() error {
	c.srv.untrack(c)
	return c.Conn.Close()
}

// beginTransaction starts counting what a transaction sends (at MAIL).
func (c *conn) beginTransaction() {
	c.budget.Store(2*c.srv.maxSize + cutOffSlack)
}

// beginCommit marks a message as being committed, so that Close waits for
// its replies; it returns false if the server is closing already.
func (c *conn) beginCommit() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return false
	}
	c.committing = true
	return true
}

// endTransaction is called when go-smtp resets the transaction: after the
// replies to a message have been sent, or at RSET, LHLO and MAIL.
func (c *conn) endTransaction() {
	c.budget.Store(math.MaxInt64)
	c.mu.Lock()
	due := c.committing && c.closing
	c.committing = false
	c.mu.Unlock()
	if due {
		c.Conn.Close()
	}
}

// shutdown closes the connection now, or, when a committed message still
// waits for its replies, once they are sent.
func (c *conn) shutdown() {
	c.mu.Lock()
	c.closing = true
	busy := c.committing
	c.mu.Unlock()
	if !busy {
		c.Conn.Close()
	}
}

// remoteName names the client in the log and in the Received field: an
// address literal for TCP, "local" for the UNIX socket.
func remoteName(nc net.Conn) string {
	switch a := nc.RemoteAddr().(type) {
	case *net.TCPAddr:
		if a.IP.To4() == nil {
			return "[IPv6:" + a.IP.String() + "]"
		}
		return "[" + a.IP.String() + "]"
	default:
		return "local"
	}
}
