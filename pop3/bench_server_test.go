package pop3

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"mstore/auth"
	"mstore/store"
)

// TestServeForBenchmark is not a test: it fills a store and serves it
// over POP3 for `mailbench pop3`, until `mstore serve` runs the POP3 door.
// It runs only when MSTORE_POP3_BENCH_ADDR is set:
//
//	MSTORE_POP3_BENCH_ADDR=127.0.0.1:11110 go test ./pop3 -run TestServeForBenchmark -v -timeout 0
//
// Users user1..userN@example.com (MSTORE_POP3_BENCH_USERS, 4), password
// "pass", each with MSTORE_POP3_BENCH_MESSAGES (250) messages of
// MSTORE_POP3_BENCH_SIZE (4096) octets, in a fresh store in a temporary
// directory, written with fsync on. It serves for MSTORE_POP3_BENCH_FOR
// (10m) or until interrupted, and says "ready" on stderr once listening.
func TestServeForBenchmark(t *testing.T) {
	addr := os.Getenv("MSTORE_POP3_BENCH_ADDR")
	if addr == "" {
		t.Skip("set MSTORE_POP3_BENCH_ADDR to serve a benchmark store")
	}
	nUsers := benchEnvInt(t, "MSTORE_POP3_BENCH_USERS", 4)
	perUser := benchEnvInt(t, "MSTORE_POP3_BENCH_MESSAGES", 250)
	size := benchEnvInt(t, "MSTORE_POP3_BENCH_SIZE", 4096)
	serveFor := 10 * time.Minute
	if v := os.Getenv("MSTORE_POP3_BENCH_FOR"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		serveFor = d
	}

	ctx := context.Background()
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.AddDomain(ctx, store.System(), "example.com"); err != nil {
		t.Fatal(err)
	}
	creds, err := auth.NewCredentials([]byte("pass"), auth.CredentialOptions{CramMD5: true, ScramSHA256: true})
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, nUsers)
	for u := 1; u <= nUsers; u++ {
		user := fmt.Sprintf("user%d@example.com", u)
		if _, err := st.AddUser(ctx, store.System(), user, store.UserOptions{Credentials: &creds}); err != nil {
			t.Fatal(err)
		}
		inbox, _ := inboxOf(user)
		// One writer per user: concurrent appends share commits.
		wg.Go(func() {
			for i := range perUser {
				msg := benchMessage(user, i, size)
				if _, err := st.Append(ctx, store.System(), inbox, bytes.NewReader(msg), store.AppendOptions{}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "pop3 bench: %d users x %d messages of %d octets written in %v\n",
		nUsers, perUser, size, time.Since(began).Round(time.Millisecond))

	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv := New(st, Options{Hostname: "bench.localhost"}, log)
	go srv.Serve(l)
	defer srv.Close()
	fmt.Fprintf(os.Stderr, "pop3 bench: ready on %s for %v\n", l.Addr(), serveFor)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(stop)
	select {
	case <-stop:
	case <-time.After(serveFor):
	}
}

func benchEnvInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}

// benchMessage is a plain-text message of exactly size octets (unless
// the header alone is longer), CRLF line ends.
func benchMessage(user string, n, size int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Return-Path: <bench@example.net>\r\nDelivered-To: %s\r\n", user)
	fmt.Fprintf(&b, "Date: Mon, 2 Jan 2006 15:04:05 +0000\r\nFrom: Bench <bench@example.net>\r\nTo: %s\r\n", user)
	fmt.Fprintf(&b, "Subject: benchmark message %d\r\nMessage-ID: <%d.%s.bench@example.net>\r\n", n+1, n, user)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n")
	for line := 0; b.Len() < size; line++ {
		l := fmt.Sprintf("line %d: the quick brown fox jumps over the lazy dog, again and again and again", line)
		if room := size - b.Len() - 2; len(l) > room {
			l = l[:max(room, 0)]
		}
		b.WriteString(l + "\r\n")
	}
	return b.Bytes()
}
