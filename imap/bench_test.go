package imap

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// Benchmarks of the operations issue 4 compares with Dovecot, on a
// mailbox of benchMessages messages: go test ./imap -run X -bench .

const benchMessages = 10000

// benchMessage is a typical small message; every 1,000th carries a rare
// word in its body.
func benchMessage(i int) string {
	word := "ordinary"
	if i%1000 == 999 {
		word = "quixotic"
	}
	return fmt.Sprintf("Date: Mon, 3 Jun 2024 09:%02d:00 +0200\r\n"+
		"From: Sender %d <sender%d@example.org>\r\nTo: Joe <joe@foo.com>\r\nCc: team@example.org\r\n"+
		"Subject: Message number %d about things\r\nMessage-ID: <bench.%d@example.org>\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s",
		i%60, i, i, i, i, strings.Repeat("Some "+word+" words of a message body, a line of it.\r\n", 40))
}

func benchEnv(b testing.TB) *testEnv {
	b.Helper()
	e := newTestEnv(b, Options{})
	var wg sync.WaitGroup
	work := make(chan int)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				e.deliver("joe@foo.com", benchMessage(i))
			}
		}()
	}
	for i := 0; i < benchMessages; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	return e
}

func benchRun(b *testing.B, verb string, cmds ...string) {
	e := benchEnv(b)
	r := e.session(verb)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, c := range cmds {
			r.send("b " + c)
			for {
				l := r.response()
				if strings.HasPrefix(l, "b ") {
					if !strings.HasPrefix(l, "b OK") {
						b.Fatal(l)
					}
					break
				}
			}
		}
	}
}

func BenchmarkFetchFlagsEnvelope(b *testing.B) {
	benchRun(b, "EXAMINE", "FETCH 1:* (FLAGS ENVELOPE)")
}

func BenchmarkFetchBodies(b *testing.B) {
	benchRun(b, "EXAMINE", "FETCH 1:1000 BODY.PEEK[]")
}

func BenchmarkSearchBodyRare(b *testing.B) {
	benchRun(b, "EXAMINE", "SEARCH BODY quixotic")
}

func BenchmarkStoreAll(b *testing.B) {
	benchRun(b, "SELECT", `STORE 1:* +FLAGS (\Flagged)`, `STORE 1:* -FLAGS (\Flagged)`)
}
