package wire

import (
	"reflect"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
)

func decFetch(t *testing.T, args string, uid bool) (*FetchCommand, error) {
	t.Helper()
	return decRun(t, args+"\r\n", func(d *Decoder) (*FetchCommand, error) { return ParseFetch(d, uid) })
}

func fetchNames(cmd *FetchCommand) string {
	var names []string
	for _, it := range cmd.Items {
		names = append(names, it.Name)
	}
	return strings.Join(names, " ")
}

func TestParseFetchItems(t *testing.T) {
	for _, c := range []struct {
		args  string
		uid   bool
		names string
	}{
		{" 1 ALL", false, "FLAGS INTERNALDATE RFC822.SIZE ENVELOPE"},
		{" 1 fast", false, "FLAGS INTERNALDATE RFC822.SIZE"},
		{" 1 FULL", false, "FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY"},
		{" 1:* FLAGS", false, "FLAGS"},
		{" 1 (flags uid)", false, "FLAGS UID"},
		{" 1 (UID FLAGS)", true, "UID FLAGS"},
		{" 1 FLAGS", true, "UID FLAGS"},
		{" 1 (ENVELOPE BODYSTRUCTURE BODY INTERNALDATE RFC822.SIZE MODSEQ)", false,
			"ENVELOPE BODYSTRUCTURE BODY INTERNALDATE RFC822.SIZE MODSEQ"},
		{" 1 (RFC822.HEADER RFC822 RFC822.TEXT)", false, "RFC822.HEADER RFC822 RFC822.TEXT"},
		{" 1 (BODY[] body.peek[HEADER] BODY[TEXT]<10.20>)", false, "BODY[] BODY[HEADER] BODY[TEXT]<10>"},
		{" 1 BODY.PEEK[1.2.mime]", false, "BODY[1.2.MIME]"},
		{" 1 BODY[4.2.HEADER.FIELDS (From \"X-Odd(Name\" {4}\r\nDate)]", false,
			`BODY[4.2.HEADER.FIELDS (From "X-Odd(Name" Date)]`},
		{" 1 (BODY.PEEK[header.fields.not (Received)]<0.1024>)", false,
			"BODY[HEADER.FIELDS.NOT (Received)]<0>"},
		{" 1 (BINARY[1] BINARY.PEEK[2.3]<5.6> BINARY.SIZE[1] binary[])", false,
			"BINARY[1] BINARY[2.3]<5> BINARY.SIZE[1] BINARY[]"},
		// Asked twice: once in the reply.
		{" 1 (FLAGS FLAGS BODY[] BODY.PEEK[])", false, "FLAGS BODY[]"},
		// CHANGEDSINCE implies MODSEQ.
		{" 1:* (FLAGS) (CHANGEDSINCE 12345)", false, "FLAGS MODSEQ"},
		{" 1:* (FLAGS) (CHANGEDSINCE 12345 VANISHED)", true, "UID FLAGS MODSEQ"},
		{" 1 (MODSEQ FLAGS) (changedsince 0)", false, "MODSEQ FLAGS"},
	} {
		cmd, err := decFetch(t, c.args, c.uid)
		if err != nil {
			t.Errorf("%q: %v", c.args, err)
			continue
		}
		if got := fetchNames(cmd); got != c.names {
			t.Errorf("%q: items %q, want %q", c.args, got, c.names)
		}
	}
}

func TestParseFetchOptions(t *testing.T) {
	cmd, err := decFetch(t, " 2:4 (UID BODY RFC822.HEADER BODY.PEEK[1.TEXT]<0.100> BODY[] "+
		"BODY[HEADER.FIELDS (a b)] BINARY.PEEK[1]<1.2> BINARY[] BINARY.SIZE[3.1] RFC822) (CHANGEDSINCE 7)", true)
	if err != nil {
		t.Fatal(err)
	}
	if cmd.NumSet.String() != "2:4" {
		t.Errorf("set %v", cmd.NumSet)
	}
	if _, ok := cmd.NumSet.(imap.UIDSet); !ok {
		t.Errorf("set type %T", cmd.NumSet)
	}
	o := cmd.Options
	if !o.UID || !o.ModSeq || o.Flags || o.Envelope || o.ChangedSince != 7 || !cmd.HasChangedSince {
		t.Errorf("options %+v", o)
	}
	if o.BodyStructure == nil || o.BodyStructure.Extended {
		t.Errorf("BODY gave %+v", o.BodyStructure)
	}
	wantSections := []*imap.FetchItemBodySection{
		{Specifier: imap.PartSpecifierHeader, Peek: true},
		{Part: []int{1}, Specifier: imap.PartSpecifierText, Peek: true, Partial: &imap.SectionPartial{Offset: 0, Size: 100}},
		{},
		{Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"a", "b"}},
		{},
	}
	if !reflect.DeepEqual(o.BodySection, wantSections) {
		for _, s := range o.BodySection {
			t.Logf("%+v", *s)
		}
		t.Error("body sections differ")
	}
	wantBin := []*imap.FetchItemBinarySection{
		{Part: []int{1}, Peek: true, Partial: &imap.SectionPartial{Offset: 1, Size: 2}},
		{},
	}
	if !reflect.DeepEqual(o.BinarySection, wantBin) {
		t.Errorf("binary sections %+v", o.BinarySection)
	}
	if len(o.BinarySectionSize) != 1 || !reflect.DeepEqual(o.BinarySectionSize[0].Part, []int{3, 1}) {
		t.Errorf("binary sizes %+v", o.BinarySectionSize)
	}
	// Each item points at its entry in Options.
	kinds := []FetchItemKind{FetchItemUID, FetchItemBody, FetchItemRFC822Header, FetchItemBodySection,
		FetchItemBodySection, FetchItemBodySection, FetchItemBinarySection, FetchItemBinarySection,
		FetchItemBinarySize, FetchItemRFC822, FetchItemModSeq}
	if len(cmd.Items) != len(kinds) {
		t.Fatalf("items %q", fetchNames(cmd))
	}
	si, bi := 0, 0
	for i, it := range cmd.Items {
		if it.Kind != kinds[i] {
			t.Errorf("item %d (%s) kind %d, want %d", i, it.Name, it.Kind, kinds[i])
		}
		if it.Section != nil {
			if it.Section != o.BodySection[si] {
				t.Errorf("item %s does not share its section", it.Name)
			}
			si++
		}
		if it.Binary != nil {
			if it.Binary != o.BinarySection[bi] {
				t.Errorf("item %s does not share its binary section", it.Name)
			}
			bi++
		}
	}

	// BODYSTRUCTURE wins over BODY for the extension data.
	cmd, err = decFetch(t, " 1 (BODY BODYSTRUCTURE)", false)
	if err != nil || !cmd.Options.BodyStructure.Extended {
		t.Errorf("BODY BODYSTRUCTURE: %v %+v", err, cmd)
	}
	// BODY[] then BODY.PEEK[]: the message is read, \Seen is set.
	cmd, err = decFetch(t, " 1 (BODY.PEEK[] BODY[])", false)
	if err != nil || len(cmd.Options.BodySection) != 1 || cmd.Options.BodySection[0].Peek {
		t.Errorf("BODY.PEEK[] BODY[]: %v %+v", err, cmd)
	}
	// Sequence set "$".
	cmd, err = decFetch(t, " $ FLAGS", false)
	if err != nil || !imap.IsSearchRes(cmd.NumSet) {
		t.Errorf("FETCH $: %v", err)
	}
	// VANISHED is kept.
	cmd, err = decFetch(t, " 1:* FLAGS (VANISHED CHANGEDSINCE 3)", true)
	if err != nil || !cmd.Vanished || cmd.Options.ChangedSince != 3 {
		t.Errorf("VANISHED: %v %+v", err, cmd)
	}
}

func TestParseFetchErrors(t *testing.T) {
	for _, args := range []string{
		"", " 1", " 1 ", " 0 FLAGS", " 1 FOO", " 1 (FLAGS", " 1 ()", " 1 (ALL)", " 1 (FLAGS ALL)",
		" 1 FLAGS FLAGS", " 1 (FLAGS  UID)", " 1 BODY[", " 1 BODY[HEADER", " 1 BODY[FOO]",
		" 1 BODY[0]", " 1 BODY[1..2]", " 1 BODY[1.]", " 1 BODY[.1]", " 1 BODY[MIME]", " 1 BODY[01]",
		" 1 BODY[HEADER.FIELDS]", " 1 BODY[HEADER.FIELDS ()]", " 1 BODY[HEADER.FIELDS (a]",
		" 1 BODY[HEADER.FIELDS a]", " 1 BODY[1.HEADER.FIELDS.NOT]", " 1 BODY.PEEK", " 1 BODY[]<",
		" 1 BODY[]<1>", " 1 BODY[]<1.0>", " 1 BODY[]<1.2", " 1 BODY[]<a.2>", " 1 BODY[]<1.02>",
		" 1 BINARY", " 1 BINARY[HEADER]", " 1 BINARY.SIZE[1]<0.1>", " 1 BINARY[1.TEXT]",
		" 1 FLAGS[]", " 1 RFC822.SIZE[1]", " 1 RFC822[]", " 1 BODY[TEXT]x",
		" 1 FLAGS (CHANGEDSINCE)", " 1 FLAGS (CHANGEDSINCE x)", " 1 FLAGS (FOO 1)", " 1 FLAGS ()",
		" 1 FLAGS (CHANGEDSINCE 1 CHANGEDSINCE 2)", " 1 FLAGS (VANISHED)",
		" 1 FLAGS (CHANGEDSINCE 1 VANISHED)", // VANISHED needs UID FETCH
		" 1 BODY[HEADER.FIELDS (\"a b\")]", " 1 BODY[HEADER.FIELDS (\"\")]", " 1 BODY[HEADER.FIELDS (a:)]",
		" 1 BODY[99999999999]", " 1 BODY[]<99999999999999999999.1>",
	} {
		if _, err := decFetch(t, args, false); err == nil {
			t.Errorf("%q accepted", args)
		} else {
			decSyntax(t, args, err)
		}
	}
}
