package wire

import (
	"io"
	"reflect"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

func TestParseStore(t *testing.T) {
	for _, c := range []struct {
		args string
		uid  bool
		want StoreCommand
	}{
		{" 2:4 +FLAGS (\\Deleted)", false, StoreCommand{
			Flags: imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagDeleted}}}},
		{" 1 -flags.silent \\seen $Junk", false, StoreCommand{
			Flags: imap.StoreFlags{Op: imap.StoreFlagsDel, Silent: true, Flags: []imap.Flag{imap.FlagSeen, "$Junk"}}}},
		{" 1:* FLAGS ()", true, StoreCommand{
			Flags: imap.StoreFlags{Op: imap.StoreFlagsSet, Flags: []imap.Flag{}}}},
		{" 1 FLAGS.SILENT \\Answered", false, StoreCommand{
			Flags: imap.StoreFlags{Op: imap.StoreFlagsSet, Silent: true, Flags: []imap.Flag{imap.FlagAnswered}}}},
		{" 7 (UNCHANGEDSINCE 12121230045) +FLAGS.SILENT (\\Deleted)", false, StoreCommand{
			Options: imap.StoreOptions{UnchangedSince: 12121230045}, HasUnchangedSince: true,
			Flags: imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}}},
		{" 7 (unchangedsince 0) FLAGS (a)", false, StoreCommand{HasUnchangedSince: true,
			Flags: imap.StoreFlags{Op: imap.StoreFlagsSet, Flags: []imap.Flag{"a"}}}},
	} {
		got, err := decRun(t, c.args+"\r\n", func(d *Decoder) (*StoreCommand, error) { return ParseStore(d, c.uid) })
		if err != nil {
			t.Errorf("%q: %v", c.args, err)
			continue
		}
		if _, isUID := got.NumSet.(imap.UIDSet); isUID != c.uid {
			t.Errorf("%q: set %T", c.args, got.NumSet)
		}
		got.NumSet = nil
		if !reflect.DeepEqual(*got, c.want) {
			t.Errorf("%q = %+v", c.args, got)
		}
	}
	for _, args := range []string{
		"", " 1", " 1 ", " 1 FLAGS", " 1 FLAGS ", " 1 +FLAGS (\\*)", " 1 *FLAGS (a)", " 1 LABELS (a)",
		" 1 FLAGS.LOUD (a)", " 1 +FLAGS.SILENT.SILENT (a)", " 1 FLAGS (a", " 1 FLAGS a ", " 1 FLAGS a  b",
		" 1 () FLAGS (a)", " 1 (UNCHANGEDSINCE) FLAGS (a)", " 1 (FOO 1) FLAGS (a)",
		" 1 (UNCHANGEDSINCE 1 UNCHANGEDSINCE 2) FLAGS (a)", " x FLAGS (a)", " 1 + FLAGS (a)",
		" 1 FLAGS (a) (b)", " 1 FLAGS \"a\"",
	} {
		if _, err := decRun(t, args+"\r\n", func(d *Decoder) (*StoreCommand, error) { return ParseStore(d, false) }); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

type decAppended struct {
	mailbox string
	flags   []imap.Flag
	date    time.Time
	binary  bool
	utf8    bool
	body    string
}

func decAppend(t *testing.T, args string) ([]decAppended, error) {
	t.Helper()
	var got []decAppended
	_, err := decRun(t, args+"\r\n", func(d *Decoder) (int, error) {
		return ParseAppend(d, func(m *AppendMessage) error {
			b, err := io.ReadAll(m.Body)
			got = append(got, decAppended{m.Mailbox, m.Options.Flags, m.Options.Time, m.Body.Binary(), m.UTF8, string(b)})
			return err
		})
	})
	return got, err
}

func TestParseAppend(t *testing.T) {
	when := time.Date(2024, 7, 17, 2, 44, 25, 0, time.FixedZone("", -7*3600))
	for _, c := range []struct {
		args string
		want []decAppended
	}{
		{" saved-messages {5}\r\nhello", []decAppended{{mailbox: "saved-messages", body: "hello"}}},
		{" inbox (\\Seen) {0+}\r\n", []decAppended{{mailbox: "INBOX", flags: []imap.Flag{imap.FlagSeen}}}},
		{" INBOX () \"17-Jul-2024 02:44:25 -0700\" {3}\r\nabc", []decAppended{
			{mailbox: "INBOX", flags: []imap.Flag{}, date: when, body: "abc"}}},
		{" a \"17-Jul-2024 02:44:25 -0700\" ~{2}\r\n\x00\x01", []decAppended{
			{mailbox: "a", date: when, binary: true, body: "\x00\x01"}}},
		{" a UTF8 (~{3}\r\n\xc3\xa9!)", []decAppended{{mailbox: "a", binary: true, utf8: true, body: "\xc3\xa9!"}}},
		// MULTIAPPEND: options per message.
		{" a (\\Draft) {1}\r\nx {2+}\r\nyz (\\Flagged $x) ~{1}\r\nw", []decAppended{
			{mailbox: "a", flags: []imap.Flag{imap.FlagDraft}, body: "x"},
			{mailbox: "a", body: "yz"},
			{mailbox: "a", flags: []imap.Flag{imap.FlagFlagged, "$x"}, binary: true, body: "w"},
		}},
	} {
		got, err := decAppend(t, c.args)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q = %+v, %v", c.args, got, err)
		}
	}
	for _, args := range []string{
		"", " a", " a ", " a (\\Seen)", " a (\\Seen) ", " a \"17-Jul-2024 02:44:25 -0700\"",
		" a \"bad date\" {1+}\r\nx", " a (\\*) {1+}\r\nx", " a {1+}\r\nx ", " a {1+}\r\nxy",
		" a \"17-Jul-2024 02:44:25 -0700\" (\\Seen) {1+}\r\nx", " a CATENATE (TEXT {1+}\r\nx)",
		" a UTF8 ({1+}\r\nx)", " a UTF8 (~{1+}\r\nx", " a FOO {1+}\r\nx", " a x", " a {1+}\r\nx  {1+}\r\ny",
	} {
		if _, err := decAppend(t, args); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}
