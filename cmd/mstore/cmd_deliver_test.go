package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mstore/store"
)

func TestDeliver(t *testing.T) {
	dir := setup(t)
	msg := "From: a@b.c\nSubject: hello\n\nbody\n"
	if out := ok(t, dir, msg, "deliver", "joe@foo.com"); out != "foo.com/users/joe/INBOX 1\n" {
		t.Errorf("deliver printed %q", out)
	}
	if out := ok(t, dir, msg, "deliver", "joe@foo.com"); out != "foo.com/users/joe/INBOX 2\n" {
		t.Errorf("second deliver printed %q", out)
	}
	// A folder takes plus-addressed mail when it grants p to anyone;
	// otherwise the message goes to the INBOX, as over LMTP.
	ok(t, dir, "", "mailbox", "create", "foo.com/users/joe/lists")
	ok(t, dir, "", "mailbox", "create", "foo.com/users/joe/private")
	ok(t, dir, "", "acl", "set", "foo.com/users/joe/lists", "anyone", "p")
	if out := ok(t, dir, msg, "deliver", "joe+lists@foo.com"); out != "foo.com/users/joe/lists 1\n" {
		t.Errorf("deliver to +lists printed %q", out)
	}
	if out := ok(t, dir, msg, "deliver", "joe@foo.com+lists"); out != "foo.com/users/joe/lists 2\n" {
		t.Errorf("deliver to USER+FOLDER printed %q", out)
	}
	if out := ok(t, dir, msg, "deliver", "joe+private@foo.com"); out != "foo.com/users/joe/INBOX 3\n" {
		t.Errorf("deliver to a folder without p printed %q", out)
	}
	withStore(t, dir, func(st *store.Store, ctx context.Context) {
		m, _ := st.Mailbox(ctx, store.System(), store.MailboxName{Domain: "foo.com", Name: "user/joe/INBOX"})
		if m.Messages != 3 {
			t.Errorf("INBOX has %d messages", m.Messages)
		}
		b, err := st.OpenMessage(ctx, store.System(), m.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		body, _ := io.ReadAll(b)
		if string(body) != strings.ReplaceAll(msg, "\n", "\r\n") {
			t.Errorf("stored message %q", body)
		}
	})

	fails(t, dir, msg, exitNotFound, []string{"deliver", "nobody@foo.com"}, "nobody@foo.com")
	fails(t, dir, msg, exitInvalid, []string{"deliver", "joe"}, "USER@DOMAIN")
	fails(t, dir, "", exitInvalid, []string{"deliver", "joe@foo.com"}, "no message")
	ok(t, dir, "", "user", "add", "ann@foo.com", "--no-inbox")
	fails(t, dir, msg, exitNotFound, []string{"deliver", "ann@foo.com"}, "INBOX")

	// Over quota and too big.
	ok(t, dir, "", "quota", "set", "foo.com/users/joe", "--messages", "5")
	fails(t, dir, msg, exitOverQuota, []string{"deliver", "joe@foo.com"}, "MESSAGE")
	cfg := filepath.Join(t.TempDir(), "small.toml")
	os.WriteFile(cfg, []byte("[storage]\nmax_message_size = 100\n"), 0o644)
	ok(t, dir, "", "quota", "set", "foo.com/users/joe")
	fails(t, dir, strings.Repeat("x", 200), exitTooBig, []string{"deliver", "joe@foo.com", "--config", cfg}, "100")
	withStore(t, dir, func(st *store.Store, ctx context.Context) {
		m, _ := st.Mailbox(ctx, store.System(), store.MailboxName{Domain: "foo.com", Name: "user/joe/INBOX"})
		if m.Messages != 3 {
			t.Errorf("refused deliveries stored messages: %d", m.Messages)
		}
	})
}

func TestPlusAddress(t *testing.T) {
	for in, want := range map[string]string{
		"joe@foo.com":         "joe@foo.com",
		"joe@foo.com+a/b":     "joe+a/b@foo.com",
		"joe+a@foo.com":       "joe+a@foo.com",
		"joe":                 "joe",
		"joe+x@foo.com+other": "joe+x@foo.com+other",
	} {
		if got := plusAddress(in); got != want {
			t.Errorf("plusAddress(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReconstruct(t *testing.T) {
	dir := setup(t)
	ok(t, dir, "", "mailbox", "create", "foo.com/shared/staff")
	for i := 0; i < 3; i++ {
		ok(t, dir, "Subject: x\n\nhello\n", "deliver", "joe@foo.com")
	}
	// Lose message 2's file behind the store's back.
	var files []string
	filepath.Walk(filepath.Join(dir, "mailstore"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	var lost string
	for _, f := range files {
		if filepath.Base(f) == "2." {
			lost = f
		}
	}
	if lost == "" {
		t.Fatalf("no file for UID 2 among %v", files)
	}
	if err := os.Remove(lost); err != nil {
		t.Fatal(err)
	}
	out := ok(t, dir, "", "reconstruct", "foo.com/users/joe/INBOX")
	checkColumns(t, out)
	if ls := lines(out); len(ls) != 2 || strings.Join(strings.Fields(ls[1]), " ") != "foo.com/users/joe/INBOX 2 0 1 4" {
		t.Errorf("reconstruct:\n%s", out)
	}
	reps := decodeJSON[[]store.ReconstructReport](t, ok(t, dir, "", "reconstruct", "--all", "--json"))
	if len(reps) != 2 {
		t.Errorf("reconstruct --all: %+v", reps)
	}
	withStore(t, dir, func(st *store.Store, ctx context.Context) {
		m, _ := st.Mailbox(ctx, store.System(), store.MailboxName{Domain: "foo.com", Name: "user/joe/INBOX"})
		if m.Messages != 2 {
			t.Errorf("INBOX has %d messages after reconstruct", m.Messages)
		}
	})
	fails(t, dir, "", exitNotFound, []string{"reconstruct", "foo.com/users/joe/nope"}, "nope")
	fails(t, dir, "", exitUsage, []string{"reconstruct"}, "--all")
}
