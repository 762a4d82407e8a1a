package imap

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mstore/store"
)

// corpusDir holds the MIME corpus that FETCH and SEARCH are tested on.
var corpusDir = filepath.Join("..", "testdata", "mime")

type corpusFile struct {
	name string // without .eml
	data []byte
}

func readCorpus(t testing.TB) []corpusFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(corpusDir, "*.eml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no corpus in %s: %v", corpusDir, err)
	}
	var out []corpusFile
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, corpusFile{name: strings.TrimSuffix(filepath.Base(p), ".eml"), data: b})
	}
	return out
}

// session logs a raw client in as joe and selects INBOX.
func (e *testEnv) session(verb string) *raw {
	e.t.Helper()
	r := e.raw()
	r.cmd("l", "LOGIN joe@foo.com secret")
	if got := last(r.cmd("s", verb+" INBOX")); !strings.HasPrefix(got, "s OK") {
		e.t.Fatalf("%s: %s", verb, got)
	}
	return r
}

// stored returns a message of joe's INBOX as the store keeps it, with its
// structure.
func (e *testEnv) stored(uid uint32) ([]byte, *store.Structure) {
	e.t.Helper()
	ctx := context.Background()
	c, mbox := e.caller("joe@foo.com"), e.inboxID("joe@foo.com")
	b, err := e.st.OpenMessage(ctx, c, mbox, uid)
	if err != nil {
		e.t.Fatal(err)
	}
	defer b.Close()
	data, err := io.ReadAll(b)
	if err != nil {
		e.t.Fatal(err)
	}
	st, err := e.st.Structure(ctx, c, mbox, uid)
	if err != nil {
		e.t.Fatal(err)
	}
	return data, st
}

var literalAtEnd = regexp.MustCompile(`~?\{(\d+)\+?\}$`)

// bytesN reads n bytes of literal data.
func (r *raw) bytesN(n int) string {
	r.t.Helper()
	r.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for len(r.read) < n {
		b := make([]byte, 64<<10)
		k, err := r.c.Read(b)
		if err != nil {
			r.t.Fatalf("read literal: %v", err)
		}
		r.read = append(r.read, b[:k]...)
	}
	s := string(r.read[:n])
	r.read = r.read[n:]
	return s
}

// response reads one whole response, literal data inlined after its
// "{n}\r\n" header.
func (r *raw) response() string {
	r.t.Helper()
	var b strings.Builder
	for {
		l := r.line()
		b.WriteString(l)
		if !strings.HasSuffix(l, "}") {
			return b.String()
		}
		m := literalAtEnd.FindStringSubmatch(l)
		if m == nil {
			return b.String()
		}
		n, _ := strconv.Atoi(m[1])
		b.WriteString("\r\n")
		b.WriteString(r.bytesN(n))
	}
}

// responses sends a command and returns its responses, the tagged one
// last.
func (r *raw) responses(tag, command string) []string {
	r.t.Helper()
	r.send(tag + " " + command)
	var out []string
	for {
		l := r.response()
		out = append(out, l)
		if strings.HasPrefix(l, tag+" ") {
			return out
		}
	}
}

// literalOf returns the data of the literal that follows name in a
// response, and whether it was there.
func literalOf(resp, name string) (string, bool) {
	i := strings.Index(resp, " "+name+" ")
	if i < 0 {
		i = strings.Index(resp, "("+name+" ")
	}
	if i < 0 {
		return "", false
	}
	rest := resp[i+len(name)+2:]
	if strings.HasPrefix(rest, "NIL") {
		return "", false
	}
	if strings.HasPrefix(rest, `""`) {
		return "", true
	}
	j := strings.Index(rest, "}\r\n")
	if j < 0 || (rest[0] != '{' && rest[0] != '~') {
		return "", false
	}
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimLeft(rest[:j], "~{"), "+"))
	if err != nil || j+3+n > len(rest) {
		return "", false
	}
	return rest[j+3 : j+3+n], true
}

// partPaths lists the section part numbers of every part of a structure,
// as RFC 3501 numbers them, with the part they name.
func partPaths(bs imap.BodyStructure) [][]int {
	var out [][]int
	var walk func(n imap.BodyStructure, path []int)
	walk = func(n imap.BodyStructure, path []int) {
		switch n := n.(type) {
		case *imap.BodyStructureMultiPart:
			for i, c := range n.Children {
				p := append(append([]int(nil), path...), i+1)
				out = append(out, p)
				walk(c, p)
			}
		case *imap.BodyStructureSinglePart:
			if n.MessageRFC822 == nil {
				return
			}
			inner := n.MessageRFC822.BodyStructure
			if _, multi := inner.(*imap.BodyStructureMultiPart); multi {
				walk(inner, path)
			} else {
				p := append(append([]int(nil), path...), 1)
				out = append(out, p)
				walk(inner, p)
			}
		}
	}
	if _, multi := bs.(*imap.BodyStructureMultiPart); multi {
		walk(bs, nil)
	} else {
		out = append(out, []int{1})
		if sp, ok := bs.(*imap.BodyStructureSinglePart); ok && sp.MessageRFC822 != nil {
			walk(sp, []int{1})
		}
	}
	return out
}

func pathString(p []int) string {
	s := make([]string, len(p))
	for i, n := range p {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ".")
}

// nodeAt returns the structure node a part path names.
func nodeAt(bs imap.BodyStructure, path []int) imap.BodyStructure {
	cur := bs
	if _, multi := cur.(*imap.BodyStructureMultiPart); !multi && len(path) > 0 && path[0] == 1 {
		path = path[1:]
	}
	for _, n := range path {
		if sp, ok := cur.(*imap.BodyStructureSinglePart); ok && sp.MessageRFC822 != nil {
			cur = sp.MessageRFC822.BodyStructure
		}
		mp, ok := cur.(*imap.BodyStructureMultiPart)
		if !ok {
			continue
		}
		if n > len(mp.Children) {
			return nil
		}
		cur = mp.Children[n-1]
	}
	return cur
}
