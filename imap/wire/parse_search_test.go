package wire

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

func decSearch(t *testing.T, args string) (*SearchCommand, error) {
	t.Helper()
	return decRun(t, args+"\r\n", ParseSearch)
}

func TestParseSearchKeys(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2024, time.January, d, 0, 0, 0, 0, time.UTC) }
	seq := func(s string) imap.SeqSet {
		var set imap.SeqSet
		for _, r := range strings.Split(s, ",") {
			a, b, ok := strings.Cut(r, ":")
			if !ok {
				b = a
			}
			set.AddRange(decAtoi(a), decAtoi(b))
		}
		return set
	}
	type sc = imap.SearchCriteria
	for _, c := range []struct {
		args string
		want sc
	}{
		{" ALL", sc{}},
		{" all", sc{}},
		{" ANSWERED DELETED DRAFT FLAGGED SEEN", sc{Flag: []imap.Flag{
			imap.FlagAnswered, imap.FlagDeleted, imap.FlagDraft, imap.FlagFlagged, imap.FlagSeen}}},
		{" UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN", sc{NotFlag: []imap.Flag{
			imap.FlagAnswered, imap.FlagDeleted, imap.FlagDraft, imap.FlagFlagged, imap.FlagSeen}}},
		{" RECENT", sc{Flag: []imap.Flag{FlagRecent}}},
		{" OLD", sc{NotFlag: []imap.Flag{FlagRecent}}},
		{" NEW", sc{Flag: []imap.Flag{FlagRecent}, NotFlag: []imap.Flag{imap.FlagSeen}}},
		{" KEYWORD $Work UNKEYWORD Junk", sc{Flag: []imap.Flag{"$Work"}, NotFlag: []imap.Flag{"Junk"}}},
		{" FROM joe TO \"Mary Smith\" CC {3}\r\nbob BCC x SUBJECT \"\"", sc{Header: []imap.SearchCriteriaHeaderField{
			{Key: "From", Value: "joe"}, {Key: "To", Value: "Mary Smith"}, {Key: "Cc", Value: "bob"},
			{Key: "Bcc", Value: "x"}, {Key: "Subject", Value: ""}}}},
		{" HEADER X-Spam yes HEADER Message-ID \"\"", sc{Header: []imap.SearchCriteriaHeaderField{
			{Key: "X-Spam", Value: "yes"}, {Key: "Message-ID", Value: ""}}}},
		{" BODY hello TEXT \"w\xc3\xb6rld\"", sc{Body: []string{"hello"}, Text: []string{"w\xc3\xb6rld"}}},
		{" SINCE 1-Jan-2024 BEFORE 10-Jan-2024", sc{Since: day(1), Before: day(10)}},
		{" ON 5-Jan-2024", sc{Since: day(5), Before: day(6)}},
		{" SENTON \"5-Jan-2024\"", sc{SentSince: day(5), SentBefore: day(6)}},
		{" SENTSINCE 2-Jan-2024 SENTBEFORE 3-Jan-2024", sc{SentSince: day(2), SentBefore: day(3)}},
		// Several date keys narrow the range.
		{" SINCE 1-Jan-2024 SINCE 3-Jan-2024 BEFORE 9-Jan-2024 ON 4-Jan-2024",
			sc{Since: day(4), Before: day(5)}},
		{" LARGER 100 SMALLER 2000 LARGER 50 SMALLER 3000", sc{Larger: 100, Smaller: 2000}},
		{" LARGER 0", sc{Not: []sc{{Smaller: 1}}}},
		{" SMALLER 0", sc{Not: []sc{{}}}},
		{" 1:5,7", sc{SeqNum: []imap.SeqSet{seq("1:5,7")}}},
		{" * 2", sc{SeqNum: []imap.SeqSet{seq("0"), seq("2")}}},
		{" UID 3:*", sc{UID: []imap.UIDSet{{{Start: 3, Stop: 0}}}}},
		{" NOT SEEN", sc{Not: []sc{{Flag: []imap.Flag{imap.FlagSeen}}}}},
		{" NOT (SEEN FLAGGED)", sc{Not: []sc{{Flag: []imap.Flag{imap.FlagSeen, imap.FlagFlagged}}}}},
		{" OR SEEN FLAGGED", sc{Or: [][2]sc{{{Flag: []imap.Flag{imap.FlagSeen}}, {Flag: []imap.Flag{imap.FlagFlagged}}}}}},
		{" OR (FROM a) OR TO b CC c", sc{Or: [][2]sc{{
			{Header: []imap.SearchCriteriaHeaderField{{Key: "From", Value: "a"}}},
			{Or: [][2]sc{{
				{Header: []imap.SearchCriteriaHeaderField{{Key: "To", Value: "b"}}},
				{Header: []imap.SearchCriteriaHeaderField{{Key: "Cc", Value: "c"}}},
			}}},
		}}}},
		{" (SEEN (DELETED))", sc{Flag: []imap.Flag{imap.FlagSeen, imap.FlagDeleted}}},
		{" MODSEQ 620162338", sc{ModSeq: &imap.SearchCriteriaModSeq{ModSeq: 620162338}}},
		{" MODSEQ \"/flags/\\\\draft\" all 0", sc{ModSeq: &imap.SearchCriteriaModSeq{
			ModSeq: 0, MetadataName: "/flags/\\draft", MetadataType: imap.SearchCriteriaMetadataAll}}},
		{" MODSEQ 5 MODSEQ 6", sc{ModSeq: &imap.SearchCriteriaModSeq{ModSeq: 5},
			Not: []sc{{Not: []sc{{ModSeq: &imap.SearchCriteriaModSeq{ModSeq: 6}}}}}}},
	} {
		cmd, err := decSearch(t, c.args)
		if err != nil {
			t.Errorf("%q: %v", c.args, err)
			continue
		}
		if !reflect.DeepEqual(cmd.Criteria, c.want) {
			t.Errorf("%q:\n got %+v\nwant %+v", c.args, cmd.Criteria, c.want)
		}
		if cmd.Return != nil || cmd.Charset != "" {
			t.Errorf("%q: return %+v charset %q", c.args, cmd.Return, cmd.Charset)
		}
	}
}

func decAtoi(s string) uint32 {
	if s == "*" {
		return 0
	}
	n := uint32(0)
	for _, c := range s {
		n = n*10 + uint32(c-'0')
	}
	return n
}

func TestParseSearchSaved(t *testing.T) {
	for _, args := range []string{" $", " UID $", " NOT $"} {
		cmd, err := decSearch(t, args)
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		c := cmd.Criteria
		if len(c.Not) == 1 {
			c = c.Not[0]
		}
		if len(c.UID) != 1 || !imap.IsSearchRes(c.UID[0]) {
			t.Errorf("%q: %+v", args, cmd.Criteria)
		}
	}
}

func TestParseSearchReturnCharset(t *testing.T) {
	for _, c := range []struct {
		args    string
		ret     *imap.SearchOptions
		charset string
	}{
		{" CHARSET UTF-8 ALL", nil, "UTF-8"},
		{" charset \"us-ascii\" ALL", nil, "US-ASCII"},
		{" RETURN () ALL", &imap.SearchOptions{ReturnAll: true}, ""},
		{" RETURN (MIN MAX) CHARSET utf-8 SEEN", &imap.SearchOptions{ReturnMin: true, ReturnMax: true}, "UTF-8"},
		{" RETURN (min max all count save) 1:*",
			&imap.SearchOptions{ReturnMin: true, ReturnMax: true, ReturnAll: true, ReturnCount: true, ReturnSave: true}, ""},
		{" RETURN (SAVE) UNSEEN", &imap.SearchOptions{ReturnSave: true}, ""},
		// A key that merely starts like RETURN or CHARSET.
		{" RETURNED", nil, ""},
	} {
		if c.args == " RETURNED" {
			_, err := decSearch(t, c.args)
			if err == nil || !strings.Contains(err.Error(), "RETURNED") {
				t.Errorf("RETURNED: %v", err)
			}
			continue
		}
		cmd, err := decSearch(t, c.args)
		if err != nil {
			t.Errorf("%q: %v", c.args, err)
			continue
		}
		if !reflect.DeepEqual(cmd.Return, c.ret) || cmd.Charset != c.charset {
			t.Errorf("%q: return %+v charset %q", c.args, cmd.Return, cmd.Charset)
		}
	}

	_, err := decSearch(t, " CHARSET ISO-8859-1 TEXT {3+}\r\nabc FROM x")
	var bc *BadCharsetError
	if !errors.As(err, &bc) || bc.Charset != "ISO-8859-1" {
		t.Errorf("bad charset: %v", err)
	}
}

func TestParseSearchErrors(t *testing.T) {
	for _, args := range []string{
		"", " ", " FOO", " SEEN ", " SEEN  FLAGGED", " ()", " (SEEN", " SEEN)", " NOT", " NOT ",
		" OR SEEN", " OR SEEN ", " FROM", " FROM ", " HEADER X", " HEADER X ", " KEYWORD \\Seen",
		" KEYWORD", " SINCE", " SINCE 1-Foo-2024", " SINCE 1-Jan-2024x", " LARGER x", " LARGER -1",
		" SMALLER 99999999999999999999", " UID", " UID x", " 0", " 1:0", " $1",
		" MODSEQ", " MODSEQ x", " MODSEQ \"/flags/\\\\seen\" 5", " MODSEQ \"/foo\" all 5",
		" MODSEQ \"/flags/\\\\seen\" any 5", " MODSEQ \"/flags/\" all 5",
		" RETURN", " RETURN ()", " RETURN (FOO) ALL", " RETURN (MIN ALL", " RETURN MIN ALL",
		" CHARSET", " CHARSET UTF-8", " CHARSET UTF-8 ", " RETURN () RETURN () ALL",
		" CHARSET UTF-8 CHARSET UTF-8 ALL", " ALL CHARSET UTF-8", " FROM \"unterminated",
		" " + strings.Repeat("NOT ", maxSearchDepth+2) + "SEEN",
		" " + strings.Repeat("(", maxSearchDepth+2) + "SEEN" + strings.Repeat(")", maxSearchDepth+2),
	} {
		_, err := decSearch(t, args)
		if err == nil {
			t.Errorf("%q accepted", args)
		}
	}
	// Long but legitimate OR chains pass.
	long := " " + strings.Repeat("OR FROM a ", 500) + "ALL"
	if _, err := decSearch(t, long); err != nil {
		t.Errorf("500 ORs: %v", err)
	}
}
