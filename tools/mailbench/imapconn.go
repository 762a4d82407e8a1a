package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// imapConn is the IMAP client of the imap mode: it sends commands and
// reads replies without interpreting them, skipping literal data by its
// announced size, so that what is timed is the server, not a client's
// parser.
type imapConn struct {
	c       net.Conn
	br      *bufio.Reader
	n       int
	timeout time.Duration
}

func dialIMAP(addr string, timeout time.Duration) (*imapConn, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	ic := &imapConn{c: c, br: bufio.NewReaderSize(c, 64<<10), timeout: timeout}
	c.SetDeadline(time.Now().Add(timeout))
	if _, err := ic.br.ReadString('\n'); err != nil {
		c.Close()
		return nil, fmt.Errorf("greeting: %w", err)
	}
	return ic, nil
}

func (ic *imapConn) Close() error { return ic.c.Close() }

// imapReply is what a command brought back: its tagged status line, how many
// untagged lines and octets came before it.
type imapReply struct {
	status string // "OK ..." / "NO ..." / "BAD ..."
	lines  int
	bytes  int64
	first  []string // the first untagged lines, for the caller to look at
}

func (r imapReply) ok() bool { return len(r.status) >= 2 && r.status[:2] == "OK" }

// cmd sends one command and reads to its tagged imapReply.
func (ic *imapConn) cmd(format string, args ...any) (imapReply, error) {
	ic.n++
	tag := "b" + strconv.Itoa(ic.n)
	ic.c.SetDeadline(time.Now().Add(ic.timeout))
	if _, err := fmt.Fprintf(ic.c, "%s %s\r\n", tag, fmt.Sprintf(format, args...)); err != nil {
		return imapReply{}, err
	}
	return ic.readReply(tag)
}

func (ic *imapConn) readReply(tag string) (imapReply, error) {
	var r imapReply
	prefix := []byte(tag + " ")
	for {
		line, lit, err := ic.readLine()
		if err != nil {
			return r, err
		}
		r.bytes += int64(len(line)) + lit
		if bytes.HasPrefix(line, prefix) {
			r.status = string(bytes.TrimRight(line[len(prefix):], "\r\n"))
			return r, nil
		}
		r.lines++
		if len(r.first) < 4 {
			r.first = append(r.first, string(bytes.TrimRight(line, "\r\n")))
		}
	}
}

// readLine reads one logical response line: a physical line, and every
// literal it announces (skipped, its size counted in lit) with the rest of
// the line after it.
func (ic *imapConn) readLine() (line []byte, lit int64, err error) {
	for {
		l, err := ic.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			line = append(line, l...)
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		line = append(line, l...)
		size, ok := literalSize(l)
		if !ok {
			return line, lit, nil
		}
		if _, err := io.CopyN(io.Discard, ic.br, size); err != nil {
			return nil, 0, err
		}
		lit += size
	}
}

// literalSize reads "{n}\r\n" at the end of a line.
func literalSize(l []byte) (int64, bool) {
	l = bytes.TrimRight(l, "\r\n")
	if len(l) < 3 || l[len(l)-1] != '}' {
		return 0, false
	}
	i := bytes.LastIndexByte(l, '{')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(string(bytes.TrimSuffix(l[i+1:len(l)-1], []byte("+"))), 10, 64)
	return n, err == nil
}

// appendMessage sends APPEND with a synchronising literal.
func (ic *imapConn) appendMessage(mailbox string, msg []byte) (imapReply, error) {
	ic.n++
	tag := "b" + strconv.Itoa(ic.n)
	ic.c.SetDeadline(time.Now().Add(ic.timeout))
	if _, err := fmt.Fprintf(ic.c, "%s APPEND %s {%d}\r\n", tag, mailbox, len(msg)); err != nil {
		return imapReply{}, err
	}
	line, err := ic.br.ReadString('\n')
	if err != nil {
		return imapReply{}, err
	}
	if len(line) == 0 || line[0] != '+' {
		return imapReply{status: line}, nil
	}
	if _, err := ic.c.Write(append(msg, "\r\n"...)); err != nil {
		return imapReply{}, err
	}
	return ic.readReply(tag)
}

// startIdle sends IDLE and waits for the continuation.
func (ic *imapConn) startIdle() error {
	ic.c.SetDeadline(time.Now().Add(ic.timeout))
	if _, err := io.WriteString(ic.c, "idle IDLE\r\n"); err != nil {
		return err
	}
	line, err := ic.br.ReadString('\n')
	if err != nil {
		return err
	}
	if len(line) == 0 || line[0] != '+' {
		return fmt.Errorf("IDLE refused: %s", line)
	}
	ic.c.SetDeadline(time.Time{})
	return nil
}
