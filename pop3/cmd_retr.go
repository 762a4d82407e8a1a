package pop3

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"
)

// RETR and TOP stream the stored bytes (CRLF already) through a
// dot-stuffing writer into the connection's buffer: no message is held
// whole in memory, whatever its size.

// copyBufs are the buffers that carry message bodies to the client.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func (ss *session) cmdRetr(arg string) {
	m, _, errLine := ss.drop.lookup(strings.TrimSpace(arg))
	if m == nil {
		ss.bad(errLine)
		return
	}
	b, err := ss.srv.st.OpenMessage(ss.ctx, ss.caller, ss.drop.id, m.uid)
	if err != nil {
		ss.storeErr("open message", err)
		return
	}
	defer b.Close()
	ss.reply("+OK %d octets", m.size)
	buf := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(buf)
	dw := newDotWriter(ss.w)
	// Only Read of the blob: an *os.File's WriteTo would bring its own
	// buffer for every message.
	src := &readTracker{r: b}
	if _, err := io.CopyBuffer(dw, src, *buf); err != nil {
		ss.abortBody(m.uid, err, src.err != nil)
		return
	}
	dw.end()
	m.retrieved = true
}

func (ss *session) cmdTop(arg string) {
	args := strings.Fields(arg)
	if len(args) != 2 {
		ss.bad("-ERR syntax: TOP message lines")
		return
	}
	m, _, errLine := ss.drop.lookup(args[0])
	if m == nil {
		ss.bad(errLine)
		return
	}
	lines, ok := parseNumber(args[1])
	if !ok {
		ss.bad("-ERR invalid number of lines")
		return
	}
	b, err := ss.srv.st.OpenMessage(ss.ctx, ss.caller, ss.drop.id, m.uid)
	if err != nil {
		ss.storeErr("open message", err)
		return
	}
	defer b.Close()
	ss.reply("+OK top of message follows")
	dw := newDotWriter(ss.w)
	src := &readTracker{r: b}
	if err := copyTop(dw, src, lines); err != nil {
		ss.abortBody(m.uid, err, src.err != nil)
		return
	}
	dw.end()
}

// copyTop copies the header, the empty line after it, and the first lines
// lines of the body.
func copyTop(w io.Writer, r io.Reader, lines int) error {
	br := bufio.NewReaderSize(r, 16<<10)
	inHeader := true
	lineStart := true // the next chunk begins a line
	for inHeader || lines > 0 {
		chunk, err := br.ReadSlice('\n')
		if len(chunk) > 0 {
			if _, werr := w.Write(chunk); werr != nil {
				return werr
			}
		}
		whole := len(chunk) > 0 && chunk[len(chunk)-1] == '\n'
		if whole {
			switch {
			case !inHeader:
				lines--
			case lineStart && (string(chunk) == "\r\n" || string(chunk) == "\n"):
				inHeader = false
			}
		}
		lineStart = whole
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue // the rest of a long line comes next
		case err == io.EOF:
			return nil
		case err != nil:
			return err
		}
	}
	return nil
}

// readTracker remembers a read error of the message file, to tell it from
// a client that went away.
type readTracker struct {
	r   io.Reader
	err error
}

func (t *readTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && err != io.EOF {
		t.err = err
	}
	return n, err
}

// abortBody ends a session whose message body broke off: once +OK has
// gone, no -ERR can follow, and a terminating dot would pass a truncated
// message off as whole.
func (ss *session) abortBody(uid uint32, err error, readFailed bool) {
	if readFailed {
		ss.log.Warn("reading message failed; closing the connection", "uid", uid, "err", err)
	} else {
		ss.log.Info("client went away during a message", "uid", uid, "err", err)
	}
	ss.done = true
	ss.conn.Close()
}

// dotWriter writes a message as a multi-line response body: a dot that
// starts a line is doubled. end writes the terminating line.
type dotWriter struct {
	w   *bufio.Writer
	bol bool // the next byte starts a line
}

func newDotWriter(w *bufio.Writer) *dotWriter { return &dotWriter{w: w, bol: true} }

var lfDot = []byte("\n.")

func (d *dotWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if d.bol && p[0] == '.' {
			if err := d.w.WriteByte('.'); err != nil {
				return n - len(p), err
			}
		}
		i := bytes.Index(p, lfDot)
		if i < 0 {
			if _, err := d.w.Write(p); err != nil {
				return n - len(p), err
			}
			d.bol = p[len(p)-1] == '\n'
			break
		}
		if _, err := d.w.Write(p[:i+1]); err != nil {
			return n - len(p), err
		}
		p = p[i+1:]
		d.bol = true
	}
	return n, nil
}

// end closes the body: a line end if the message lacks a final one, then
// the dot.
func (d *dotWriter) end() error {
	if !d.bol {
		if _, err := d.w.WriteString("\r\n"); err != nil {
			return err
		}
	}
	_, err := d.w.WriteString(".\r\n")
	return err
}
