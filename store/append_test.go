package store

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/emersion/go-imap/v2"
)

// crlf is what the store keeps of a message: bare LF becomes CRLF.
func crlf(b []byte) []byte {
	var out []byte
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}

func TestStageReaderSplitCRLF(t *testing.T) {
	// A CR at the end of one read and its LF at the start of the next must
	// not gain a second CR.
	src := &chunked{chunks: [][]byte{[]byte("a\r"), []byte("\nb\n"), []byte("\n")}}
	r := &stageReader{src: src, max: 100}
	got, err := io.ReadAll(r)
	if err != nil || string(got) != "a\r\nb\r\n\r\n" {
		t.Errorf("got %q, %v", got, err)
	}
}

type chunked struct{ chunks [][]byte }

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.chunks[0])
	c.chunks = c.chunks[1:]
	return n, nil
}

func testStore(t testing.TB, noSync bool) (*Store, MailboxName) {
	s, err := Open(t.TempDir(), Options{NoSync: noSync})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	if err := s.AddDomain(ctx, System(), "foo.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddUser(ctx, System(), "joe@foo.com", UserOptions{}); err != nil {
		t.Fatal(err)
	}
	return s, MailboxName{Domain: "foo.com", Name: "user/joe/INBOX"}
}

// FuzzAppend: any bytes are stored, byte for byte but for line ends, and
// parse without a panic; the parsed structure survives its record.
func FuzzAppend(f *testing.F) {
	for _, seed := range []string{
		"", "\n", "Subject: x\r\n\r\nbody", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n--b--",
		"Content-Type: message/rfc822\r\n\r\nContent-Type: multipart/alternative; boundary=q\r\n\r\n--q\r\n",
		"From: =?utf-8?b?w6k=?= <a@b>\r\nTo: undisclosed-recipients:;\r\n\r\n", "no colon line\r\n\r\n",
	} {
		f.Add([]byte(seed))
	}
	if entries, err := os.ReadDir("../testdata/mime"); err == nil {
		for _, e := range entries {
			if b, err := os.ReadFile(filepath.Join("../testdata/mime", e.Name())); err == nil && filepath.Ext(e.Name()) == ".eml" && len(b) < 8<<10 { // big seeds make minimising slow
				f.Add(b)
			}
		}
	}
	s, inbox := testStore(f, true)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := s.Append(ctx, System(), inbox, bytes.NewReader(data), AppendOptions{})
		if err != nil {
			t.Fatalf("append: %v", err)
		}
		b, err := s.OpenMessage(ctx, System(), res.MailboxID, res.UID)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(b)
		b.Close()
		if !bytes.Equal(got, crlf(data)) {
			t.Fatalf("stored %q, want %q", got, crlf(data))
		}
		st, err := s.Structure(ctx, System(), res.MailboxID, res.UID)
		if err != nil {
			t.Fatal(err)
		}
		if st.HeaderSize > int64(len(got)) {
			t.Fatalf("header size %d past the message (%d)", st.HeaderSize, len(got))
		}
		enc := st.encode()
		back, err := decodeStructure(enc)
		if err != nil || !bytes.Equal(back.encode(), enc) {
			t.Fatalf("structure record does not round-trip: %v", err)
		}
	})
}

func TestCorpusParses(t *testing.T) {
	entries, err := os.ReadDir("../testdata/mime")
	if err != nil {
		t.Fatalf("the corpus: %v", err)
	}
	for _, e := range entries {
		if filepath.Ext(e.Name()) != ".eml" {
			continue
		}
		data, err := os.ReadFile(filepath.Join("../testdata/mime", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		data = crlf(data)
		st := parseMessage(bytes.NewReader(data), int64(len(data)))
		if st.Body == nil || st.Envelope == nil {
			t.Errorf("%s: no structure", e.Name())
		}
		if st.HeaderSize <= 0 && len(data) > 0 {
			t.Errorf("%s: header size %d", e.Name(), st.HeaderSize)
		}
		if want := scanHeaderSize(bufio.NewReader(bytes.NewReader(data))); st.HeaderSize != want {
			t.Errorf("%s: header size %d, a scan finds %d", e.Name(), st.HeaderSize, want)
		}
	}
	// The header ends at the first empty line, or with the message.
	for _, m := range []string{"Subject: x\r\n", "Subject: x", "\r\nbody\r\n", "Subject: x\r\n\r\n", "Subject: x\r\n \r\n\r\nbody", ""} {
		st := parseMessage(strings.NewReader(m), int64(len(m)))
		if want := scanHeaderSize(bufio.NewReader(strings.NewReader(m))); st.HeaderSize != want {
			t.Errorf("%q: header size %d, a scan finds %d", m, st.HeaderSize, want)
		}
	}
	// A header the parser cannot read falls back to an empty envelope and
	// one text/plain body after a scanned header.
	m := "Subject: x\r\nno colon here\r\n\r\nbody\r\n"
	st := parseMessage(strings.NewReader(m), int64(len(m)))
	if st.Raw.Subject != "" || st.HeaderSize != 29 || st.Body.(*imap.BodyStructureSinglePart).Size != 6 {
		t.Errorf("%q: subject %q, header size %d, body %+v; want the fallback", m, st.Raw.Subject, st.HeaderSize, st.Body)
	}
}

// BenchmarkAppend measures durable appends of 4 KiB messages to one
// mailbox with 1 and 16 concurrent appenders, fsync on, and reports
// database commits and fsyncs per message: group commit should share one
// commit among many appenders.
func BenchmarkAppend(b *testing.B) {
	for _, writers := range []int{1, 16} {
		b.Run(fmt.Sprintf("appenders=%d", writers), func(b *testing.B) {
			s, inbox := testStore(b, false)
			msg := bytes.Repeat([]byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\r\n"), 64)
			msg = append([]byte("Subject: bench\r\nFrom: a@b.c\r\n\r\n"), msg[:4096-31]...)
			ctx := context.Background()
			st := s.Stats()
			commits0, files0, dirs0 := st.Commits.Load(), st.FileSyncs.Load(), st.DirSyncs.Load()
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for next.Add(1) <= int64(b.N) {
						if _, err := s.Append(ctx, System(), inbox, bytes.NewReader(msg), AppendOptions{}); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			n := float64(b.N)
			b.ReportMetric(n/b.Elapsed().Seconds(), "msgs/s")
			b.ReportMetric(float64(st.Commits.Load()-commits0)/n, "commits/msg")
			b.ReportMetric(float64(st.FileSyncs.Load()-files0+st.DirSyncs.Load()-dirs0)/n, "fsyncs/msg")
		})
	}
}
