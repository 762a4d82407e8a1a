package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"time"
)

// The LMTP client is written on net/textproto rather than go-smtp's Client
// because a load generator must see every reply exactly as sent: go-smtp keys
// the per-recipient DATA replies by address (so a recipient named twice loses
// a reply), keeps no code for a 2xx, and re-sends LHLO after RSET. Here each
// RCPT and each DATA reply keeps its code and text, in order, and a
// connection says LHLO once.

// reply is one server reply; a multi-line reply's lines are joined by "\n".
type reply struct {
	Code int
	Text string
}

func (r reply) ok() bool       { return r.Code >= 200 && r.Code < 300 }
func (r reply) String() string { return fmt.Sprintf("%d %s", r.Code, r.Text) }

// lmtpConn is one LMTP session. It is used by one goroutine at a time.
type lmtpConn struct {
	conn    net.Conn
	tp      *textproto.Conn
	timeout time.Duration     // for each reply
	ext     map[string]string // LHLO keywords, upper case, to their parameters
}

// dialLMTP connects to addr ("host:port" or "unix:/path"), reads the greeting
// and says LHLO.
func dialLMTP(ctx context.Context, addr, helo string, timeout time.Duration) (*lmtpConn, error) {
	network, address := "tcp", addr
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		network, address = "unix", path
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	c := &lmtpConn{conn: conn, tp: textproto.NewConn(conn), timeout: timeout}
	if err := c.hello(helo); err != nil {
		conn.Close()
		return nil, err
	}
	return c, nil
}

func (c *lmtpConn) hello(helo string) error {
	greet, err := c.read()
	if err != nil {
		return fmt.Errorf("greeting: %w", err)
	}
	if greet.Code != 220 {
		return fmt.Errorf("greeting: %s", greet)
	}
	r, err := c.command("LHLO %s", helo)
	if err != nil {
		return fmt.Errorf("LHLO: %w", err)
	}
	if r.Code != 250 {
		return fmt.Errorf("LHLO: %s", r)
	}
	c.ext = map[string]string{}
	lines := strings.Split(r.Text, "\n")
	for _, l := range lines[1:] { // the first line is the server's name
		kw, param, _ := strings.Cut(l, " ")
		c.ext[strings.ToUpper(kw)] = param
	}
	return nil
}

// read reads one reply within the timeout.
func (c *lmtpConn) read() (reply, error) {
	c.conn.SetReadDeadline(time.Now().Add(c.timeout))
	code, text, err := c.tp.ReadResponse(0)
	if err != nil {
		return reply{}, err
	}
	return reply{Code: code, Text: text}, nil
}

// send writes one command line without flushing.
func (c *lmtpConn) send(format string, args ...any) error {
	c.conn.SetWriteDeadline(time.Now().Add(c.timeout))
	if _, err := fmt.Fprintf(c.tp.W, format, args...); err != nil {
		return err
	}
	_, err := c.tp.W.WriteString("\r\n")
	return err
}

func (c *lmtpConn) flush() error {
	c.conn.SetWriteDeadline(time.Now().Add(c.timeout))
	return c.tp.W.Flush()
}

// command sends one command and reads its reply.
func (c *lmtpConn) command(format string, args ...any) (reply, error) {
	if err := c.send(format, args...); err != nil {
		return reply{}, err
	}
	if err := c.flush(); err != nil {
		return reply{}, err
	}
	return c.read()
}

// delivery is what the server said about one message.
type delivery struct {
	Mail reply
	Rcpt []reply // one per recipient of the transaction, in order
	Data *reply  // the reply to DATA itself, nil if DATA was not sent
	// Final holds, for each recipient, the reply after the message was
	// sent: the per-recipient LMTP reply for an accepted recipient, a copy
	// of its RCPT reply for a refused one, or of the MAIL or DATA reply
	// when the transaction stopped there.
	Final []reply
	// Stage says, for each recipient, which command the Final reply
	// answered: "MAIL", "RCPT", "DATA" or "end of data".
	Stage []string
}

// deliver runs one transaction: MAIL, one RCPT per recipient, DATA, the
// dot-stuffed message wire (from appendDotStuffed), and one reply per
// accepted recipient. With pipelining (RFC 2920, which every LMTP server
// has to offer) MAIL, the RCPTs and DATA go in one write.
//
// A non-nil error means the connection is no longer usable; a refusal by the
// server is not an error but shows in the returned delivery.
func (c *lmtpConn) deliver(from string, rcpts []string, wire []byte, size int, pipelining bool) (*delivery, error) {
	d := &delivery{
		Rcpt:  make([]reply, 0, len(rcpts)),
		Final: make([]reply, len(rcpts)),
		Stage: make([]string, len(rcpts)),
	}
	mail := fmt.Sprintf("MAIL FROM:<%s>", from)
	if _, ok := c.ext["SIZE"]; ok {
		mail += fmt.Sprintf(" SIZE=%d", size)
	}
	pipelining = pipelining && c.hasExt("PIPELINING")

	var err error
	if pipelining {
		err = c.sendEnvelope(mail, rcpts)
		if err == nil {
			err = c.flush()
		}
		if err == nil {
			err = c.readEnvelope(d, len(rcpts))
		}
	} else {
		d.Mail, err = c.command("%s", mail)
		if err == nil && d.Mail.ok() {
			for _, rcpt := range rcpts {
				var r reply
				if r, err = c.command("RCPT TO:<%s>", rcpt); err != nil {
					break
				}
				d.Rcpt = append(d.Rcpt, r)
			}
		}
	}
	if err != nil {
		return d, err
	}

	accepted := 0
	for i := range rcpts {
		switch {
		case !d.Mail.ok():
			d.Final[i], d.Stage[i] = d.Mail, "MAIL"
		case !d.Rcpt[i].ok():
			d.Final[i], d.Stage[i] = d.Rcpt[i], "RCPT"
		default:
			accepted++
		}
	}
	if d.Data != nil && d.Data.Code == 354 && accepted == 0 {
		// Only a pipelined DATA can get here; the session is out of step.
		return d, errors.New("DATA: 354 although no recipient was accepted")
	}
	if !d.Mail.ok() {
		return d, nil // no transaction was opened
	}

	if !pipelining && accepted > 0 {
		r, err := c.command("DATA")
		if err != nil {
			return d, err
		}
		d.Data = &r
	}
	if d.Data == nil || d.Data.Code != 354 {
		for i := range rcpts {
			if d.Stage[i] == "" { // accepted, then DATA refused
				d.Final[i], d.Stage[i] = *d.Data, "DATA"
			}
		}
		// Close the transaction that MAIL opened before the next one.
		r, err := c.command("RSET")
		if err != nil {
			return d, fmt.Errorf("RSET: %w", err)
		}
		if !r.ok() {
			return d, fmt.Errorf("RSET: %s", r)
		}
		return d, nil
	}

	c.conn.SetWriteDeadline(time.Now().Add(c.timeout))
	if _, err := c.tp.W.Write(wire); err != nil {
		return d, err
	}
	if err := c.flush(); err != nil {
		return d, err
	}
	// RFC 2033 section 4.2: one reply per accepted RCPT, in RCPT order.
	for i := range rcpts {
		if d.Stage[i] != "" {
			continue
		}
		r, err := c.read()
		if err != nil {
			return d, fmt.Errorf("reply for <%s> after data: %w", rcpts[i], err)
		}
		d.Final[i], d.Stage[i] = r, "end of data"
	}
	return d, nil
}

func (c *lmtpConn) sendEnvelope(mail string, rcpts []string) error {
	if err := c.send("%s", mail); err != nil {
		return err
	}
	for _, rcpt := range rcpts {
		if err := c.send("RCPT TO:<%s>", rcpt); err != nil {
			return err
		}
	}
	return c.send("DATA")
}

// readEnvelope reads the replies to a pipelined MAIL, the RCPTs and DATA.
func (c *lmtpConn) readEnvelope(d *delivery, nrcpt int) error {
	var err error
	if d.Mail, err = c.read(); err != nil {
		return fmt.Errorf("MAIL: %w", err)
	}
	for range nrcpt {
		r, err := c.read()
		if err != nil {
			return fmt.Errorf("RCPT: %w", err)
		}
		d.Rcpt = append(d.Rcpt, r)
	}
	r, err := c.read()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	d.Data = &r
	return nil
}

func (c *lmtpConn) hasExt(kw string) bool {
	_, ok := c.ext[kw]
	return ok
}

// quit ends the session politely and closes the connection.
func (c *lmtpConn) quit() error {
	_, err := c.command("QUIT")
	if cerr := c.conn.Close(); err == nil {
		err = cerr
	}
	return err
}

func (c *lmtpConn) close() { c.conn.Close() }
