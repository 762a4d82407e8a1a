package imap

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mstore/store"
)

// deliverAt appends a message with a given internal date.
func (e *testEnv) deliverAt(user, body string, date time.Time) uint32 {
	e.t.Helper()
	r, err := e.st.ResolveRecipient(e.t.Context(), user)
	if err != nil {
		e.t.Fatal(err)
	}
	st, err := e.st.Stage(e.t.Context(), strings.NewReader(body), store.StageOptions{Date: date})
	if err != nil {
		e.t.Fatal(err)
	}
	defer st.Close()
	res := st.Commit(e.t.Context(), []store.Target{r.Target})[0]
	if res.Err != nil {
		e.t.Fatal(res.Err)
	}
	return res.UID
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }

// searchMailbox fills joe's INBOX with messages built for the search
// keys; it returns their bodies, message n being at index n-1.
func searchMailbox(t *testing.T, e *testEnv) {
	t.Helper()
	msgs := []struct {
		date time.Time
		body string
	}{
		// 1: plain ASCII.
		{day(2024, 1, 10), "Date: Mon, 8 Jan 2024 09:00:00 +0000\r\nFrom: Ann Adams <ann@example.org>\r\n" +
			"To: joe@foo.com\r\nCc: Carl <carl@example.net>\r\nSubject: Lunch plans\r\nX-Tag: blue\r\n\r\n" +
			"Shall we meet at noon by the Fountain?\r\n"},
		// 2: quoted-printable UTF-8 body, encoded subject.
		{day(2024, 2, 20), "Date: Tue, 20 Feb 2024 23:30:00 -0800\r\nFrom: =?UTF-8?Q?Zo=C3=AB_Z?= <zoe@example.org>\r\n" +
			"To: ann@example.org\r\nBcc: secret@example.com\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=\r\n" +
			"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
			"Viele Gr=C3=BC=C3=9Fe vom Dom, und ein Zebra=\r\nstreifen.\r\n"},
		// 3: base64 text inside a multipart, with an attachment.
		{day(2024, 3, 5), "Date: Tue, 5 Mar 2024 10:00:00 +0100\r\nFrom: Bob <bob@example.com>\r\nTo: joe@foo.com\r\n" +
			"Subject: Report\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=sep\r\n\r\n" +
			"--sep\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
			base64.StdEncoding.EncodeToString([]byte("The aardvark figures are attached.\r\n")) + "\r\n" +
			"--sep\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
			base64.StdEncoding.EncodeToString([]byte("hidden narwhal bytes")) + "\r\n--sep--\r\n"},
		// 4: ISO-8859-1 8-bit body, no Date header.
		{day(2024, 3, 6), "From: Gaston <gaston@example.org>\r\nTo: joe@foo.com\r\nSubject: Compte rendu\r\n" +
			"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
			"Le caf\xe9 co\xfbtera plus cher.\r\n"},
		// 5: large, with a keyword set later.
		{day(2024, 4, 1), "Date: Mon, 1 Apr 2024 08:00:00 +0000\r\nFrom: List <list@example.org>\r\nTo: joe@foo.com\r\n" +
			"Subject: Digest\r\n\r\n" + strings.Repeat("filler line of the digest\r\n", 200)},
	}
	for _, m := range msgs {
		e.deliverAt("joe@foo.com", m.body, m.date)
	}
}

// searchNums parses "* SEARCH 1 2 3" (with an optional MODSEQ part).
func searchNums(t *testing.T, lines []string) []uint32 {
	t.Helper()
	for _, l := range lines {
		if rest, ok := strings.CutPrefix(l, "* SEARCH"); ok {
			rest, _, _ = strings.Cut(rest, " (")
			var out []uint32
			for _, f := range strings.Fields(rest) {
				n, err := strconv.ParseUint(f, 10, 32)
				if err != nil {
					t.Fatalf("bad SEARCH response %q", l)
				}
				out = append(out, uint32(n))
			}
			return out
		}
	}
	t.Fatalf("no SEARCH response in %q", lines)
	return nil
}

func TestSearchKeys(t *testing.T) {
	e := newTestEnv(t, Options{})
	searchMailbox(t, e)
	r := e.session("SELECT")
	r.cmd("f1", `STORE 1 +FLAGS (\Answered \Seen)`)
	r.cmd("f2", `STORE 2 +FLAGS (\Flagged \Draft)`)
	r.cmd("f3", `STORE 3 +FLAGS (\Deleted $Work)`)
	r.cmd("f4", `STORE 5 +FLAGS (Later)`)
	cases := []struct {
		key  string
		want []uint32
	}{
		{"ALL", []uint32{1, 2, 3, 4, 5}},
		{"ANSWERED", []uint32{1}}, {"UNANSWERED", []uint32{2, 3, 4, 5}},
		{"SEEN", []uint32{1}}, {"UNSEEN", []uint32{2, 3, 4, 5}},
		{"FLAGGED", []uint32{2}}, {"UNFLAGGED", []uint32{1, 3, 4, 5}},
		{"DELETED", []uint32{3}}, {"UNDELETED", []uint32{1, 2, 4, 5}},
		{"DRAFT", []uint32{2}}, {"UNDRAFT", []uint32{1, 3, 4, 5}},
		{"KEYWORD $work", []uint32{3}}, {"KEYWORD later", []uint32{5}}, {"UNKEYWORD Later", []uint32{1, 2, 3, 4}},
		{"RECENT", nil}, {"NEW", nil}, {"OLD", []uint32{1, 2, 3, 4, 5}},
		{"LARGER 1000", []uint32{5}}, {"SMALLER 200", []uint32{1}}, {"SMALLER 204", []uint32{1, 4}}, {"LARGER 0", []uint32{1, 2, 3, 4, 5}}, {"SMALLER 0", nil},
		{"BEFORE 20-Feb-2024", []uint32{1}}, {"ON 20-Feb-2024", []uint32{2}}, {"SINCE 6-Mar-2024", []uint32{4, 5}},
		{`SINCE "5-Mar-2024" BEFORE 1-Apr-2024`, []uint32{3, 4}},
		{"SENTBEFORE 9-Jan-2024", []uint32{1}}, {"SENTON 20-Feb-2024", []uint32{2}},
		{"SENTSINCE 5-Mar-2024", []uint32{3, 4, 5}}, {"SENTON 6-Mar-2024", []uint32{4}},
		{"FROM ann", []uint32{1}}, {"FROM ADAMS", []uint32{1}}, {"FROM \"zoë\"", []uint32{2}}, {"FROM =?utf-8?q?zo", []uint32{2}},
		{"TO ann@example", []uint32{2}}, {"CC carl", []uint32{1}}, {"BCC secret", []uint32{2}},
		{"SUBJECT \"grüße\"", []uint32{2}}, {"SUBJECT \"GRÜSSE\"", nil}, {"SUBJECT \"GRÜẞE\"", []uint32{2}}, {"SUBJECT report", []uint32{3}},
		{"HEADER X-Tag BLUE", []uint32{1}}, {`HEADER x-tag ""`, []uint32{1}}, {`HEADER Date ""`, []uint32{1, 2, 3, 5}},
		{"BODY fountain", []uint32{1}}, {"BODY zebrastreifen", []uint32{2}}, {"BODY \"grüße\"", []uint32{2}},
		{"BODY aardvark", []uint32{3}}, {"BODY narwhal", nil}, {"BODY \"café\"", []uint32{4}}, {"BODY \"CAFÉ\"", []uint32{4}},
		{"BODY lunch", nil}, {"TEXT lunch", []uint32{1}}, {"TEXT fountain", []uint32{1}}, {"TEXT \"köln\"", []uint32{2}},
		{"BODY filler", []uint32{5}},
		{"2:3", []uint32{2, 3}}, {"*", []uint32{5}}, {"4:*", []uint32{4, 5}}, {"1,3,5", []uint32{1, 3, 5}},
		{"UID 2", []uint32{2}}, {"UID 4:*", []uint32{4, 5}}, {"UID 9", nil},
		{"NOT SEEN", []uint32{2, 3, 4, 5}}, {"OR SEEN FLAGGED", []uint32{1, 2}},
		{"OR (SEEN ANSWERED) (BODY aardvark)", []uint32{1, 3}}, {"NOT (OR SEEN DELETED)", []uint32{2, 4, 5}},
		{"OR BODY fountain BODY aardvark UNSEEN", []uint32{3}}, {"NOT BODY aardvark", []uint32{1, 2, 4, 5}},
		{"UNSEEN BODY \"café\"", []uint32{4}}, {"SEEN BODY \"café\"", nil},
	}
	for _, c := range cases {
		lines := r.cmd("s", "SEARCH "+c.key)
		if got := last(lines); !strings.HasPrefix(got, "s OK") {
			t.Errorf("SEARCH %s: %q", c.key, got)
			continue
		}
		if got := searchNums(t, lines); !slices.Equal(got, c.want) {
			t.Errorf("SEARCH %s: %v, want %v", c.key, got, c.want)
		}
	}
	// UID SEARCH answers with UIDs.
	if got := searchNums(t, r.cmd("u", "UID SEARCH FROM bob")); !slices.Equal(got, []uint32{3}) {
		t.Errorf("UID SEARCH: %v", got)
	}
	// CHARSET: UTF-8 and US-ASCII; a literal for 8-bit text.
	r.send("c1 SEARCH CHARSET UTF-8 BODY {7+}")
	r.send("Grüße")
	if got := searchNums(t, r.expect("c1 ")); !slices.Equal(got, []uint32{2}) {
		t.Errorf("CHARSET UTF-8 literal: %v", got)
	}
	if got := searchNums(t, r.cmd("c2", "SEARCH CHARSET us-ascii SUBJECT lunch")); !slices.Equal(got, []uint32{1}) {
		t.Errorf("CHARSET US-ASCII: %v", got)
	}
	if got := last(r.cmd("c3", "SEARCH CHARSET ISO-8859-1 BODY x")); !strings.HasPrefix(got, "c3 NO [BADCHARSET (UTF-8 US-ASCII)]") {
		t.Errorf("other charset: %q", got)
	}
}

// ESEARCH return options (RFC 4731) and the saved result (RFC 5182).
func TestSearchReturnAndSave(t *testing.T) {
	e := newTestEnv(t, Options{})
	searchMailbox(t, e)
	r := e.session("SELECT")
	r.cmd("f", `STORE 2,4 +FLAGS (\Seen)`)
	cases := []struct{ cmd, want string }{
		{"SEARCH RETURN (MIN MAX COUNT ALL) UNSEEN", `* ESEARCH (TAG "t") MIN 1 MAX 5 ALL 1,3,5 COUNT 3`},
		{"SEARCH RETURN () 1:3", `* ESEARCH (TAG "t") ALL 1:3`},
		{"UID SEARCH RETURN (COUNT) SEEN", `* ESEARCH (TAG "t") UID COUNT 2`},
		{"SEARCH RETURN (MIN MAX ALL) BODY nothing-like-this", `* ESEARCH (TAG "t")`},
		{"SEARCH RETURN (COUNT) BODY nothing-like-this", `* ESEARCH (TAG "t") COUNT 0`},
	}
	for _, c := range cases {
		lines := r.cmd("t", c.cmd)
		if len(lines) != 2 || lines[0] != c.want {
			t.Errorf("%s: %q, want %q", c.cmd, lines, c.want)
		}
	}
	// SAVE alone answers nothing; $ is then usable by FETCH, SEARCH, STORE.
	if lines := r.cmd("v", "SEARCH RETURN (SAVE) SEEN"); len(lines) != 1 || !strings.HasPrefix(lines[0], "v OK") {
		t.Errorf("SAVE: %q", lines)
	}
	resp := r.responses("w", "FETCH $ (UID)")
	if len(resp) != 3 || !strings.HasPrefix(resp[0], "* 2 FETCH") || !strings.HasPrefix(resp[1], "* 4 FETCH") {
		t.Errorf("FETCH $: %q", resp)
	}
	if got := searchNums(t, r.cmd("x", "SEARCH $ FROM gaston")); !slices.Equal(got, []uint32{4}) {
		t.Errorf("SEARCH $: %v", got)
	}
	if got := searchNums(t, r.cmd("y", "UID SEARCH UID $")); !slices.Equal(got, []uint32{2, 4}) {
		t.Errorf("UID SEARCH UID $: %v", got)
	}
	// SAVE with MIN keeps only the minimum.
	r.cmd("z", "SEARCH RETURN (SAVE MIN) UNSEEN")
	if got := searchNums(t, r.cmd("z2", "SEARCH $")); !slices.Equal(got, []uint32{1}) {
		t.Errorf("after SAVE MIN: %v", got)
	}
	r.cmd("z3", `STORE $ +FLAGS (\Flagged)`)
	if got := searchNums(t, r.cmd("z4", "SEARCH FLAGGED")); !slices.Equal(got, []uint32{1}) {
		t.Errorf("STORE $: %v", got)
	}
	// IMAP4rev2 gets ESEARCH even without RETURN.
	r.cmd("e", "ENABLE IMAP4rev2")
	if lines := r.cmd("r", "SEARCH SEEN"); lines[0] != `* ESEARCH (TAG "r") ALL 2,4` {
		t.Errorf("IMAP4rev2 SEARCH: %q", lines)
	}
}

// CONDSTORE: MODSEQ as a search key, and the MODSEQ of the result.
func TestSearchModSeq(t *testing.T) {
	e := newTestEnv(t, Options{})
	searchMailbox(t, e)
	r := e.session("SELECT")
	lines := r.cmd("a", "FETCH 5 (MODSEQ)")
	var base uint64
	if _, err := fmt.Sscanf(lines[len(lines)-2], "* 5 FETCH (MODSEQ (%d))", &base); err != nil {
		t.Fatalf("%q: %v", lines, err)
	}
	r.cmd("b", `STORE 2 +FLAGS (\Flagged)`)
	lines = r.cmd("c", fmt.Sprintf("SEARCH MODSEQ %d", base+1))
	if !slices.Contains(lines, fmt.Sprintf("* SEARCH 2 (MODSEQ %d)", base+1)) {
		t.Errorf("SEARCH MODSEQ: %q", lines)
	}
	lines = r.cmd("d", fmt.Sprintf(`SEARCH RETURN (COUNT) MODSEQ "/flags/\\flagged" all %d`, base))
	if !slices.Contains(lines, fmt.Sprintf(`* ESEARCH (TAG "d") COUNT 2 MODSEQ %d`, base+1)) {
		t.Errorf("ESEARCH MODSEQ: %q", lines)
	}
	if got := searchNums(t, r.cmd("e", fmt.Sprintf("SEARCH MODSEQ %d", base+5))); len(got) != 0 {
		t.Errorf("nothing that new: %v", got)
	}
}

// Every key through go-imap's client, which builds the command itself.
func TestSearchWithImapclient(t *testing.T) {
	e := newTestEnv(t, Options{})
	searchMailbox(t, e)
	cl := e.client("joe@foo.com")
	if _, err := cl.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagSeen, "Later"}, Silent: true}, nil).Collect(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		c    imap.SearchCriteria
		want []uint32
	}{
		{"flag", imap.SearchCriteria{Flag: []imap.Flag{imap.FlagSeen}}, []uint32{1}},
		{"keyword", imap.SearchCriteria{Flag: []imap.Flag{"later"}}, []uint32{1}},
		{"not flag", imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, []uint32{2, 3, 4, 5}},
		{"since", imap.SearchCriteria{Since: day(2024, 3, 5)}, []uint32{3, 4, 5}},
		{"before", imap.SearchCriteria{Before: day(2024, 3, 5)}, []uint32{1, 2}},
		{"sent", imap.SearchCriteria{SentSince: day(2024, 2, 20), SentBefore: day(2024, 3, 6)}, []uint32{2, 3}},
		{"header", imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Subject", Value: "köln"}}}, []uint32{2}},
		{"from", imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "From", Value: "example.com"}}}, []uint32{3}},
		{"body", imap.SearchCriteria{Body: []string{"Zebrastreifen"}}, []uint32{2}},
		{"text", imap.SearchCriteria{Text: []string{"rendu"}}, []uint32{4}},
		{"larger", imap.SearchCriteria{Larger: 1000}, []uint32{5}},
		{"smaller", imap.SearchCriteria{Smaller: 400}, []uint32{1, 2, 4}},
		{"seq", imap.SearchCriteria{SeqNum: []imap.SeqSet{imap.SeqSetNum(2, 4)}}, []uint32{2, 4}},
		{"uid", imap.SearchCriteria{UID: []imap.UIDSet{{imap.UIDRange{Start: 3, Stop: 0}}}}, []uint32{3, 4, 5}},
		{"not", imap.SearchCriteria{Not: []imap.SearchCriteria{{Body: []string{"café"}}}}, []uint32{1, 2, 3, 5}},
		{"or", imap.SearchCriteria{Or: [][2]imap.SearchCriteria{{{Body: []string{"aardvark"}}, {Flag: []imap.Flag{imap.FlagSeen}}}}}, []uint32{1, 3}},
	}
	for _, c := range cases {
		data, err := cl.Search(&c.c, nil).Wait()
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := data.AllSeqNums(); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
		udata, err := cl.UIDSearch(&c.c, &imap.SearchOptions{ReturnMin: true, ReturnMax: true, ReturnCount: true}).Wait()
		if err != nil {
			t.Errorf("%s: UID SEARCH: %v", c.name, err)
			continue
		}
		if int(udata.Count) != len(c.want) || len(c.want) > 0 && (udata.Min != c.want[0] || udata.Max != c.want[len(c.want)-1]) {
			t.Errorf("%s: ESEARCH %+v, want %v", c.name, udata, c.want)
		}
	}
}

// Searches over the corpus: encoded words in ISO-8859-1, 8-bit Latin-1
// bodies, quoted-printable parts of multiparts, attached messages.
func TestSearchCorpus(t *testing.T) {
	e := newTestEnv(t, Options{})
	corpus := readCorpus(t)
	seqOf := map[string]uint32{}
	for i, c := range corpus {
		e.deliver("joe@foo.com", string(c.data))
		seqOf[c.name] = uint32(i + 1)
	}
	r := e.session("EXAMINE")
	cases := []struct {
		key  string
		want []string
	}{
		{`SUBJECT "smørrebrød"`, []string{"encoded-words-subject"}},
		{`SUBJECT "réunion à genève"`, []string{"encoded-words-subject"}},
		{`SUBJECT "compte rendu de la réunion"`, []string{"latin1-8bit-body"}},
		{`BODY "coûtera"`, []string{"latin1-8bit-body"}},
		{`BODY "café opening"`, []string{"multipart-alternative"}},
		{`FROM "zoë ångström"`, []string{"encoded-words-addresses", "utf8-raw-headers"}},
		{`TO "håkon"`, []string{"encoded-words-addresses"}},
		{`BODY "order 5521 has shipped"`, []string{"rfc822-multipart-inside"}},
		{`BODY "your order has shipped"`, []string{"rfc822-multipart-inside"}},
		{`HEADER X-Huge-Field ""`, []string{"huge-header-field"}},
		{`TEXT "report.pdf"`, []string{"multipart-mixed-attachments"}}, {`BODY "report.pdf"`, nil},
	}
	for _, c := range cases {
		var want []uint32
		for _, n := range c.want {
			want = append(want, seqOf[n])
		}
		if got := searchNums(t, r.cmd("s", "SEARCH "+c.key)); !slices.Equal(got, want) {
			t.Errorf("SEARCH %s: %v, want %v", c.key, got, want)
		}
	}
}
