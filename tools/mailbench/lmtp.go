package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// lmtpOptions are the flags of the lmtp mode.
type lmtpOptions struct {
	addr       string
	rcpts      []string
	from       string
	conns      int
	messages   int
	size       int
	pipelining bool
	timeout    time.Duration
	helo       string
	json       bool
}

// stringList is a flag that may be given several times.
type stringList []string

func (l *stringList) String() string     { return fmt.Sprint(*l) }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

func parseLMTPFlags(args []string, stderr io.Writer) (*lmtpOptions, error) {
	o := &lmtpOptions{}
	fs := newFlagSet("lmtp", "usage: mailbench lmtp --addr ADDR --rcpt USER [--rcpt USER...] [flags]\n\n"+
		"Delivers --messages messages over --conns concurrent LMTP connections, each\n"+
		"message to every --rcpt, and reports deliveries per second and latency.\n\n", stderr)
	fs.StringVar(&o.addr, "addr", "", "LMTP server: `host:port` or unix:/path/to/socket")
	fs.Var((*stringList)(&o.rcpts), "rcpt", "recipient `address`; repeat for several (each message goes to all)")
	fs.StringVar(&o.from, "from", "mailbench@example.net", "envelope sender and From `address`")
	fs.IntVar(&o.conns, "conns", 1, "number of concurrent `connections`")
	fs.IntVar(&o.messages, "messages", 100, "`number` of messages to send in total, spread over the connections")
	fs.IntVar(&o.size, "size", 4096, "size of each message in `bytes` (header and body, CRLF)")
	fs.BoolVar(&o.pipelining, "pipelining", false, "send MAIL, RCPT and DATA in one write when the server offers PIPELINING")
	fs.DurationVar(&o.timeout, "timeout", time.Minute, "time allowed for connecting and for each reply")
	fs.StringVar(&o.helo, "lhlo", "mailbench.localhost", "`name` to give in LHLO")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	switch {
	case o.addr == "":
		return nil, usageError("--addr is required")
	case len(o.rcpts) == 0:
		return nil, usageError("--rcpt is required")
	case o.conns < 1:
		return nil, usageError("--conns must be at least 1")
	case o.messages < 1:
		return nil, usageError("--messages must be at least 1")
	case o.size < 0:
		return nil, usageError("--size must not be negative")
	case o.timeout <= 0:
		return nil, usageError("--timeout must be positive")
	}
	// More connections than messages would only open idle sessions.
	o.conns = min(o.conns, o.messages)
	return o, nil
}

// Names of the counts that the lmtp mode reports, in the order shown.
const (
	countDeliveries = "deliveries" // 2xx replies at the end of data: one per recipient per message
	countMessages   = "messages"   // transactions that got as far as a reply to MAIL
	countComplete   = "complete"   // messages delivered to every recipient
	countRefused    = "refused"    // recipient replies that were not 2xx
	countBytes      = "bytes"      // message bytes sent, before dot-stuffing
	countUnsent     = "unsent"     // messages never tried because connections failed
	countConnects   = "connects"   // connections opened (LHLO done)
)

var lmtpCountOrder = []string{countMessages, countComplete, countRefused, countBytes, countConnects, countUnsent}

// runLMTP is the lmtp subcommand.
func runLMTP(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseLMTPFlags(args, stderr)
	if err != nil {
		return err
	}
	r := benchLMTP(ctx, o, commandLine("lmtp", args))
	return r.Write(stdout, o.json)
}

// benchLMTP runs the load and returns its report.
func benchLMTP(ctx context.Context, o *lmtpOptions, command string) *Report {
	gen := newMessageGen(o.from, o.rcpts, o.size)
	var next atomic.Int64 // index of the next message to send
	total, elapsed := runWorkers(o.conns, append([]string{countDeliveries}, lmtpCountOrder...), func(_ int, t *Tally) {
		lmtpWorker(ctx, o, gen, &next, t)
	})
	if unsent := int64(o.messages) - total.Counts[countMessages] - total.Counts[countUnsent]; unsent > 0 {
		// Interrupted, or every connection failed: say what never left.
		total.Counts[countUnsent] += unsent
	}
	r := NewReport("lmtp", command, o.addr, o.conns, elapsed, countDeliveries, total)
	r.CountOrder = lmtpCountOrder
	r.BreakdownName = "recipient"
	return r
}

// lmtpWorker owns one connection. It takes message numbers from next until
// all are sent, the context ends, or it cannot connect. A broken connection
// is redialled for the next message; a failed dial stops the worker, since
// the other workers will find the same server and carry on if they can.
func lmtpWorker(ctx context.Context, o *lmtpOptions, gen *messageGen, next *atomic.Int64, t *Tally) {
	var c *lmtpConn
	defer func() {
		if c != nil {
			c.quit()
		}
	}()
	var wire []byte
	for ctx.Err() == nil {
		n := int(next.Add(1) - 1)
		if n >= o.messages {
			return
		}
		if c == nil {
			var err error
			c, err = dialLMTP(ctx, o.addr, o.helo, o.timeout)
			if err != nil {
				t.Error("connect: " + err.Error())
				t.Add(countUnsent, 1)
				return
			}
			t.Add(countConnects, 1)
		}
		msg := gen.build(n)
		wire = appendDotStuffed(wire[:0], msg)

		began := time.Now()
		d, err := c.deliver(o.from, o.rcpts, wire, len(msg), o.pipelining)
		took := time.Since(began)

		if d.Mail.Code != 0 {
			t.Add(countMessages, 1)
		}
		if err == nil {
			t.Observe(took)
			t.Add(countBytes, int64(len(msg)))
		}
		tallyDelivery(t, o.rcpts, d)
		if err != nil {
			t.Error("connection: " + err.Error())
			if d.Mail.Code == 0 {
				t.Add(countUnsent, 1)
			}
			c.close()
			c = nil
		}
	}
}

// tallyDelivery counts each recipient's final reply of one transaction. A
// refused MAIL or DATA is one reply, so it is one error, though it fails
// every recipient still waiting.
func tallyDelivery(t *Tally, rcpts []string, d *delivery) {
	all := true
	shared := map[string]bool{} // MAIL or DATA refusal already counted
	for i, rcpt := range rcpts {
		r := d.Final[i]
		if r.Code == 0 {
			all = false // the connection broke before this reply
			continue
		}
		t.Outcome(rcpt, r.ok())
		if r.ok() {
			t.Add(countDeliveries, 1)
			continue
		}
		all = false
		t.Add(countRefused, 1)
		switch stage := d.Stage[i]; stage {
		case "MAIL", "DATA":
			if !shared[stage] {
				shared[stage] = true
				t.Error(fmt.Sprintf("%s: %s", stage, r))
			}
		default:
			t.Error(fmt.Sprintf("%s <%s>: %s", stage, rcpt, r))
		}
	}
	if all {
		t.Add(countComplete, 1)
	}
}

// errFailures makes the exit status say that some replies were errors.
var errFailures = errors.New("some deliveries failed")
