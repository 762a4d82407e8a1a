package imap

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

func TestStoreFlags(t *testing.T) {
	e := newTestEnv(t, Options{})
	for i := 0; i < 3; i++ {
		e.deliver("joe@foo.com", simpleMsg)
	}
	r := e.session("SELECT")
	steps := []struct {
		cmd  string
		want []string
	}{
		{`STORE 1:2 +FLAGS (\Seen $Label1)`, []string{`* 1 FETCH (FLAGS (\Seen $Label1))`, `* 2 FETCH (FLAGS (\Seen $Label1))`}},
		{`STORE 2 -FLAGS ($label1)`, []string{`* 2 FETCH (FLAGS (\Seen))`}},
		{`STORE 3 FLAGS (\Flagged \Draft Todo)`, []string{`* 3 FETCH (FLAGS (\Flagged \Draft Todo))`}},
		{`STORE 3 FLAGS ()`, []string{`* 3 FETCH (FLAGS ())`}},
		// Flags already as asked still come back, as a FETCH of them would.
		{`STORE 1 +FLAGS \Seen`, []string{`* 1 FETCH (FLAGS (\Seen $Label1))`}},
		{`UID STORE 2 +FLAGS (\Answered)`, []string{`* 2 FETCH (UID 2 FLAGS (\Seen \Answered))`}},
		{`STORE 1:* +FLAGS.SILENT (\Deleted)`, nil},
		{`UID STORE 1:* -FLAGS.SILENT (\Deleted)`, nil},
		{`STORE 1 +FLAGS (\Recent)`, []string{`* 1 FETCH (FLAGS (\Seen $Label1))`}},
	}
	for _, s := range steps {
		lines := r.cmd("s", s.cmd)
		if got := last(lines); !strings.HasPrefix(got, "s OK") {
			t.Errorf("%s: %q", s.cmd, got)
			continue
		}
		got := lines[:len(lines)-1]
		slices.Sort(got)
		if !slices.Equal(got, s.want) {
			t.Errorf("%s: %q, want %q", s.cmd, got, s.want)
		}
	}
	if got := last(r.cmd("b", `STORE 1 +FLAGS (\Bogus)`)); !strings.HasPrefix(got, "b NO") {
		t.Errorf("unknown system flag: %q", got)
	}
	// The store's answers were this session's own: NOOP tells nothing.
	if lines := r.cmd("n", "NOOP"); len(lines) != 1 {
		t.Errorf("NOOP: %q", lines)
	}
}

// .SILENT sends nothing to the session that stores, while another session
// on the mailbox hears the change at its next command.
func TestStoreSilentOtherSessionSees(t *testing.T) {
	e := newTestEnv(t, Options{})
	e.deliver("joe@foo.com", simpleMsg)
	e.deliver("joe@foo.com", simpleMsg)
	a := e.session("SELECT")
	b := e.session("SELECT")
	if lines := a.cmd("a", `STORE 2 +FLAGS.SILENT (\Flagged)`); len(lines) != 1 {
		t.Errorf("silent STORE answered %q", lines)
	}
	time.Sleep(20 * time.Millisecond)
	lines := b.cmd("b", "NOOP")
	if !slices.Contains(lines, `* 2 FETCH (UID 2 FLAGS (\Flagged))`) {
		t.Errorf("other session: %q", lines)
	}
	// And one in IDLE hears it at once.
	b.send("c IDLE")
	b.line()
	a.cmd("a2", `STORE 1 +FLAGS.SILENT (\Answered)`)
	if l := b.line(); l != `* 1 FETCH (UID 1 FLAGS (\Answered))` {
		t.Errorf("during IDLE: %q", l)
	}
	b.send("DONE")
	b.expect("c OK")
}

func TestStoreReadOnly(t *testing.T) {
	e := newTestEnv(t, Options{})
	e.deliver("joe@foo.com", simpleMsg)
	r := e.session("EXAMINE")
	if got := last(r.cmd("a", `STORE 1 +FLAGS (\Seen)`)); !strings.HasPrefix(got, "a NO [READ-ONLY]") {
		t.Errorf("STORE in EXAMINE: %q", got)
	}
	if got := last(r.cmd("b", "FETCH 1 FLAGS")); !strings.HasPrefix(got, "b OK") {
		t.Errorf("after refusal: %q", got)
	}
}

// CONDSTORE: UNCHANGEDSINCE leaves messages changed since alone and names
// them in MODIFIED; MODSEQ comes with every STORE answer, .SILENT or not.
func TestStoreUnchangedSince(t *testing.T) {
	e := newTestEnv(t, Options{})
	for i := 0; i < 3; i++ {
		e.deliver("joe@foo.com", simpleMsg)
	}
	r := e.session("SELECT")
	lines := r.cmd("a", "FETCH 1:3 (MODSEQ)")
	if !strings.HasPrefix(lines[0], "* OK [HIGHESTMODSEQ ") {
		t.Errorf("first CONDSTORE command does not tell HIGHESTMODSEQ: %q", lines)
	}
	var m [4]uint64
	for _, l := range lines {
		var seq int
		var ms uint64
		if n, _ := fmt.Sscanf(l, "* %d FETCH (MODSEQ (%d))", &seq, &ms); n == 2 {
			m[seq] = ms
		}
	}
	r.cmd("b", `STORE 2 +FLAGS (\Flagged)`)
	lines = r.cmd("c", fmt.Sprintf(`STORE 1:3 (UNCHANGEDSINCE %d) +FLAGS.SILENT (\Seen)`, m[3]))
	if got := last(lines); got != "c OK [MODIFIED 2] STORE completed" {
		t.Errorf("tagged: %q", got)
	}
	var got []string
	for _, l := range lines[:len(lines)-1] {
		got = append(got, l[:strings.Index(l, "MODSEQ")])
	}
	if !slices.Equal(got, []string{"* 1 FETCH (UID 1 ", "* 3 FETCH (UID 3 "}) {
		t.Errorf("silent conditional STORE: %q", lines)
	}
	lines = r.cmd("d", `UID STORE 1:3 (UNCHANGEDSINCE 0) -FLAGS (\Seen)`)
	if got := last(lines); got != "d OK [MODIFIED 1:3] STORE completed" || len(lines) != 1 {
		t.Errorf("UNCHANGEDSINCE 0: %q", lines)
	}
	lines = r.cmd("e", `STORE 2 -FLAGS (\Flagged)`)
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "* 2 FETCH (UID 2 FLAGS () MODSEQ (") {
		t.Errorf("STORE with CONDSTORE on: %q", lines)
	}
	// CHANGEDSINCE shows only what changed after.
	var ms uint64
	if _, err := fmt.Sscanf(lines[0], "* 2 FETCH (UID 2 FLAGS () MODSEQ (%d))", &ms); err != nil {
		t.Fatal(err)
	}
	resp := r.responses("f", fmt.Sprintf("FETCH 1:2 (FLAGS) (CHANGEDSINCE %d)", ms-1))
	if len(resp) != 2 || !strings.HasPrefix(resp[0], "* 2 FETCH (FLAGS () MODSEQ (") {
		t.Errorf("CHANGEDSINCE: %q", resp)
	}
	// An implicit \Seen comes with UID and MODSEQ (RFC 7162 section 3.2.4).
	resp = r.responses("g", "FETCH 2 BODY[TEXT]")
	if !strings.Contains(resp[0], "FLAGS (\\Seen) UID 2 MODSEQ (") {
		t.Errorf("implicit \\Seen with CONDSTORE: %q", resp[0])
	}
}

func TestStoreWithImapclient(t *testing.T) {
	e := newTestEnv(t, Options{})
	e.deliver("joe@foo.com", simpleMsg)
	e.deliver("joe@foo.com", simpleMsg)
	cl := e.client("joe@foo.com")
	if _, err := cl.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := cl.Store(imap.UIDSetNum(1, 2), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagFlagged, "Work"}}, nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || !slices.Equal(msgs[0].Flags, []imap.Flag{imap.FlagFlagged, "Work"}) || msgs[1].UID != 2 {
		t.Errorf("store: %+v", msgs)
	}
	msgs, err = cl.Store(imap.SeqSetNum(2), &imap.StoreFlags{Op: imap.StoreFlagsSet, Flags: []imap.Flag{imap.FlagSeen}}, nil).Collect()
	if err != nil || len(msgs) != 1 || !slices.Equal(msgs[0].Flags, []imap.Flag{imap.FlagSeen}) {
		t.Errorf("replace: %+v %v", msgs, err)
	}
	msgs, err = cl.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsDel, Flags: []imap.Flag{"work"}, Silent: true}, nil).Collect()
	if err != nil || len(msgs) != 0 {
		t.Errorf("silent remove: %+v %v", msgs, err)
	}
	fetched, err := cl.Fetch(imap.SeqSetNum(1, 2), &imap.FetchOptions{Flags: true}).Collect()
	if err != nil || len(fetched) != 2 || !slices.Equal(fetched[0].Flags, []imap.Flag{imap.FlagFlagged}) {
		t.Errorf("after: %+v %v", fetched, err)
	}
}
