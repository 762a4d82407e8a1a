package imap

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
)

// Golden answers of FETCH (ENVELOPE BODY BODYSTRUCTURE) for every message
// of the corpus live in testdata/golden/imap, one file per message: the
// response to an IMAP4rev1 client, then to one that enabled UTF8=ACCEPT,
// each with its sequence number written as 1.
// "go test ./imap -run Golden -update" rewrites them; review the diff
// against RFC 3501's grammar before keeping it.

func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files under testdata/golden")
	}
}

func updateGolden() bool {
	f := flag.Lookup("update")
	if f == nil {
		return false
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return false
	}
	on, _ := g.Get().(bool)
	return on
}

var imapGoldenDir = filepath.Join("..", "testdata", "golden", "imap")

func TestFetchCorpusGolden(t *testing.T) {
	e := newTestEnv(t, Options{})
	corpus := readCorpus(t)
	for _, c := range corpus {
		e.deliver("joe@foo.com", string(c.data))
	}
	rev1 := e.session("EXAMINE")
	utf8 := e.raw()
	utf8.cmd("l", "LOGIN joe@foo.com secret")
	if got := last(utf8.cmd("e", "ENABLE UTF8=ACCEPT")); !strings.HasPrefix(got, "e OK") {
		t.Fatal(got)
	}
	utf8.cmd("s", "EXAMINE INBOX")
	for i, c := range corpus {
		cmd := fmt.Sprintf("FETCH %d (ENVELOPE BODY BODYSTRUCTURE)", i+1)
		var out strings.Builder
		for _, mode := range []struct {
			title string
			r     *raw
		}{{"IMAP4rev1", rev1}, {"UTF8=ACCEPT", utf8}} {
			resp := mode.r.responses("f", cmd)
			if len(resp) != 2 || !strings.HasPrefix(resp[1], "f OK") {
				t.Fatalf("%s %s: %q", c.name, mode.title, resp)
			}
			// The sequence number depends on the corpus, not the message.
			_, rest, _ := strings.Cut(resp[0], " FETCH ")
			out.WriteString("# " + mode.title + "\r\n* 1 FETCH " + rest + "\r\n")
		}
		path := filepath.Join(imapGoldenDir, c.name+".golden")
		if updateGolden() {
			if err := os.MkdirAll(imapGoldenDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(out.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./imap -run Golden -update to create it)", err)
		}
		if out.String() != string(want) {
			t.Errorf("%s differs\ngot:\n%s\nwant:\n%s", path, out.String(), want)
		}
	}

	// go-imap's client must read every answer back, and find the structure
	// the store parsed.
	cl := e.client("joe@foo.com")
	if _, err := cl.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	for _, extended := range []bool{false, true} {
		msgs, err := cl.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{
			Envelope: true, UID: true, BodyStructure: &imap.FetchItemBodyStructure{Extended: extended},
		}).Collect()
		if err != nil {
			t.Fatalf("imapclient cannot read the answers (extended %v): %v", extended, err)
		}
		if len(msgs) != len(corpus) {
			t.Fatalf("got %d messages, want %d", len(msgs), len(corpus))
		}
		for i, m := range msgs {
			_, st := e.stored(uint32(m.UID))
			if m.Envelope == nil || m.BodyStructure == nil {
				t.Errorf("%s: no envelope or body structure", corpus[i].name)
				continue
			}
			if got, want := m.BodyStructure.MediaType(), strings.ToUpper(st.Body.MediaType()); !strings.EqualFold(got, want) {
				t.Errorf("%s: media type %q, store has %q", corpus[i].name, got, want)
			}
			if got, want := countParts(m.BodyStructure), countParts(st.Body); got != want {
				t.Errorf("%s: %d parts, store has %d", corpus[i].name, got, want)
			}
			if m.Envelope.MessageID != st.Envelope.MessageID || m.Envelope.Subject != st.Envelope.Subject {
				t.Errorf("%s: envelope %+v, store has %+v", corpus[i].name, m.Envelope, st.Envelope)
			}
		}
	}
}

// countParts counts the parts of a structure as sent: a multipart without
// parts gets one empty text part, since the grammar wants one.
func countParts(bs imap.BodyStructure) int {
	n := 0
	bs.Walk(func(path []int, part imap.BodyStructure) bool {
		n++
		if mp, ok := part.(*imap.BodyStructureMultiPart); ok && len(mp.Children) == 0 {
			n++
		}
		return true
	})
	return n
}
