package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	cases := [][]string{
		{"frobnicate"},
		{"domain"},
		{"domain", "add"},
		{"domain", "add", "a.com", "b.com"},
		{"user", "passwd", "joe@foo.com"}, // --password-stdin is required
		{"quota", "set", "foo.com", "--storage", "lots"},
		{"domain", "list", "--nosuch"},
		{"reconstruct"},
		{"reconstruct", "foo.com/users/joe/INBOX", "--all"},
	}
	for _, args := range cases {
		fails(t, dir, "", exitUsage, args)
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"mailbox", "create", "--help"}, {"acl", "set", "-h"}} {
		var out, errb bytes.Buffer
		code := run(args, strings.NewReader(""), &out, &errb)
		if code != 0 || !strings.Contains(out.String(), "Usage: mstore") || errb.Len() != 0 {
			t.Errorf("mstore %v: exit %d, stdout %q, stderr %q", args, code, out.String(), errb.String())
		}
	}
}

func TestProtectHyphenArgs(t *testing.T) {
	cases := []struct{ in, want []string }{
		{[]string{"acl", "set", "P", "-joe", "lr"}, []string{"acl", "set", "--", "P", "-joe", "lr"}},
		{[]string{"--store", "d", "acl", "set", "P", "joe", "-w", "--config", "c"},
			[]string{"--store", "d", "acl", "set", "--config", "c", "--", "P", "joe", "-w"}},
		{[]string{"acl", "del", "P", "--store=d", "-bob"}, []string{"acl", "del", "--store=d", "--", "P", "-bob"}},
		{[]string{"acl", "set", "P", "--", "-x", "lr"}, []string{"acl", "set", "--", "P", "-x", "lr"}},
		{[]string{"acl", "get", "P", "--json"}, []string{"acl", "get", "P", "--json"}},
		{[]string{"domain", "add", "-x"}, []string{"domain", "add", "-x"}},
		{[]string{"--", "acl", "set"}, []string{"--", "acl", "set"}},
	}
	for _, c := range cases {
		if got := protectHyphenArgs(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("protectHyphenArgs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// --store wins; without it a --config file's store.path is used; without
// either, ./var.
func TestStoreDirectory(t *testing.T) {
	tmp := t.TempDir()
	fromConfig := filepath.Join(tmp, "fromconfig")
	cfg := filepath.Join(tmp, "mstore.toml")
	if err := os.WriteFile(cfg, []byte("[store]\npath = \""+fromConfig+"\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"domain", "add", "a.com", "--config", cfg}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if got := ok(t, fromConfig, "", "domain", "list"); !strings.Contains(got, "a.com") {
		t.Errorf("domain not in the config's store: %q", got)
	}
	flagDir := filepath.Join(tmp, "fromflag")
	if code := run([]string{"domain", "add", "b.com", "--config", cfg, "--store", flagDir}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if got := ok(t, flagDir, "", "domain", "list"); !strings.Contains(got, "b.com") || strings.Contains(got, "a.com") {
		t.Errorf("--store not used: %q", got)
	}

	wd, _ := os.Getwd()
	t.Cleanup(func() { os.Chdir(wd) })
	if err := os.Chdir(tmp); err != nil {
		t.Fatal(err)
	}
	if code := run([]string{"domain", "add", "c.com"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(tmp, "var", "database", "mstore.db")); err != nil {
		t.Errorf("default store ./var not used: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	tmp := t.TempDir()
	bad := filepath.Join(tmp, "bad.toml")
	os.WriteFile(bad, []byte("[storage]\nfanout = [1, 2]\n"), 0o644)
	fails(t, tmp, "", exitInvalid, []string{"domain", "list", "--config", bad}, "storage.fanout", bad)
	fails(t, tmp, "", exitNotFound, []string{"domain", "list", "--config", filepath.Join(tmp, "none.toml")}, "none.toml")
}
