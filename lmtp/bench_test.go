package lmtp

import (
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"mstore/store"
)

// BenchmarkDeliver16 delivers 4 KiB messages over 16 connections into one
// mailbox, fsync on (MSTORE_BENCH_NOSYNC=1: off), as tools/mailbench does;
// for profiling:
//
//	go test -run '^$' -bench Deliver16 -benchtime 4000x -cpuprofile cpu.out ./lmtp
func BenchmarkDeliver16(b *testing.B) {
	const conns = 16
	e := newEnv(b, envConfig{storeFn: func(o *store.Options) { o.NoSync = os.Getenv("MSTORE_BENCH_NOSYNC") == "1" }})
	msg := "Subject: bench\r\nMessage-ID: <x@bench>\r\n\r\n" + strings.Repeat(strings.Repeat("b", 78)+"\r\n", 51)
	msg = msg[:4096-2] + "\r\n"
	var next atomic.Int64
	b.SetBytes(int64(len(msg)))
	b.ResetTimer()
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := dialWorker(b, "tcp", e.tcp)
			c.lhlo()
			for next.Add(1) <= int64(b.N) {
				c.write([]byte("MAIL FROM:<s@example.net>\r\n"))
				c.expect("250")
				c.write([]byte("RCPT TO:<joe@foo.com>\r\n"))
				c.expect("250")
				c.write([]byte("DATA\r\n"))
				c.expect("354")
				c.write([]byte(msg + ".\r\n"))
				c.expect("250")
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	s := e.st.Stats()
	b.ReportMetric(float64(s.FileSyncs.Load())/float64(b.N), "filesyncs/msg")
	b.ReportMetric(float64(s.DirSyncs.Load())/float64(b.N), "dirsyncs/msg")
	b.ReportMetric(float64(s.Commits.Load())/float64(b.N), "commits/msg")
}
