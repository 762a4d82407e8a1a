package wire

import (
	"reflect"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

// decArg wraps an element reader as a command parser: SP, element, CRLF.
func decArg[T any](read func(d *Decoder) (T, error)) func(*Decoder) (T, error) {
	return func(d *Decoder) (T, error) {
		var zero T
		if err := d.ReadSP(); err != nil {
			return zero, err
		}
		v, err := read(d)
		if err != nil {
			return zero, err
		}
		return v, d.ReadCRLF()
	}
}

func TestParseNumSet(t *testing.T) {
	for _, c := range []struct {
		in   string
		uid  bool
		want string // String() of the set; "$" for SearchRes
	}{
		{"1", false, "1"},
		{"1:5", false, "1:5"},
		{"5:1", false, "1:5"},
		{"*", false, "*"},
		{"1:*", false, "1:*"},
		{"*:3", false, "3:*"},
		{"1,3:5,7", false, "1,3:5,7"},
		{"7,1:3,2", false, "1:3,7"},
		{"4294967295", true, "4294967295"},
		{"$", false, "$"},
		{"$", true, "$"},
		{"10:2,*", true, "2:10,*"},
	} {
		set, err := decRun(t, " "+c.in+"\r\n", func(d *Decoder) (imap.NumSet, error) {
			return ParseNumSetArg(d, c.uid)
		})
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if imap.IsSearchRes(set) {
			if c.want != "$" {
				t.Errorf("%q: got SearchRes", c.in)
			}
			continue
		}
		if set.String() != c.want {
			t.Errorf("%q = %q, want %q", c.in, set.String(), c.want)
		}
		_, isUID := set.(imap.UIDSet)
		if isUID != c.uid {
			t.Errorf("%q: got %T", c.in, set)
		}
	}
	for _, in := range []string{
		"0", "1:0", "0:*", "1,", ",1", "1::2", "01", "1:", ":1",
		"4294967296", "$1", "1$", "$$", "1,$", "a", "", "1 2", "**", "1:*:2",
	} {
		_, err := decRun(t, " "+in+"\r\n", func(d *Decoder) (imap.NumSet, error) {
			return ParseNumSetArg(d, false)
		})
		if err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestParseFlags(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []imap.Flag
	}{
		{"()", []imap.Flag{}},
		{"(\\seen)", []imap.Flag{imap.FlagSeen}},
		{"(\\ANSWERED \\flagged \\Deleted \\DRAFT \\recent)",
			[]imap.Flag{imap.FlagAnswered, imap.FlagFlagged, imap.FlagDeleted, imap.FlagDraft, FlagRecent}},
		{"($Label1 Junk \\Custom NonJunk)", []imap.Flag{"$Label1", "Junk", "\\Custom", "NonJunk"}},
	} {
		got, err := decRun(t, " "+c.in+"\r\n", decArg((*Decoder).ReadFlagList))
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{
		"(\\*)", "(\\)", "((a))", "(a", "(\"quoted\")", "(a%)", "(a b", "( a)",
		"(a )", "\\Seen", "(a]b)", "(\\Seen\\Seen)", "({1+}\r\na)",
	} {
		_, err := decRun(t, " "+in+"\r\n", decArg((*Decoder).ReadFlagList))
		if err == nil {
			t.Errorf("%q accepted", in)
		}
	}
	// \* is a flag only where the caller allows it.
	f, err := decRun(t, " \\*\r\n", decArg(func(d *Decoder) (imap.Flag, error) { return d.ReadFlag(true) }))
	if err != nil || f != imap.FlagWildcard {
		t.Errorf("ReadFlag(true) = %q, %v", f, err)
	}
}

func TestParseDates(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		in   string
		want time.Time
	}{
		{"1-Jan-2024", day(2024, 1, 1)},
		{"01-jan-2024", day(2024, 1, 1)},
		{"\"31-DEC-1999\"", day(1999, 12, 31)},
		{"29-Feb-2024", day(2024, 2, 29)},
	} {
		got, err := decRun(t, " "+c.in+"\r\n", decArg((*Decoder).ReadDate))
		if err != nil || !got.Equal(c.want) || got.Location() != time.UTC {
			t.Errorf("date %q = %v, %v", c.in, got, err)
		}
	}
	for _, in := range []string{
		"32-Jan-2024", "29-Feb-2023", "0-Jan-2024", "1-Foo-2024", "1-Jan-24", "1-Jan-20245",
		"001-Jan-2024", "1 Jan 2024", "\"1-Jan-2024", "Jan-1-2024", "1--2024", "",
	} {
		if _, err := decRun(t, " "+in+"\r\n", decArg((*Decoder).ReadDate)); err == nil {
			t.Errorf("date %q accepted", in)
		}
	}

	for _, c := range []struct {
		in     string
		want   time.Time
		offset int
	}{
		{`"01-Jan-2024 10:00:00 +0000"`, time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC), 0},
		{`" 5-Mar-2024 23:59:59 -0730"`, time.Date(2024, 3, 6, 7, 29, 59, 0, time.UTC), -(7*3600 + 30*60)},
		{`"5-Mar-2024 00:00:00 +0100"`, time.Date(2024, 3, 4, 23, 0, 0, 0, time.UTC), 3600},
	} {
		got, err := decRun(t, " "+c.in+"\r\n", decArg((*Decoder).ReadDateTime))
		if err != nil || !got.Equal(c.want) {
			t.Errorf("date-time %q = %v, %v", c.in, got, err)
			continue
		}
		if _, off := got.Zone(); off != c.offset {
			t.Errorf("date-time %q: offset %d, want %d", c.in, off, c.offset)
		}
	}
	for _, in := range []string{
		`01-Jan-2024 10:00:00 +0000`, `"01-Jan-2024 10:00:00"`, `"01-Jan-2024 10:00 +0000"`,
		`"01-Jan-2024 24:00:00 +0000"`, `"01-Jan-2024 10:60:00 +0000"`, `"01-Jan-2024 10:00:00 +00"`,
		`"01-Jan-2024 10:00:00 0000"`, `"01-Jan-2024 10:00:00 +0060"`, `"32-Jan-2024 10:00:00 +0000"`,
		`"01-Jan-2024  10:00:00 +0000"`, `""`,
	} {
		if _, err := decRun(t, " "+in+"\r\n", decArg((*Decoder).ReadDateTime)); err == nil {
			t.Errorf("date-time %q accepted", in)
		}
	}
}

func TestParseMailboxName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"inbox", "INBOX"},
		{"InBoX", "INBOX"},
		{"\"INBOX\"", "INBOX"},
		{"{5}\r\ninBox", "INBOX"},
		{"INBOX/foo", "INBOX/foo"},
		{"inbox/foo", "inbox/foo"},
		{"inboxes", "inboxes"},
		{"&AOk-t&AOk-", "&AOk-t&AOk-"},
		{"\"Caf\xc3\xa9 Noir\"", "Caf\xc3\xa9 Noir"},
		{"a]b", "a]b"},
		{"\"\"", ""},
	} {
		got, err := decRun(t, " "+c.in+"\r\n", ParseMailboxArg)
		if err != nil || got != c.want {
			t.Errorf("%q = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", "a b", "(a)", "a%", "a*", "\"a", "{2}\r\nabc"} {
		if _, err := decRun(t, " "+in+"\r\n", ParseMailboxArg); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}
