package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"
)

// pop3Options are the flags of the pop3 mode.
type pop3Options struct {
	addr       string
	users      []string
	pass       string
	mech       string // "user" or "plain"
	conns      int
	messages   int // total RETRs; 0: each connection's maildrop once
	perSession int // RETRs before QUIT and a new login; 0: one session
	tlsMode    string
	caFile     string
	insecure   bool
	timeout    time.Duration
	json       bool
	tlsConfig  *tls.Config
}

func parsePOP3Flags(args []string, stderr io.Writer) (*pop3Options, error) {
	o := &pop3Options{}
	fs := newFlagSet("pop3", "usage: mailbench pop3 --addr ADDR --user LOGIN [--user LOGIN...] [flags]\n\n"+
		"Opens --conns POP3 connections, each logged in as one --user in turn\n"+
		"(connection i as user i modulo their number), and retrieves messages with\n"+
		"RETR; reports messages per second and the latency of each RETR.\n\n", stderr)
	fs.StringVar(&o.addr, "addr", "", "POP3 server `host:port`")
	fs.Var((*stringList)(&o.users), "user", "`login` to use; repeat for several (POP3 servers lock a maildrop per session)")
	fs.StringVar(&o.pass, "pass", "pass", "`password` of every --user")
	fs.StringVar(&o.mech, "auth", "user", "how to log in: `user` (USER/PASS) or plain (AUTH PLAIN)")
	fs.IntVar(&o.conns, "conns", 1, "number of concurrent `connections`")
	fs.IntVar(&o.messages, "messages", 0, "`number` of RETRs in total, spread over the connections, each going round its\n"+
		"maildrop; 0 retrieves every message of each connection's maildrop once")
	fs.IntVar(&o.perSession, "per-session", 0, "RETRs per session before QUIT and a new login (`n`); 0 keeps one session")
	fs.StringVar(&o.tlsMode, "tls", "none", "`mode`: none, stls (STLS after the greeting) or pop3s (TLS from the start)")
	fs.StringVar(&o.caFile, "ca", "", "PEM `file` of the certificates to trust for TLS (default: the system's)")
	fs.BoolVar(&o.insecure, "insecure", false, "do not verify the server's certificate")
	fs.DurationVar(&o.timeout, "timeout", time.Minute, "time allowed for connecting and for each reply")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	switch {
	case o.addr == "":
		return nil, usageError("--addr is required")
	case len(o.users) == 0:
		return nil, usageError("--user is required")
	case o.mech != "user" && o.mech != "plain":
		return nil, usageError("--auth must be user or plain")
	case o.conns < 1:
		return nil, usageError("--conns must be at least 1")
	case o.messages < 0 || o.perSession < 0:
		return nil, usageError("--messages and --per-session must not be negative")
	case o.tlsMode != "none" && o.tlsMode != "stls" && o.tlsMode != "pop3s":
		return nil, usageError("--tls must be none, stls or pop3s")
	case o.timeout <= 0:
		return nil, usageError("--timeout must be positive")
	}
	if o.messages > 0 {
		o.conns = min(o.conns, o.messages)
	}
	if o.tlsMode != "none" {
		o.tlsConfig = &tls.Config{InsecureSkipVerify: o.insecure}
		if o.caFile != "" {
			pem, err := os.ReadFile(o.caFile)
			if err != nil {
				return nil, err
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, usageError("--ca holds no PEM certificate")
			}
			o.tlsConfig.RootCAs = pool
		}
	}
	return o, nil
}

// Names of the counts that the pop3 mode reports, in the order shown.
const (
	countRetrieved = "retrieved" // RETRs answered with a whole message of the size LIST gave
	countFailed    = "failed"    // RETRs refused, cut off or of the wrong size
	countOctets    = "octets"    // message octets received, as stored (dot-stuffing undone)
	countLogins    = "logins"    // sessions logged in
)

var pop3CountOrder = []string{countFailed, countOctets, countLogins, countConnects}

// runPOP3 is the pop3 subcommand.
func runPOP3(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parsePOP3Flags(args, stderr)
	if err != nil {
		return err
	}
	r := benchPOP3(ctx, o, commandLine("pop3", args))
	return r.Write(stdout, o.json)
}

// benchPOP3 runs the load and returns its report.
func benchPOP3(ctx context.Context, o *pop3Options, command string) *Report {
	var next atomic.Int64 // index of the next RETR, with --messages
	total, elapsed := runWorkers(o.conns, append([]string{countRetrieved}, pop3CountOrder...), func(i int, t *Tally) {
		pop3Worker(ctx, o, o.users[i%len(o.users)], &next, t)
	})
	r := NewReport("pop3", command, o.addr, o.conns, elapsed, countRetrieved, total)
	r.CountOrder = pop3CountOrder
	r.BreakdownName = "user"
	return r
}

// pop3Worker owns one connection. It logs in as user, lists the maildrop,
// and retrieves message after message, going round the maildrop, until
// its share is done (--messages) or it has retrieved every message once.
// A broken connection is redialled; a refused dial or login stops the
// worker, since every later try would meet the same.
func pop3Worker(ctx context.Context, o *pop3Options, user string, next *atomic.Int64, t *Tally) {
	var c *pop3Conn
	defer func() {
		if c != nil {
			c.quit()
		}
	}()
	var sizes []int64
	pos, inSession := 0, 0 // RETRs so far, in all sessions and in this one
	for ctx.Err() == nil {
		if o.messages > 0 && next.Load() >= int64(o.messages) || o.messages == 0 && sizes != nil && pos >= len(sizes) {
			return
		}
		if c == nil {
			var err error
			if c, sizes, err = pop3Session(ctx, o, user, t); err != nil {
				t.Error(err.Error())
				return
			}
			inSession = 0
		}
		// The share is taken once logged in, so that a worker whose login
		// fails leaves its RETRs to the others.
		if o.messages > 0 && next.Add(1) > int64(o.messages) {
			return
		}
		if o.messages == 0 && pos >= len(sizes) {
			return // a maildrop that shrank since the first LIST
		}
		num := pos%len(sizes) + 1
		pos++
		began := time.Now()
		got, err := c.retr(num)
		took := time.Since(began)
		var refused popReply
		switch {
		case errors.As(err, &refused):
			t.Error("RETR: " + string(refused))
			t.Add(countFailed, 1)
			t.Outcome(user, false)
		case err != nil:
			t.Error("RETR: connection: " + err.Error())
			t.Add(countFailed, 1)
			t.Outcome(user, false)
			c.close()
			c = nil
			continue
		case got != sizes[num-1]:
			t.Error(fmt.Sprintf("RETR: %d octets where LIST said %d", got, sizes[num-1]))
			t.Add(countFailed, 1)
			t.Outcome(user, false)
		default:
			t.Observe(took)
			t.Add(countRetrieved, 1)
			t.Add(countOctets, got)
			t.Outcome(user, true)
		}
		if inSession++; o.perSession > 0 && inSession >= o.perSession {
			c.quit()
			c = nil
		}
	}
}

// pop3Session connects, logs in and lists the maildrop.
func pop3Session(ctx context.Context, o *pop3Options, user string, t *Tally) (*pop3Conn, []int64, error) {
	c, err := dialPOP3(ctx, o.addr, o.tlsMode, o.tlsConfig, o.timeout)
	if err != nil {
		return nil, nil, fmt.Errorf("connect: %w", err)
	}
	t.Add(countConnects, 1)
	if err := c.login(user, o.pass, o.mech); err != nil {
		c.close()
		return nil, nil, fmt.Errorf("login %s: %w", user, err)
	}
	t.Add(countLogins, 1)
	sizes, err := c.list()
	if err == nil && len(sizes) == 0 {
		err = errors.New("the maildrop is empty")
	}
	if err != nil {
		c.close()
		return nil, nil, fmt.Errorf("LIST of %s: %w", user, err)
	}
	return c, sizes, nil
}
