package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// The POP3 client is written on bufio over net.Conn: the load generator
// must count every octet of a message body and see each status line as
// the server sent it.

// popReply is a -ERR status line: the server refused a command, and the
// session goes on.
type popReply string

func (r popReply) Error() string { return string(r) }

// pop3Conn is one POP3 session. It is used by one goroutine at a time.
type pop3Conn struct {
	conn    net.Conn
	r       *bufio.Reader
	w       *bufio.Writer
	timeout time.Duration // for each reply
}

// dialPOP3 connects and reads the greeting. mode is "none", "stls" (STLS
// before anything else) or "pop3s" (TLS from the first byte).
func dialPOP3(ctx context.Context, addr, mode string, tlsConfig *tls.Config, timeout time.Duration) (*pop3Conn, error) {
	if tlsConfig != nil && tlsConfig.ServerName == "" {
		tlsConfig = tlsConfig.Clone()
		tlsConfig.ServerName, _, _ = net.SplitHostPort(addr)
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if mode == "pop3s" {
		conn = tls.Client(conn, tlsConfig)
	}
	c := &pop3Conn{timeout: timeout}
	c.setConn(conn)
	if _, err := c.status(); err != nil {
		conn.Close()
		return nil, fmt.Errorf("greeting: %w", err)
	}
	if mode == "stls" {
		if _, err := c.command("STLS"); err != nil {
			conn.Close()
			return nil, fmt.Errorf("STLS: %w", err)
		}
		tc := tls.Client(conn, tlsConfig)
		tc.SetDeadline(time.Now().Add(timeout))
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, fmt.Errorf("STLS: %w", err)
		}
		c.setConn(tc)
	}
	return c, nil
}

func (c *pop3Conn) setConn(conn net.Conn) {
	c.conn = conn
	c.r = bufio.NewReaderSize(conn, 64<<10)
	c.w = bufio.NewWriter(conn)
}

// line reads one line without its line end.
func (c *pop3Conn) line() ([]byte, error) {
	c.conn.SetReadDeadline(time.Now().Add(c.timeout))
	l, err := c.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return nil, errors.New("line longer than 64 KiB")
	}
	if err != nil {
		return nil, err
	}
	return bytes.TrimRight(l, "\r\n"), nil
}

// status reads a status line: the text after +OK, a popReply for -ERR, or
// another error when the connection fails or the server speaks no POP3.
func (c *pop3Conn) status() (string, error) {
	l, err := c.line()
	if err != nil {
		return "", err
	}
	s := string(l)
	switch {
	case s == "+OK" || strings.HasPrefix(s, "+OK "):
		return strings.TrimPrefix(strings.TrimPrefix(s, "+OK"), " "), nil
	case strings.HasPrefix(s, "-ERR"):
		return "", popReply(s)
	}
	return "", fmt.Errorf("not a POP3 status line: %q", s)
}

func (c *pop3Conn) send(line string) error {
	c.conn.SetWriteDeadline(time.Now().Add(c.timeout))
	if _, err := c.w.WriteString(line + "\r\n"); err != nil {
		return err
	}
	return c.w.Flush()
}

// command sends one command and reads its status line.
func (c *pop3Conn) command(line string) (string, error) {
	if err := c.send(line); err != nil {
		return "", err
	}
	return c.status()
}

// login authenticates with USER and PASS, or with AUTH PLAIN and an
// initial response.
func (c *pop3Conn) login(user, pass, mech string) error {
	if mech == "plain" {
		ir := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + pass))
		_, err := c.command("AUTH PLAIN " + ir)
		return err
	}
	if _, err := c.command("USER " + user); err != nil {
		return err
	}
	_, err := c.command("PASS " + pass)
	return err
}

// body reads a multi-line body up to the terminating dot and returns its
// octets as the message holds them: dot-stuffing undone, CRLF counted.
func (c *pop3Conn) body(each func(line []byte)) (int64, error) {
	var n int64
	for {
		l, err := c.line()
		if err != nil {
			return n, err
		}
		if len(l) == 1 && l[0] == '.' {
			return n, nil
		}
		if len(l) > 0 && l[0] == '.' {
			l = l[1:]
		}
		if each != nil {
			each(l)
		}
		n += int64(len(l)) + 2
	}
}

// list returns the size of each message, by message number (index 0 is
// message 1).
func (c *pop3Conn) list() ([]int64, error) {
	if _, err := c.command("LIST"); err != nil {
		return nil, err
	}
	var sizes []int64
	var perr error
	_, err := c.body(func(l []byte) {
		num, size, ok := strings.Cut(string(l), " ")
		n, err1 := strconv.Atoi(num)
		s, err2 := strconv.ParseInt(size, 10, 64)
		if !ok || err1 != nil || err2 != nil || n != len(sizes)+1 {
			if perr == nil {
				perr = fmt.Errorf("LIST line %q", l)
			}
			return
		}
		sizes = append(sizes, s)
	})
	if err == nil {
		err = perr
	}
	return sizes, err
}

// retr retrieves message n and returns its size as received.
func (c *pop3Conn) retr(n int) (int64, error) {
	if _, err := c.command("RETR " + strconv.Itoa(n)); err != nil {
		return 0, err
	}
	return c.body(nil)
}

// quit ends the session politely and closes the connection.
func (c *pop3Conn) quit() error {
	_, err := c.command("QUIT")
	if cerr := c.conn.Close(); err == nil {
		err = cerr
	}
	return err
}

func (c *pop3Conn) close() { c.conn.Close() }
