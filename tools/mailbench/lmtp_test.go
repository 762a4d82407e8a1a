package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/mail"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// fakeStore is the in-test LMTP server's mailbox: it keeps what each
// recipient was given and answers as a store with two problem users would.
type fakeStore struct {
	mu  sync.Mutex
	got map[string][][]byte // recipient -> messages delivered; guarded by mu
}

const (
	unknownUser = "nobody@example.com" // refused at RCPT
	fullUser    = "full@example.com"   // accepted at RCPT, refused after data

	refusedSender = "spam@example.net" // refused at MAIL
)

func (f *fakeStore) NewSession(*smtp.Conn) (smtp.Session, error) { return &fakeSession{store: f}, nil }

type fakeSession struct {
	store *fakeStore
	rcpts []string
}

func (s *fakeSession) Reset()        { s.rcpts = nil }
func (s *fakeSession) Logout() error { return nil }
func (s *fakeSession) Mail(from string, _ *smtp.MailOptions) error {
	if from == refusedSender {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "sender refused"}
	}
	return nil
}

func (s *fakeSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if to == unknownUser {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}

func (s *fakeSession) Data(io.Reader) error { panic("LMTPData is used in LMTP mode") }

func (s *fakeSession) LMTPData(r io.Reader, status smtp.StatusCollector) error {
	msg, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	for _, rcpt := range s.rcpts {
		if rcpt == fullUser {
			status.SetStatus(rcpt, &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "mailbox full"})
			continue
		}
		s.store.mu.Lock()
		s.store.got[rcpt] = append(s.store.got[rcpt], msg)
		s.store.mu.Unlock()
		status.SetStatus(rcpt, nil)
	}
	return nil
}

// startLMTP serves LMTP on a loopback port or, with a non-empty socket
// path, on a UNIX socket, and returns the address in mailbench's form.
func startLMTP(t *testing.T, socket string) (string, *fakeStore) {
	t.Helper()
	network, address := "tcp", "127.0.0.1:0"
	if socket != "" {
		network, address = "unix", socket
	}
	l, err := net.Listen(network, address)
	if err != nil {
		t.Fatal(err)
	}
	store := &fakeStore{got: map[string][][]byte{}}
	s := smtp.NewServer(store)
	s.LMTP = true
	s.Domain = "lmtp.test"
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	if socket != "" {
		return "unix:" + socket, store
	}
	return l.Addr().String(), store
}

// jsonReport is the part of --json output that the tests read.
type jsonReport struct {
	Done       int64               `json:"done"`
	Counts     map[string]int64    `json:"counts"`
	Errors     int64               `json:"errors"`
	ErrorTexts []ErrorText         `json:"error_texts"`
	Breakdown  map[string]*Outcome `json:"breakdown"`
	Latency    map[string]float64  `json:"latency"`
	Command    string              `json:"command"`
}

func runJSON(t *testing.T, args ...string) (int, jsonReport) {
	t.Helper()
	var out, errs bytes.Buffer
	code := run(context.Background(), append(args, "--json"), &out, &errs)
	var r jsonReport
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("exit %d, output is not JSON: %v\nstdout: %s\nstderr: %s", code, err, out.String(), errs.String())
	}
	return code, r
}

func TestLMTPPerRecipientReplies(t *testing.T) {
	for _, pipelining := range []bool{false, true} {
		name := "lockstep"
		if pipelining {
			name = "pipelining"
		}
		t.Run(name, func(t *testing.T) {
			addr, store := startLMTP(t, "")
			args := []string{"lmtp", "--addr", addr, "--conns", "3", "--messages", "30", "--size", "2000",
				"--rcpt", "user1@example.com", "--rcpt", fullUser, "--rcpt", unknownUser, "--rcpt", "user2@example.com"}
			if pipelining {
				args = append(args, "--pipelining")
			}
			code, r := runJSON(t, args...)
			if code != 1 {
				t.Errorf("exit status %d, want 1 for a run with refusals", code)
			}
			if r.Done != 60 || r.Counts["messages"] != 30 || r.Counts["complete"] != 0 || r.Counts["refused"] != 60 || r.Counts["unsent"] != 0 {
				t.Errorf("done %d, counts %v", r.Done, r.Counts)
			}
			if r.Counts["bytes"] != 30*2000 || r.Latency["n"] != 30 || r.Counts["connects"] != 3 {
				t.Errorf("bytes %d, latency n %v, connects %d", r.Counts["bytes"], r.Latency["n"], r.Counts["connects"])
			}
			for rcpt, want := range map[string]Outcome{
				"user1@example.com": {OK: 30}, "user2@example.com": {OK: 30},
				fullUser: {Failed: 30}, unknownUser: {Failed: 30},
			} {
				if got := r.Breakdown[rcpt]; got == nil || *got != want {
					t.Errorf("recipient %s: %+v, want %+v", rcpt, got, want)
				}
			}
			wantErrors := map[string]int64{
				"RCPT <nobody@example.com>: 550 5.1.1 no such user":                         30,
				"end of data <full@example.com>: 452 4.2.2 <full@example.com> mailbox full": 30,
			}
			if r.Errors != 60 || len(r.ErrorTexts) != len(wantErrors) {
				t.Errorf("errors %d: %+v", r.Errors, r.ErrorTexts)
			}
			for _, e := range r.ErrorTexts {
				if wantErrors[e.Text] != e.Count {
					t.Errorf("unexpected error %d x %q", e.Count, e.Text)
				}
			}
			checkDelivered(t, store, []string{"user1@example.com", "user2@example.com"}, 30, 2000)
			if got := len(store.got[fullUser]) + len(store.got[unknownUser]); got != 0 {
				t.Errorf("%d messages stored for refused recipients", got)
			}
		})
	}
}

// checkDelivered checks that each recipient got n distinct messages of size
// bytes, exactly as generated (LMTP dot-stuffing undone by the server).
func checkDelivered(t *testing.T, store *fakeStore, rcpts []string, n, size int) {
	t.Helper()
	store.mu.Lock()
	defer store.mu.Unlock()
	for _, rcpt := range rcpts {
		msgs := store.got[rcpt]
		if len(msgs) != n {
			t.Errorf("%s got %d messages, want %d", rcpt, len(msgs), n)
		}
		ids := map[string]bool{}
		for _, m := range msgs {
			if len(m) != size {
				t.Errorf("%s got a message of %d bytes, want %d", rcpt, len(m), size)
			}
			parsed, err := mail.ReadMessage(bytes.NewReader(m))
			if err != nil {
				t.Fatal(err)
			}
			ids[parsed.Header.Get("Message-Id")] = true
		}
		if len(ids) != len(msgs) {
			t.Errorf("%s: %d distinct Message-IDs in %d messages", rcpt, len(ids), len(msgs))
		}
	}
}

// TestLMTPRefusedTransactions covers transactions that never reach the
// data: a refused MAIL (one error per message) and a transaction whose only
// recipient is refused (closed with RSET). The session must stay usable.
func TestLMTPRefusedTransactions(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"MAIL refused", []string{"--from", refusedSender, "--rcpt", "a@example.com", "--rcpt", "b@example.com"},
			"MAIL: 550 5.7.1 sender refused"},
		{"every RCPT refused", []string{"--rcpt", unknownUser},
			"RCPT <nobody@example.com>: 550 5.1.1 no such user"},
	} {
		for _, pl := range []string{"--pipelining=false", "--pipelining=true"} {
			t.Run(tc.name+" "+pl, func(t *testing.T) {
				addr, store := startLMTP(t, "")
				args := append([]string{"lmtp", "--addr", addr, "--conns", "2", "--messages", "12", pl}, tc.args...)
				code, r := runJSON(t, args...)
				if code != 1 || r.Done != 0 || r.Counts["messages"] != 12 || r.Counts["connects"] != 2 || r.Counts["unsent"] != 0 {
					t.Errorf("exit %d, done %d, counts %v", code, r.Done, r.Counts)
				}
				if r.Errors != 12 || len(r.ErrorTexts) != 1 || r.ErrorTexts[0].Text != tc.want {
					t.Errorf("errors %d: %+v, want 12 x %q", r.Errors, r.ErrorTexts, tc.want)
				}
				if len(store.got) != 0 {
					t.Errorf("messages stored: %d recipients", len(store.got))
				}
			})
		}
	}
}

func TestLMTPUnixSocketAllDelivered(t *testing.T) {
	addr, store := startLMTP(t, filepath.Join(t.TempDir(), "lmtp"))
	var out, errs bytes.Buffer
	code := run(context.Background(), []string{"lmtp", "--addr", addr, "--rcpt", "a@example.com",
		"--conns", "4", "--messages", "41", "--size", "700"}, &out, &errs)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errs.String())
	}
	for _, want := range []string{"deliveries  41 (", "complete    41\n", "errors      0\n",
		"command     mailbench lmtp --addr " + addr + " --rcpt a@example.com --conns 4"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	checkDelivered(t, store, []string{"a@example.com"}, 41, 700)
}

func TestLMTPConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	code, r := runJSON(t, "lmtp", "--addr", addr, "--rcpt", "a@example.com", "--conns", "2", "--messages", "10")
	if code != 1 || r.Done != 0 || r.Counts["unsent"] != 10 || r.Errors != 2 {
		t.Errorf("exit %d, done %d, counts %v, errors %d", code, r.Done, r.Counts, r.Errors)
	}
	if len(r.ErrorTexts) == 0 || !strings.HasPrefix(r.ErrorTexts[0].Text, "connect: ") {
		t.Errorf("error texts %+v", r.ErrorTexts)
	}
}

func TestUsageErrors(t *testing.T) {
	wantUsageErrors(t, [][]string{
		{},
		{"nosuchmode"},
		{"lmtp"},
		{"lmtp", "--addr", "x:1"},
		{"lmtp", "--addr", "x:1", "--rcpt", "a", "--conns", "0"},
		{"lmtp", "--nosuchflag"},
		{"lmtp", "--addr", "x:1", "--rcpt", "a", "extra"},
	})
}
