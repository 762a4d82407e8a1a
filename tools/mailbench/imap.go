package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The imap mode times the operations of issue 4's comparison on one
// mailbox, against any IMAP server: fill it, then SELECT, FETCH 1:* (FLAGS
// ENVELOPE), FETCH of full bodies, SEARCH BODY of a rare word, STORE on 1:*,
// a client's usual mix over many connections, and the memory each idle
// connection costs the server.

type imapOptions struct {
	addr     string
	user     string
	users    int
	pass     string
	mailbox  string
	op       string
	repeat   int
	conns    int
	messages int
	size     int
	rare     string
	rareAt   int
	bodies   int
	duration time.Duration
	procName string
	timeout  time.Duration
	json     bool
}

const imapOps = "fill, select, fetch-envelope, fetch-bodies, search-body, store, mix, idle"

func parseIMAPFlags(args []string, stderr io.Writer) (*imapOptions, error) {
	o := &imapOptions{}
	fs := newFlagSet("imap", "usage: mailbench imap --addr ADDR --user LOGIN --op OP [flags]\n\n"+
		"OP is one of: "+imapOps+".\n\n", stderr)
	fs.StringVar(&o.addr, "addr", "", "IMAP server `host:port`")
	fs.StringVar(&o.user, "user", "", "`login`; with --users, a pattern with %d for the user's number")
	fs.IntVar(&o.users, "users", 1, "spread the connections of mix and idle over this many users (`n`): connection i logs in as --user with i mod n + 1 for %d")
	fs.StringVar(&o.pass, "pass", "pass", "`password`")
	fs.StringVar(&o.mailbox, "mailbox", "INBOX", "`mailbox` to work on")
	fs.StringVar(&o.op, "op", "", "`operation`: "+imapOps)
	fs.IntVar(&o.repeat, "repeat", 5, "times to repeat a timed operation (`n`); the report gives every run")
	fs.IntVar(&o.conns, "conns", 1, "concurrent `connections` for mix and idle")
	fs.IntVar(&o.messages, "messages", 10000, "messages to APPEND for fill (`n`)")
	fs.IntVar(&o.size, "size", 4096, "size of each filled message in `bytes`")
	fs.StringVar(&o.rare, "rare", "xylophonist", "the rare `word` fill puts in one message and search-body looks for")
	fs.IntVar(&o.rareAt, "rare-at", 7777, "the message (`n`, 1-based) that carries the rare word")
	fs.IntVar(&o.bodies, "bodies", 1000, "messages whose full body fetch-bodies reads (`n`)")
	fs.DurationVar(&o.duration, "duration", 20*time.Second, "how long mix runs, and how long idle holds its connections")
	fs.StringVar(&o.procName, "proc", "", "for idle: the server's process `name` (comm), whose resident memory is summed before and after")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "time allowed for each command")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	switch {
	case o.addr == "" || o.user == "":
		return nil, usageError("--addr and --user are required")
	case !strings.Contains(imapOps, o.op) || o.op == "":
		return nil, usageError("--op must be one of " + imapOps)
	case o.repeat < 1 || o.conns < 1:
		return nil, usageError("--repeat and --conns must be at least 1")
	}
	return o, nil
}

func runIMAP(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseIMAPFlags(args, stderr)
	if err != nil {
		return err
	}
	command := "mailbench imap " + strings.Join(args, " ")
	t := NewTally()
	start := time.Now()
	unit := "runs"
	switch o.op {
	case "fill":
		unit = "messages"
		err = imapFill(ctx, o, t)
	case "mix":
		unit = "operations"
		err = imapMix(ctx, o, t)
	case "idle":
		unit = "connections"
		err = imapIdle(ctx, o, t, stdout)
	default:
		err = imapTimed(ctx, o, t)
	}
	if err != nil {
		return err
	}
	r := NewReport("imap "+o.op, command, o.addr, o.conns, time.Since(start), unit, t)
	r.CountOrder = []string{"lines", "bytes", "rss_before_kib", "rss_after_kib", "bytes_per_connection"}
	for i := 0; i < len(r.CountOrder); i++ {
		if _, ok := r.Counts[r.CountOrder[i]]; !ok {
			r.CountOrder = append(r.CountOrder[:i], r.CountOrder[i+1:]...)
			i--
		}
	}
	return r.Write(stdout, o.json)
}

// login opens a connection logged in as the user of connection c.
func (o *imapOptions) login(c int) (*imapConn, error) {
	ic, err := dialIMAP(o.addr, o.timeout)
	if err != nil {
		return nil, err
	}
	user := o.user
	if strings.Contains(user, "%d") {
		user = fmt.Sprintf(user, c%max(o.users, 1)+1)
	}
	r, err := ic.cmd("LOGIN %s %s", quote(user), quote(o.pass))
	if err == nil && !r.ok() {
		err = fmt.Errorf("LOGIN: %s", r.status)
	}
	if err != nil {
		ic.Close()
		return nil, err
	}
	return ic, nil
}

func quote(s string) string { return strconv.Quote(s) }

// imapFill appends the messages of the run, one carrying the rare word.
func imapFill(ctx context.Context, o *imapOptions, t *Tally) error {
	ic, err := o.login(0)
	if err != nil {
		return err
	}
	defer ic.Close()
	gen := newMessageGen("bench@example.net", []string{strings.ReplaceAll(o.user, "%d", "1")}, o.size)
	for i := 0; i < o.messages && ctx.Err() == nil; i++ {
		msg := gen.build(i)
		if i+1 == o.rareAt {
			msg = append(msg[:len(msg)-2], []byte(" "+o.rare+"\r\n")...)
		}
		if _, err := timedReply(t, "messages", func() (imapReply, error) { return ic.appendMessage(quote(o.mailbox), msg) }); err != nil {
			return err
		}
	}
	return nil
}

// imapTimed runs one operation --repeat times on a selected mailbox and
// records each run's time.
func imapTimed(ctx context.Context, o *imapOptions, t *Tally) error {
	ic, err := o.login(0)
	if err != nil {
		return err
	}
	defer ic.Close()
	if o.op != "select" {
		if r, err := ic.cmd("SELECT %s", quote(o.mailbox)); err != nil || !r.ok() {
			return fmt.Errorf("SELECT: %v %s", err, r.status)
		}
	}
	for i := 0; i < o.repeat && ctx.Err() == nil; i++ {
		var command string
		switch o.op {
		case "select":
			command = "SELECT " + quote(o.mailbox)
		case "fetch-envelope":
			command = "FETCH 1:* (FLAGS ENVELOPE)"
		case "fetch-bodies":
			command = fmt.Sprintf("FETCH 1:%d BODY.PEEK[]", o.bodies)
		case "search-body":
			command = "SEARCH BODY " + o.rare
		case "store":
			sign := "+"
			if i%2 == 1 {
				sign = "-"
			}
			command = "STORE 1:* " + sign + `FLAGS (\Flagged)`
		}
		r, err := timedReply(t, "runs", func() (imapReply, error) { return ic.cmd("%s", command) })
		if err != nil {
			return err
		}
		if r.ok() {
			t.Add("lines", int64(r.lines))
			t.Add("bytes", r.bytes)
		}
	}
	return nil
}

// timedReply sends one command and tallies its reply: a refusal is an
// error, a success one more of unit with its latency. It returns an error
// only when the connection failed, which ends the run.
func timedReply(t *Tally, unit string, command func() (imapReply, error)) (imapReply, error) {
	begin := time.Now()
	r, err := command()
	if err != nil {
		return r, err
	}
	if !r.ok() {
		t.Error(r.status)
		return r, nil
	}
	t.Observe(time.Since(begin))
	t.Add(unit, 1)
	return r, nil
}

// imapMix has each connection act like a mail client for --duration:
// select, list the newest headers, read one message, mark it seen, check
// for news.
func imapMix(ctx context.Context, o *imapOptions, t *Tally) error {
	ctx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	var mu sync.Mutex
	var firstErr error // the first worker's error; guarded by mu
	total, _ := runWorkers(o.conns, nil, func(c int, tally *Tally) {
		if err := mixWorker(ctx, o, tally, c); err != nil {
			mu.Lock()
			if firstErr == nil {
				firstErr = err
			}
			mu.Unlock()
		}
	})
	t.Merge(total)
	return firstErr
}

func mixWorker(ctx context.Context, o *imapOptions, t *Tally, c int) error {
	ic, err := o.login(c)
	if err != nil {
		return err
	}
	defer ic.Close()
	step := func(format string, args ...any) (imapReply, bool) {
		begin := time.Now()
		r, err := ic.cmd(format, args...)
		if err != nil || !r.ok() {
			t.Error(fmt.Sprintf("%v %s", err, r.status))
			return r, false
		}
		t.Observe(time.Since(begin))
		t.Add("operations", 1)
		return r, true
	}
	for i := 0; ctx.Err() == nil; i++ {
		r, ok := step("SELECT %s", quote(o.mailbox))
		if !ok {
			return nil
		}
		exists := 0
		for _, l := range r.first {
			if f := strings.Fields(l); len(f) == 3 && f[2] == "EXISTS" {
				exists, _ = strconv.Atoi(f[1])
			}
		}
		if exists == 0 {
			continue
		}
		lo := max(1, exists-49)
		step("FETCH %d:%d (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)", lo, exists)
		n := lo + (i*7+c)%(exists-lo+1)
		step("FETCH %d BODY.PEEK[]", n)
		step(`STORE %d +FLAGS.SILENT (\Seen)`, n)
		step("NOOP")
	}
	return nil
}

// imapIdle holds --conns connections in IDLE and reports the server's
// resident memory per connection.
func imapIdle(ctx context.Context, o *imapOptions, t *Tally, stdout io.Writer) error {
	before := residentKiB(o.procName)
	var conns []*imapConn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < o.conns && ctx.Err() == nil; i++ {
		begin := time.Now()
		ic, err := o.login(i)
		if err == nil {
			var r imapReply
			if r, err = ic.cmd("SELECT %s", quote(o.mailbox)); err == nil && !r.ok() {
				err = errors.New(r.status)
			}
		}
		if err == nil {
			err = ic.startIdle()
		}
		if err != nil {
			t.Error(err.Error())
			if ic != nil {
				ic.Close()
			}
			continue
		}
		conns = append(conns, ic)
		t.Observe(time.Since(begin))
		t.Add("connections", 1)
	}
	// Let the server settle (and its garbage collector run) before reading.
	select {
	case <-time.After(o.duration):
	case <-ctx.Done():
	}
	after := residentKiB(o.procName)
	if o.procName != "" && len(conns) > 0 {
		t.Add("rss_before_kib", before)
		t.Add("rss_after_kib", after)
		t.Add("bytes_per_connection", (after-before)*1024/int64(len(conns)))
	}
	return nil
}

// residentKiB sums VmRSS of the processes named name.
func residentKiB(name string) int64 {
	if name == "" {
		return 0
	}
	var total int64
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		comm, err := os.ReadFile(d + "/comm")
		if err != nil || strings.TrimSpace(string(comm)) != name {
			continue
		}
		status, err := os.ReadFile(d + "/status")
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(status), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
				kib, _ := strconv.ParseInt(f[1], 10, 64)
				total += kib
			}
		}
	}
	return total
}
