package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
)

func TestParseFlags(t *testing.T) {
	const head = "usage: mailbench test -n N\n\n"
	for _, c := range []struct {
		args    []string
		wantErr error  // matched with errors.Is; nil for success
		wantMsg string // the usageError's text, when one is wanted
		wantOut string // on stderr
		wantN   int    // -n after parsing; 0: not checked
	}{
		{args: nil, wantN: 1},
		{args: []string{"-n", "3"}, wantN: 3},
		{args: []string{"-h"}, wantErr: flag.ErrHelp, wantOut: head, wantN: 1},
		{args: []string{"--help"}, wantErr: flag.ErrHelp, wantOut: "number of n (default 1)", wantN: 1},
		{args: []string{"--nosuch"}, wantErr: errBadFlags, wantOut: "flag provided but not defined: -nosuch\n" + head, wantN: 1},
		{args: []string{"-n", "x"}, wantErr: errBadFlags, wantOut: "invalid value"},
		{args: []string{"-n", "3", "extra", "more"}, wantMsg: `unexpected argument "extra"`, wantN: 3},
	} {
		var stderr bytes.Buffer
		fs := newFlagSet("test", head, &stderr)
		n := fs.Int("n", 1, "number of `n`")
		err := parseFlags(fs, c.args)
		var ue usageError
		switch {
		case c.wantMsg != "":
			if !errors.As(err, &ue) || string(ue) != c.wantMsg {
				t.Errorf("%q: error %v, want usage error %q", c.args, err, c.wantMsg)
			}
		case !errors.Is(err, c.wantErr):
			t.Errorf("%q: error %v, want %v", c.args, err, c.wantErr)
		}
		if c.wantN != 0 && *n != c.wantN {
			t.Errorf("%q: -n is %d, want %d", c.args, *n, c.wantN)
		}
		if out := stderr.String(); c.wantOut == "" && out != "" || !strings.Contains(out, c.wantOut) {
			t.Errorf("%q: stderr %q, want it to hold %q", c.args, out, c.wantOut)
		}
	}
}

// Every mode answers -h with its usage and exit status 0, and refuses a
// stray argument or an unknown flag with exit status 2.
func TestModeFlags(t *testing.T) {
	for _, m := range modes {
		var out, errs bytes.Buffer
		if code := run(context.Background(), []string{m.name, "-h"}, &out, &errs); code != 0 {
			t.Errorf("%s -h: exit %d, want 0", m.name, code)
		}
		if head := "usage: mailbench " + m.name + " "; !strings.HasPrefix(errs.String(), head) || !strings.Contains(errs.String(), "  -json\n") {
			t.Errorf("%s -h: stderr %q, want %q and the flags", m.name, errs.String(), head)
		}
		errs.Reset()
		if code := run(context.Background(), []string{m.name, "extra"}, &out, &errs); code != 2 {
			t.Errorf("%s extra: exit %d, want 2", m.name, code)
		}
		if want := "mailbench " + m.name + `: unexpected argument "extra" (see mailbench ` + m.name + " -h)\n"; errs.String() != want {
			t.Errorf("%s extra: stderr %q, want %q", m.name, errs.String(), want)
		}
		wantUsageErrors(t, [][]string{{m.name, "--nosuchflag"}})
	}
}

// wantUsageErrors checks that each command line is refused with exit status
// 2 and a word on stderr.
func wantUsageErrors(t *testing.T, cases [][]string) {
	t.Helper()
	for _, args := range cases {
		var out, errs bytes.Buffer
		if code := run(context.Background(), args, &out, &errs); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
		if errs.Len() == 0 {
			t.Errorf("%q: nothing said on stderr", args)
		}
	}
}
