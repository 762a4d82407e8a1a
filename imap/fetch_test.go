package imap

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime/quotedprintable"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
)

const simpleMsg = "Date: Mon, 3 Jun 2024 09:00:00 +0200\r\n" +
	"From: Ann Example <ann@example.org>\r\n" +
	"To: joe@foo.com\r\n" +
	"Subject: Lunch\r\n" +
	"Message-ID: <lunch@example.org>\r\n" +
	"\r\n" +
	"Shall we meet at noon?\r\n" +
	"Ann\r\n"

// Partial fetches return exactly the octets asked for, from the file.
func TestFetchPartialRanges(t *testing.T) {
	e := newTestEnv(t, Options{})
	var files [][]byte
	for _, name := range []string{"plain-7bit", "multipart-mixed-attachments", "long-line-100k"} {
		c := readCorpusFile(t, name)
		res := e.deliver("joe@foo.com", string(c))
		data, _ := e.stored(res.UID)
		files = append(files, data)
	}
	r := e.session("EXAMINE")
	for i, data := range files {
		seq := i + 1
		_, st := e.stored(uint32(seq))
		hs := int(st.HeaderSize)
		cases := []struct {
			item  string
			name  string
			whole []byte
			off   int
			n     int
		}{
			{"BODY.PEEK[]", "BODY[]", data, 0, 10},
			{"BODY.PEEK[]", "BODY[]", data, 7, 100},
			{"BODY.PEEK[]", "BODY[]", data, len(data) - 5, 100},
			{"BODY.PEEK[]", "BODY[]", data, len(data) + 10, 5},
			{"BODY.PEEK[TEXT]", "BODY[TEXT]", data[hs:], 3, 50},
			{"BODY.PEEK[HEADER]", "BODY[HEADER]", data[:hs], 0, hs + 20},
			{"BINARY.PEEK[]", "BINARY[]", data, 1, 20},
		}
		for _, c := range cases {
			cmd := fmt.Sprintf("FETCH %d (%s<%d.%d>)", seq, c.item, c.off, c.n)
			resp := r.responses("p", cmd)
			want := c.whole[min(c.off, len(c.whole)):min(c.off+c.n, len(c.whole))]
			got, ok := literalOf(resp[0], fmt.Sprintf("%s<%d>", c.name, c.off))
			if !ok || got != string(want) {
				t.Errorf("%s: got %q (found %v), want %q", cmd, trunc(got), ok, trunc(string(want)))
			}
		}
		// Whole sections, streamed.
		for _, c := range []struct {
			item string
			want []byte
		}{{"RFC822", data}, {"BODY.PEEK[]", data}, {"RFC822.HEADER", data[:hs]}, {"RFC822.TEXT", data[hs:]},
			{"BODY.PEEK[TEXT]", data[hs:]}, {"BODY.PEEK[HEADER]", data[:hs]}} {
			resp := r.responses("w", fmt.Sprintf("FETCH %d (%s)", seq, c.item))
			name := strings.Replace(c.item, ".PEEK", "", 1)
			if got, ok := literalOf(resp[0], name); !ok || got != string(c.want) {
				t.Errorf("message %d %s: %d octets, want %d", seq, c.item, len(got), len(c.want))
			}
		}
	}
}

func readCorpusFile(t testing.TB, name string) []byte {
	t.Helper()
	for _, c := range readCorpus(t) {
		if c.name == name {
			return c.data
		}
	}
	t.Fatalf("no corpus file %s", name)
	return nil
}

func trunc(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// Every section of every corpus message, through the server, is what
// go-message cuts from the stored file.
func TestFetchSectionsOfCorpus(t *testing.T) {
	e := newTestEnv(t, Options{})
	corpus := readCorpus(t)
	for _, c := range corpus {
		e.deliver("joe@foo.com", string(c.data))
	}
	r := e.session("EXAMINE")
	for i, c := range corpus {
		seq := i + 1
		data, st := e.stored(uint32(seq))
		for _, p := range partPaths(st.Body) {
			name := pathString(p)
			for _, sec := range []struct {
				label string
				item  *imap.FetchItemBodySection
			}{
				{name, &imap.FetchItemBodySection{Part: p}},
				{name + ".MIME", &imap.FetchItemBodySection{Part: p, Specifier: imap.PartSpecifierMIME}},
			} {
				want := imapserver.ExtractBodySection(bytes.NewReader(data), sec.item)
				if want == nil {
					continue
				}
				resp := r.responses("b", fmt.Sprintf("FETCH %d BODY.PEEK[%s]", seq, sec.label))
				got, ok := literalOf(resp[0], "BODY["+sec.label+"]")
				if !ok && len(want) > 0 || got != string(want) && got+"\r\n" != string(want) {
					t.Errorf("%s BODY[%s]: got %q, want %q", c.name, sec.label, trunc(got), trunc(string(want)))
				}
			}
		}
	}
}

// BINARY undoes base64 and quoted-printable; BINARY.SIZE gives the
// decoded size; an unknown encoding is NO [UNKNOWN-CTE].
func TestFetchBinary(t *testing.T) {
	e := newTestEnv(t, Options{})
	res := e.deliver("joe@foo.com", string(readCorpusFile(t, "multipart-mixed-attachments")))
	data, _ := e.stored(res.UID)
	withNUL := []byte("zero\x00byte\x00\x01\x02")
	e.deliver("joe@foo.com", "Subject: nul\r\nContent-Type: application/octet-stream\r\n"+
		"Content-Transfer-Encoding: base64\r\n\r\n"+base64.StdEncoding.EncodeToString(withNUL)+"\r\n")
	e.deliver("joe@foo.com", "Subject: odd\r\nContent-Type: text/plain\r\n"+
		"Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 x\r\n")
	r := e.session("EXAMINE")

	part := func(n int) []byte {
		return imapserver.ExtractBodySection(bytes.NewReader(data), &imap.FetchItemBodySection{Part: []int{n}})
	}
	pdf, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(part(2)), "\r\n", ""))
	if err != nil {
		t.Fatal(err)
	}
	notes, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(part(3))))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		n    int
		want []byte
	}{{1, part(1)}, {2, pdf}, {3, notes}} {
		resp := r.responses("b", fmt.Sprintf("FETCH 1 (BINARY.PEEK[%d] BINARY.SIZE[%d])", c.n, c.n))
		got, ok := literalOf(resp[0], fmt.Sprintf("BINARY[%d]", c.n))
		if !ok || got != string(c.want) {
			t.Errorf("BINARY[%d]: got %q, want %q", c.n, trunc(got), trunc(string(c.want)))
		}
		if size := fmt.Sprintf("BINARY.SIZE[%d] %d", c.n, len(c.want)); !strings.Contains(resp[0], size) {
			t.Errorf("response %q lacks %q", trunc(resp[0]), size)
		}
	}
	resp := r.responses("n", "FETCH 2 BINARY.PEEK[1]")
	if !strings.Contains(resp[0], "BINARY[1] ~{") {
		t.Errorf("data with NUL not in a literal8: %q", resp[0])
	}
	if got, _ := literalOf(resp[0], "BINARY[1]"); got != string(withNUL) {
		t.Errorf("decoded %q, want %q", got, withNUL)
	}
	resp = r.responses("u", "FETCH 1:3 (UID BINARY.PEEK[1])")
	if got := last(resp); !strings.HasPrefix(got, "u NO [UNKNOWN-CTE]") {
		t.Errorf("unknown encoding: %q", got)
	}
	if len(resp) != 3 {
		t.Errorf("the messages that can be decoded still come: %q", resp)
	}
}

func TestFetchHeaderFields(t *testing.T) {
	e := newTestEnv(t, Options{})
	e.deliver("joe@foo.com", "From: a@example.org\r\nX-Tag: one\r\nSubject: s\r\n"+
		"x-tag: two,\r\n three\r\nTo: b@example.org\r\n\r\nbody\r\n")
	r := e.session("EXAMINE")
	cases := []struct{ item, name, want string }{
		{"BODY.PEEK[HEADER.FIELDS (x-TAG)]", "BODY[HEADER.FIELDS (x-TAG)]", "X-Tag: one\r\nx-tag: two,\r\n three\r\n\r\n"},
		{"BODY.PEEK[HEADER.FIELDS (to FROM)]", "BODY[HEADER.FIELDS (to FROM)]", "From: a@example.org\r\nTo: b@example.org\r\n\r\n"},
		{"BODY.PEEK[HEADER.FIELDS.NOT (X-TAG subject)]", "BODY[HEADER.FIELDS.NOT (X-TAG subject)]", "From: a@example.org\r\nTo: b@example.org\r\n\r\n"},
		{"BODY.PEEK[HEADER.FIELDS (Nothing)]", "BODY[HEADER.FIELDS (Nothing)]", "\r\n"},
		{"BODY.PEEK[HEADER.FIELDS (Subject)]<3.5>", "BODY[HEADER.FIELDS (Subject)]<3>", "ject:"},
	}
	for _, c := range cases {
		resp := r.responses("h", "FETCH 1 "+c.item)
		if got, ok := literalOf(resp[0], c.name); !ok || got != c.want {
			t.Errorf("%s: got %q in %q, want %q", c.item, got, resp[0], c.want)
		}
	}
}

var flagsRE = regexp.MustCompile(`FLAGS \(([^)]*)\)`)

// \Seen is set by BODY[], RFC822, RFC822.TEXT and BINARY[], not by their
// PEEK forms, RFC822.HEADER, or in a read-only mailbox; the response shows
// the new flags.
func TestFetchImplicitSeen(t *testing.T) {
	cases := []struct {
		item string
		sets bool
	}{
		{"BODY[]", true}, {"BODY.PEEK[]", false}, {"RFC822", true}, {"RFC822.TEXT", true},
		{"RFC822.HEADER", false}, {"BINARY[1]", true}, {"BINARY.PEEK[1]", false}, {"BODY[1.MIME]", true},
		{"BINARY.SIZE[1]", false}, {"(BODY[] BODY.PEEK[])", true},
	}
	for _, c := range cases {
		t.Run(c.item, func(t *testing.T) {
			e := newTestEnv(t, Options{})
			e.deliver("joe@foo.com", simpleMsg)
			r := e.session("SELECT")
			resp := r.responses("f", "FETCH 1 "+c.item)
			m := flagsRE.FindStringSubmatch(resp[0])
			if c.sets && (m == nil || m[1] != `\Seen`) {
				t.Errorf("response %q does not show \\Seen", trunc(resp[0]))
			}
			if !c.sets && m != nil {
				t.Errorf("response %q shows flags", trunc(resp[0]))
			}
			resp = r.responses("g", "FETCH 1 FLAGS")
			if has := strings.Contains(resp[0], `\Seen`); has != c.sets {
				t.Errorf("after FETCH %s: %q", c.item, resp[0])
			}
		})
	}
	// Asked for FLAGS as well: they appear once, with \Seen.
	e := newTestEnv(t, Options{})
	e.deliver("joe@foo.com", simpleMsg)
	e.deliver("joe@foo.com", simpleMsg)
	r := e.session("SELECT")
	resp := r.responses("f", "FETCH 1 (FLAGS BODY[TEXT])")
	if strings.Count(resp[0], "FLAGS") != 1 || !strings.Contains(resp[0], `FLAGS (\Seen)`) {
		t.Errorf("FLAGS twice or without \\Seen: %q", resp[0])
	}
	// Read-only: nothing changes.
	ro := e.session("EXAMINE")
	resp = ro.responses("f", "FETCH 2 BODY[]")
	if strings.Contains(resp[0], "FLAGS") {
		t.Errorf("EXAMINE: %q", resp[0])
	}
	if resp := ro.responses("g", "FETCH 2 FLAGS"); strings.Contains(resp[0], `\Seen`) {
		t.Errorf("EXAMINE set \\Seen: %q", resp[0])
	}
	// The session does not hear its own change again.
	if got := r.cmd("n", "NOOP"); len(got) != 1 {
		t.Errorf("NOOP after FETCH: %q", got)
	}
}

// Every data item through go-imap's client.
func TestFetchItemsWithImapclient(t *testing.T) {
	e := newTestEnv(t, Options{})
	res := e.deliver("joe@foo.com", string(readCorpusFile(t, "multipart-mixed-attachments")))
	data, st := e.stored(res.UID)
	cl := e.client("joe@foo.com")
	if _, err := cl.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	hs := st.HeaderSize
	opts := &imap.FetchOptions{
		Flags: true, InternalDate: true, RFC822Size: true, Envelope: true, UID: true,
		BodyStructure: &imap.FetchItemBodyStructure{Extended: true},
		BodySection: []*imap.FetchItemBodySection{
			{Peek: true},
			{Peek: true, Specifier: imap.PartSpecifierHeader},
			{Peek: true, Specifier: imap.PartSpecifierText, Partial: &imap.SectionPartial{Offset: 5, Size: 40}},
			{Peek: true, Part: []int{2}, Specifier: imap.PartSpecifierMIME},
			{Peek: true, Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"Subject"}},
			{Peek: true, Specifier: imap.PartSpecifierHeader, HeaderFieldsNot: []string{"Subject", "Received"}},
		},
		BinarySection:     []*imap.FetchItemBinarySection{{Part: []int{2}, Peek: true}},
		BinarySectionSize: []*imap.FetchItemBinarySectionSize{{Part: []int{3}}},
	}
	msgs, err := cl.Fetch(imap.UIDSetNum(imap.UID(res.UID)), opts).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[0]
	if m.UID != imap.UID(res.UID) || m.RFC822Size != int64(len(data)) || m.InternalDate.IsZero() || len(m.Flags) != 0 {
		t.Errorf("UID %d size %d date %v flags %v", m.UID, m.RFC822Size, m.InternalDate, m.Flags)
	}
	if m.Envelope == nil || m.Envelope.Subject != "Quarterly report and notes" || len(m.Envelope.From) != 1 {
		t.Errorf("envelope %+v", m.Envelope)
	}
	if mp, ok := m.BodyStructure.(*imap.BodyStructureMultiPart); !ok || len(mp.Children) != 4 || mp.Extended == nil {
		t.Errorf("body structure %#v", m.BodyStructure)
	}
	want := map[int]string{
		0: string(data), 1: string(data[:hs]), 2: string(data[hs+5 : hs+45]),
		3: string(imapserver.ExtractBodySection(bytes.NewReader(data), opts.BodySection[3])),
		4: "Subject: Quarterly report and notes\r\n\r\n",
	}
	for i, w := range want {
		if got := string(m.FindBodySection(opts.BodySection[i])); got != w {
			t.Errorf("section %d: got %q, want %q", i, trunc(got), trunc(w))
		}
	}
	if got := string(m.FindBodySection(opts.BodySection[5])); strings.Contains(got, "Subject:") || !strings.Contains(got, "From:") {
		t.Errorf("HEADER.FIELDS.NOT: %q", got)
	}
	if got := m.FindBinarySection(opts.BinarySection[0]); len(got) != 100 || !bytes.HasPrefix(got, []byte("%PDF")) {
		t.Errorf("BINARY[2]: %q", trunc(string(got)))
	}
	if got, ok := m.FindBinarySectionSize([]int{3}); !ok || got == 0 {
		t.Errorf("BINARY.SIZE[3] missing")
	}
	// BODY (no extension data) and the macros.
	for _, macro := range []string{"ALL", "FAST", "FULL"} {
		rr := e.session("EXAMINE")
		resp := rr.responses("m", "FETCH 1 "+macro)
		if !strings.Contains(resp[0], "INTERNALDATE") || !strings.Contains(resp[0], "RFC822.SIZE") ||
			(macro == "FULL") != strings.Contains(resp[0], "BODY (") {
			t.Errorf("%s: %q", macro, trunc(resp[0]))
		}
	}
}

// UID FETCH always answers with UID; a UID not in the mailbox is not an
// error, a sequence number beyond it is.
func TestFetchUIDAndSets(t *testing.T) {
	e := newTestEnv(t, Options{})
	for i := 0; i < 3; i++ {
		e.deliver("joe@foo.com", simpleMsg)
	}
	r := e.session("EXAMINE")
	resp := r.responses("a", "UID FETCH 2:* FLAGS")
	if len(resp) != 3 || !strings.Contains(resp[0], "UID 2") || !strings.Contains(resp[1], "UID 3") {
		t.Errorf("UID FETCH: %q", resp)
	}
	resp = r.responses("b", "UID FETCH 7 FLAGS")
	if len(resp) != 1 || !strings.HasPrefix(resp[0], "b OK") {
		t.Errorf("UID FETCH of a missing UID: %q", resp)
	}
	if got := last(r.cmd("c", "FETCH 4 FLAGS")); !strings.HasPrefix(got, "c BAD") {
		t.Errorf("sequence number beyond the mailbox: %q", got)
	}
	resp = r.responses("d", "FETCH * (UID RFC822.SIZE)")
	if len(resp) != 2 || !strings.HasPrefix(resp[0], "* 3 FETCH (UID 3 RFC822.SIZE ") {
		t.Errorf("FETCH *: %q", resp)
	}
}

// Malformed arguments get BAD and the session goes on.
func TestFetchStoreSearchBad(t *testing.T) {
	e := newTestEnv(t, Options{MaxBadCommands: 100})
	e.deliver("joe@foo.com", simpleMsg)
	r := e.session("SELECT")
	for _, c := range []string{
		"FETCH", "FETCH 1", "FETCH x FLAGS", "FETCH 1 (FLAGS", "FETCH 1 FROB", "FETCH 1 BODY[0]",
		"FETCH 1 BODY[HEADER.FIELDS ()]", "FETCH 1 BODY[]<1.0>", "FETCH 1 (ALL)", "FETCH 0 FLAGS",
		"FETCH 1 BINARY[TEXT]", "FETCH 1 BODY[MIME]", "UID FETCH 1 FLAGS (VANISHED)",
		"STORE 1 FLAGS", "STORE 1 +FLAGZ (\\Seen)", "STORE 1 +FLAGS (\\Seen", "STORE x +FLAGS (a)",
		"SEARCH", "SEARCH FROB", "SEARCH OR SEEN", "SEARCH (SEEN", "SEARCH BEFORE 32-Jan-2024",
		"SEARCH RETURN (BOGUS) ALL", "SEARCH LARGER x", "SEARCH NOT", "SEARCH 5:",
	} {
		if got := last(r.cmd("x", c)); !strings.HasPrefix(got, "x BAD") {
			t.Errorf("%s: %q", c, got)
		}
	}
	if got := last(r.cmd("y", "FETCH 1 FLAGS")); !strings.HasPrefix(got, "y OK") {
		t.Errorf("session did not go on: %q", got)
	}
}

// EXPUNGE is never sent during FETCH, STORE or SEARCH (RFC 9051 section
// 7.5.1), but is during their UID forms.
func TestNoExpungeDuringFetchStoreSearch(t *testing.T) {
	for _, c := range []struct{ cmd, uidCmd string }{
		{"FETCH 1:* FLAGS", "UID FETCH 1:* FLAGS"},
		{"STORE 1 +FLAGS (\\Flagged)", "UID STORE 1 +FLAGS (\\Flagged)"},
		{"SEARCH ALL", "UID SEARCH ALL"},
	} {
		t.Run(c.cmd, func(t *testing.T) {
			e := newTestEnv(t, Options{})
			for i := 0; i < 3; i++ {
				e.deliver("joe@foo.com", simpleMsg)
			}
			r := e.session("SELECT")
			e.expungeInbox("joe@foo.com", 2)
			time.Sleep(20 * time.Millisecond)
			for _, l := range r.cmd("a", c.cmd) {
				if strings.HasSuffix(l, "EXPUNGE") {
					t.Errorf("%s sent %q", c.cmd, l)
				}
			}
			got := r.cmd("b", c.uidCmd)
			if !slices.Contains(got, "* 2 EXPUNGE") {
				t.Errorf("%s did not send the EXPUNGE: %q", c.uidCmd, got)
			}
		})
	}
}

// A message expunged by another session but still in this one's view is
// left out of FETCH; the session learns of the expunge later.
func TestFetchSkipsExpungedMeanwhile(t *testing.T) {
	e := newTestEnv(t, Options{})
	for i := 0; i < 3; i++ {
		e.deliver("joe@foo.com", simpleMsg)
	}
	r := e.session("SELECT")
	e.expungeInbox("joe@foo.com", 2)
	resp := r.responses("a", "FETCH 1:3 (UID BODY.PEEK[HEADER.FIELDS (Subject)] ENVELOPE)")
	if len(resp) != 3 || strings.Contains(resp[0]+resp[1], "UID 2 ") {
		t.Errorf("got %q", resp)
	}
}
