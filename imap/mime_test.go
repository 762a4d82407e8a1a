package imap

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime/quotedprintable"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
)

// The part locator must find, for every part of every corpus message, the
// bytes go-message finds (and so the size BODYSTRUCTURE announced).
func TestLocatorAgreesWithGoMessage(t *testing.T) {
	e := newTestEnv(t, Options{})
	for _, c := range readCorpus(t) {
		res := e.deliver("joe@foo.com", string(c.data))
		data, st := e.stored(res.UID)
		mf := &mimeFile{r: bytes.NewReader(data), size: int64(len(data)), st: st}
		check := func(sec *imap.FetchItemBodySection, what string) {
			t.Helper()
			want := imapserver.ExtractBodySection(bytes.NewReader(data), sec)
			d := mf.bodySection(sec)
			got := sectionBytes(t, data, d)
			if want == nil {
				return // go-message gave up on it; ours may do better
			}
			if bytes.Equal(append(bytes.Clone(got), '\r', '\n'), want) && !bytes.HasSuffix(got, []byte("\r\n\r\n")) {
				return // go-message ends a header without its empty line with one
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s %s: got %d bytes %.80q, go-message %d bytes %.80q", c.name, what, len(got), got, len(want), want)
			}
		}
		check(&imap.FetchItemBodySection{}, "BODY[]")
		check(&imap.FetchItemBodySection{Specifier: imap.PartSpecifierText}, "BODY[TEXT]")
		for _, p := range partPaths(st.Body) {
			name := pathString(p)
			check(&imap.FetchItemBodySection{Part: p}, name)
			check(&imap.FetchItemBodySection{Part: p, Specifier: imap.PartSpecifierMIME}, name+".MIME")
			node := nodeAt(st.Body, p)
			if _, ok := messageOf(node); ok {
				check(&imap.FetchItemBodySection{Part: p, Specifier: imap.PartSpecifierHeader}, name+".HEADER")
				check(&imap.FetchItemBodySection{Part: p, Specifier: imap.PartSpecifierText}, name+".TEXT")
			}
			if sp, ok := node.(*imap.BodyStructureSinglePart); ok {
				span, found := mf.find(p)
				if !found {
					t.Errorf("%s %s: part not found", c.name, name)
				} else if got := span.end - span.body; got != int64(sp.Size) {
					t.Errorf("%s %s: part of %d bytes, BODYSTRUCTURE says %d", c.name, name, got, sp.Size)
				}
			}
		}
		if hs := mf.headerEnd(0, mf.size); hs != st.HeaderSize {
			t.Errorf("%s: header ends at %d, store says %d", c.name, hs, st.HeaderSize)
		}
	}
}

func sectionBytes(t *testing.T, data []byte, d sectionData) []byte {
	t.Helper()
	if d.mem {
		return d.b
	}
	if d.off < 0 || d.off+d.n > int64(len(data)) {
		t.Fatalf("range %d+%d outside a message of %d bytes", d.off, d.n, len(data))
	}
	return data[d.off : d.off+d.n]
}

// Boundaries as go-message reads them, on made-up bodies.
func TestLocatorBoundaryRules(t *testing.T) {
	cases := []struct {
		name, body string
		parts      []string
	}{
		{"plain", "--b\r\n\r\none\r\n--b\r\n\r\ntwo\r\n--b--\r\n", []string{"one", "two"}},
		{"preamble", "pre\r\n--bx\r\nno\r\n--b\r\n\r\none\r\n--b--", []string{"one"}},
		{"padding", "--b \t\r\n\r\none\r\n--b  \r\n\r\ntwo\r\n--b-- \r\n", []string{"one", "two"}},
		{"prefix not a delimiter", "--b\r\n\r\none\r\n--bb\r\nstill one\r\n--b\r\n\r\ntwo\r\n--b--\r\n", []string{"one\r\n--bb\r\nstill one", "two"}},
		{"empty part", "--b\r\n\r\n--b\r\n\r\ntwo\r\n--b--\r\n", []string{"", "two"}},
		{"unclosed", "--b\r\n\r\none\r\n--b\r\n\r\ntwo to the end\r\n", []string{"one", "two to the end"}},
		{"headers", "--b\r\nContent-Type: text/plain\r\n\r\none\r\n--b--\r\n", []string{"one"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg := "Content-Type: multipart/mixed; boundary=b\r\n\r\n" + c.body
			children := make([]imap.BodyStructure, len(c.parts))
			for i := range children {
				children[i] = &imap.BodyStructureSinglePart{Type: "text", Subtype: "plain"}
			}
			mp := &imap.BodyStructureMultiPart{Subtype: "mixed", Children: children,
				Extended: &imap.BodyStructureMultiPartExt{Params: map[string]string{"boundary": "b"}}}
			mf := &mimeFile{r: strings.NewReader(msg), size: int64(len(msg))}
			for i, want := range c.parts {
				span, ok := mf.child(mf.top(), mp, i+1)
				if !ok {
					t.Fatalf("part %d not found", i+1)
				}
				if got := msg[span.body:span.end]; got != want {
					t.Errorf("part %d: %q, want %q", i+1, got, want)
				}
				want := imapserver.ExtractBodySection(strings.NewReader(msg), &imap.FetchItemBodySection{Part: []int{i + 1}})
				if want != nil && string(want) != msg[span.body:span.end] {
					t.Errorf("part %d: go-message reads %q", i+1, want)
				}
			}
		})
	}
}

func TestDecodeBase64(t *testing.T) {
	raw := []byte("any carnal pleasure.\x00\xff\x10 and more bytes")
	enc := base64.StdEncoding.EncodeToString(raw)
	wrapped := ""
	for i := 0; i < len(enc); i += 10 {
		wrapped += enc[i:min(i+10, len(enc))] + "\r\n"
	}
	if got := decodeBase64(nil, []byte(wrapped)); !bytes.Equal(got, raw) {
		t.Errorf("wrapped: %q", got)
	}
	// Two runs glued together, junk characters, missing padding.
	two := base64.StdEncoding.EncodeToString([]byte("ab")) + "\r\n" + base64.StdEncoding.EncodeToString([]byte("cde"))
	if got := decodeBase64(nil, []byte(two+"!*")); string(got) != "abcde" {
		t.Errorf("glued: %q", got)
	}
	if got := decodeBase64(nil, []byte("YWJj\r\nZA")); string(got) != "abcd" {
		t.Errorf("unpadded: %q", got)
	}
}

func TestDecodeQuotedPrintable(t *testing.T) {
	src := "caf=C3=A9 =3D ok  \r\nsoft=\r\nbreak=20\r\nbad =ZZ and =4\r\nlast"
	want, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(src)))
	if err != nil {
		t.Fatal(err)
	}
	got := decodeQP(nil, []byte(src))
	if !bytes.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := decodeQP(nil, []byte("trail =  \r\nx")); string(got) != "trail x" {
		t.Errorf("soft break with padding: %q", got)
	}
}

func TestFold(t *testing.T) {
	for _, c := range []struct{ a, b string }{
		{"HeLLo", "hello"}, {"GRÜSSE", "grüsse"}, {"ΕΛΛΗΝΙΚΆ", "ελληνικά"}, {"\u212a", "k"}, {"Straße", "STRAßE"},
	} {
		if x, y := foldAppend(nil, []byte(c.a)), foldAppend(nil, []byte(c.b)); !bytes.Equal(x, y) {
			t.Errorf("%q folds to %q, %q to %q", c.a, x, c.b, y)
		}
	}
	if got := foldAppend(nil, []byte("a\xffB")); string(got) != "a\xffb" {
		t.Errorf("invalid UTF-8: %q", got)
	}
}

func TestFilterHeader(t *testing.T) {
	raw := []byte("From: a\r\nTo: b,\r\n c\r\nSubject: s\r\nto: d\r\nbroken line\r\n\r\n")
	if got := string(filterHeader(raw, []string{"TO"}, true)); got != "To: b,\r\n c\r\nto: d\r\n\r\n" {
		t.Errorf("FIELDS: %q", got)
	}
	if got := string(filterHeader(raw, []string{"to", "from"}, false)); got != "Subject: s\r\nbroken line\r\n\r\n" {
		t.Errorf("FIELDS.NOT: %q", got)
	}
	if got := string(filterHeader(raw, []string{"X-None"}, true)); got != "\r\n" {
		t.Errorf("no field: %q", got)
	}
}
