package wire

import (
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2"
)

// FetchItemKind tells FetchItems apart.
type FetchItemKind int

const (
	FetchItemFlags         FetchItemKind = iota + 1
	FetchItemInternalDate                // INTERNALDATE
	FetchItemRFC822Size                  // RFC822.SIZE
	FetchItemEnvelope                    // ENVELOPE
	FetchItemBody                        // BODY: body structure without extension data
	FetchItemBodyStructure               // BODYSTRUCTURE
	FetchItemUID                         // UID
	FetchItemModSeq                      // MODSEQ (CONDSTORE)
	FetchItemBodySection                 // BODY[...] and BODY.PEEK[...]
	FetchItemRFC822                      // RFC822: BODY[] under its old name
	FetchItemRFC822Header                // RFC822.HEADER: BODY.PEEK[HEADER]
	FetchItemRFC822Text                  // RFC822.TEXT: BODY[TEXT]
	FetchItemBinarySection               // BINARY[...] and BINARY.PEEK[...]
	FetchItemBinarySize                  // BINARY.SIZE[...]
)

// FetchItem is one data item the client asked for, in the order asked, so
// that the reply can give each under the name the client expects.
type FetchItem struct {
	Kind FetchItemKind
	// Name is the item's name in the reply: upper case, without .PEEK,
	// with the section as sent (header field names keep their case) and
	// only the origin of a partial, e.g. BODY[HEADER.FIELDS (From To)]<0>.
	Name string
	// Section is set for FetchItemBodySection and FetchItemRFC822*; it is
	// the same pointer as in FetchCommand.Options.BodySection.
	Section *imap.FetchItemBodySection
	// Binary is set for FetchItemBinarySection.
	Binary *imap.FetchItemBinarySection
	// BinarySize is set for FetchItemBinarySize.
	BinarySize *imap.FetchItemBinarySectionSize
}

// FetchCommand holds the arguments of FETCH and UID FETCH.
type FetchCommand struct {
	NumSet imap.NumSet
	// Items lists the data items once each, in the order asked. For UID
	// FETCH a UID item leads the list if the client did not ask for one,
	// and CHANGEDSINCE adds MODSEQ: replies must hold both.
	Items   []FetchItem
	Options imap.FetchOptions
	// HasChangedSince is true when CHANGEDSINCE was given; its value is
	// Options.ChangedSince (0 is allowed and matches every message).
	HasChangedSince bool
	// Vanished is the VANISHED modifier of UID FETCH (QRESYNC).
	Vanished bool
}

// fetchMacros expand to their items in the order RFC 9051 lists them.
var fetchMacros = map[string][]string{
	"ALL":  {"FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"},
	"FAST": {"FLAGS", "INTERNALDATE", "RFC822.SIZE"},
	"FULL": {"FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"},
}

var simpleFetchItems = map[string]FetchItemKind{
	"FLAGS":         FetchItemFlags,
	"INTERNALDATE":  FetchItemInternalDate,
	"RFC822.SIZE":   FetchItemRFC822Size,
	"ENVELOPE":      FetchItemEnvelope,
	"BODY":          FetchItemBody,
	"BODYSTRUCTURE": FetchItemBodyStructure,
	"UID":           FetchItemUID,
	"MODSEQ":        FetchItemModSeq,
}

// ParseFetch reads the arguments of FETCH (UID FETCH when uid is true): a
// set, a macro, one item or a list of items, and optional modifiers
// (CHANGEDSINCE n, VANISHED). A server reads a command like this:
//
//	tag, err := d.ReadTag()
//	// ... d.ReadSP(), name, err := d.ReadAtom() ...
//	cmd, err := wire.ParseFetch(d, false)
//	if err != nil {
//		// answer "tag BAD " + err.Error(), then
//		err = d.Discard()
//	}
func ParseFetch(d *Decoder, uid bool) (*FetchCommand, error) {
	cmd := &FetchCommand{}
	var err error
	if cmd.NumSet, err = d.readSetSP(uid); err != nil {
		return nil, err
	}
	c, err := d.peek()
	if err != nil {
		return nil, err
	}
	if c == '(' {
		err = d.readNonEmptyList("fetch item", func() error { return d.readFetchAtt(cmd, false) })
	} else {
		err = d.readFetchAtt(cmd, true)
	}
	if err != nil {
		return nil, err
	}
	if eol, err := d.AtEOL(); err != nil {
		return nil, err
	} else if !eol {
		if err := d.ReadSP(); err != nil {
			return nil, err
		}
		if err := d.readFetchModifiers(cmd); err != nil {
			return nil, err
		}
	}
	if cmd.Vanished && (!uid || !cmd.HasChangedSince) {
		return nil, syntaxErr("VANISHED needs UID FETCH and CHANGEDSINCE")
	}
	if uid && !cmd.Options.UID {
		cmd.Options.UID = true
		cmd.Items = append([]FetchItem{{Kind: FetchItemUID, Name: "UID"}}, cmd.Items...)
	}
	if cmd.HasChangedSince && !cmd.Options.ModSeq {
		cmd.addSimple(FetchItemModSeq, "MODSEQ")
	}
	return cmd, d.ReadCRLF()
}

func (d *Decoder) readFetchModifiers(cmd *FetchCommand) error {
	return d.readNonEmptyList("fetch modifier", func() error {
		name, err := d.readKeyword("fetch modifier")
		if err != nil {
			return err
		}
		switch name {
		case "CHANGEDSINCE":
			if cmd.HasChangedSince {
				return syntaxErr("CHANGEDSINCE given twice")
			}
			if err := d.ReadSP(); err != nil {
				return err
			}
			cmd.HasChangedSince = true
			cmd.Options.ChangedSince, err = d.ReadNumber64()
			return err
		case "VANISHED":
			cmd.Vanished = true
			return nil
		}
		return syntaxErr("Unknown fetch modifier %s", name)
	})
}

func isFetchNameChar(c byte) bool { return isAtomChar(c) && c != '[' && c != '<' }

// readFetchAtt reads one fetch-att, or a macro where allowed.
func (d *Decoder) readFetchAtt(cmd *FetchCommand, macroOK bool) error {
	b, err := d.readWhile(isFetchNameChar)
	if err != nil {
		return err
	}
	if len(b) == 0 {
		return d.expected("fetch item")
	}
	name := strings.ToUpper(string(b))
	if items, ok := fetchMacros[name]; ok {
		if !macroOK {
			return syntaxErr("Fetch macro %s not allowed in a list", name)
		}
		for _, it := range items {
			cmd.addSimple(simpleFetchItems[it], it)
		}
		return nil
	}
	c, err := d.peek()
	if err != nil {
		return err
	}
	hasSection := c == '['
	switch name {
	case "BODY", "BODY.PEEK":
		if !hasSection {
			if name == "BODY.PEEK" {
				return syntaxErr("BODY.PEEK needs a section")
			}
			break
		}
		sec, label, err := d.readBodySection()
		if err != nil {
			return err
		}
		sec.Peek = name == "BODY.PEEK"
		if sec.Partial, err = d.readPartial(); err != nil {
			return err
		}
		if sec.Partial != nil {
			label += "<" + strconv.FormatInt(sec.Partial.Offset, 10) + ">"
		}
		cmd.addSection(FetchItemBodySection, "BODY"+label, sec)
		return nil
	case "BINARY", "BINARY.PEEK", "BINARY.SIZE":
		if !hasSection {
			return syntaxErr("%s needs a section", name)
		}
		part, label, err := d.readBinarySection()
		if err != nil {
			return err
		}
		if name == "BINARY.SIZE" {
			cmd.addBinarySize(name+label, &imap.FetchItemBinarySectionSize{Part: part})
			return nil
		}
		bin := &imap.FetchItemBinarySection{Part: part, Peek: name == "BINARY.PEEK"}
		if bin.Partial, err = d.readPartial(); err != nil {
			return err
		}
		if bin.Partial != nil {
			label += "<" + strconv.FormatInt(bin.Partial.Offset, 10) + ">"
		}
		cmd.addBinary("BINARY"+label, bin)
		return nil
	case "RFC822":
		cmd.addSection(FetchItemRFC822, name, &imap.FetchItemBodySection{})
		return nil
	case "RFC822.HEADER":
		cmd.addSection(FetchItemRFC822Header, name,
			&imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true})
		return nil
	case "RFC822.TEXT":
		cmd.addSection(FetchItemRFC822Text, name,
			&imap.FetchItemBodySection{Specifier: imap.PartSpecifierText})
		return nil
	}
	kind, ok := simpleFetchItems[name]
	if !ok {
		return syntaxErr("Unknown fetch item %s", name)
	}
	if hasSection {
		return syntaxErr("%s takes no section", name)
	}
	cmd.addSimple(kind, name)
	return nil
}

func (cmd *FetchCommand) has(name string) (int, bool) {
	for i := range cmd.Items {
		if cmd.Items[i].Name == name {
			return i, true
		}
	}
	return 0, false
}

func (cmd *FetchCommand) addSimple(kind FetchItemKind, name string) {
	if _, dup := cmd.has(name); dup {
		return
	}
	o := &cmd.Options
	switch kind {
	case FetchItemFlags:
		o.Flags = true
	case FetchItemInternalDate:
		o.InternalDate = true
	case FetchItemRFC822Size:
		o.RFC822Size = true
	case FetchItemEnvelope:
		o.Envelope = true
	case FetchItemBody:
		if o.BodyStructure == nil {
			o.BodyStructure = &imap.FetchItemBodyStructure{}
		}
	case FetchItemBodyStructure:
		o.BodyStructure = &imap.FetchItemBodyStructure{Extended: true}
	case FetchItemUID:
		o.UID = true
	case FetchItemModSeq:
		o.ModSeq = true
	}
	cmd.Items = append(cmd.Items, FetchItem{Kind: kind, Name: name})
}

// addSection records a body section; asked twice (say BODY[] and
// BODY.PEEK[]), it is fetched once, and sets \Seen if either form would.
func (cmd *FetchCommand) addSection(kind FetchItemKind, name string, sec *imap.FetchItemBodySection) {
	if i, dup := cmd.has(name); dup {
		prev := cmd.Items[i].Section
		prev.Peek = prev.Peek && sec.Peek
		return
	}
	cmd.Options.BodySection = append(cmd.Options.BodySection, sec)
	cmd.Items = append(cmd.Items, FetchItem{Kind: kind, Name: name, Section: sec})
}

func (cmd *FetchCommand) addBinary(name string, bin *imap.FetchItemBinarySection) {
	if i, dup := cmd.has(name); dup {
		prev := cmd.Items[i].Binary
		prev.Peek = prev.Peek && bin.Peek
		return
	}
	cmd.Options.BinarySection = append(cmd.Options.BinarySection, bin)
	cmd.Items = append(cmd.Items, FetchItem{Kind: FetchItemBinarySection, Name: name, Binary: bin})
}

func (cmd *FetchCommand) addBinarySize(name string, size *imap.FetchItemBinarySectionSize) {
	if _, dup := cmd.has(name); dup {
		return
	}
	cmd.Options.BinarySectionSize = append(cmd.Options.BinarySectionSize, size)
	cmd.Items = append(cmd.Items, FetchItem{Kind: FetchItemBinarySize, Name: name, BinarySize: size})
}

func isSectionChar(c byte) bool {
	return isDigit(c) || c == '.' || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

// readSectionSpec reads "[" and the dotted part of a section up to a space
// or "]", split into part numbers and the upper-cased text after them.
func (d *Decoder) readSectionSpec() (part []int, text string, err error) {
	if err := d.ReadChar('['); err != nil {
		return nil, "", err
	}
	b, err := d.readWhile(isSectionChar)
	if err != nil {
		return nil, "", err
	}
	spec := string(b)
	for spec != "" && isDigit(spec[0]) {
		num, rest, _ := strings.Cut(spec, ".")
		if num[0] == '0' || len(num) > 9 {
			return nil, "", syntaxErr("Invalid section part number")
		}
		for i := 0; i < len(num); i++ {
			if !isDigit(num[i]) {
				return nil, "", syntaxErr("Invalid section part number")
			}
		}
		n, _ := strconv.Atoi(num)
		part = append(part, n)
		if rest == "" && strings.HasSuffix(spec, ".") {
			return nil, "", syntaxErr("Invalid section")
		}
		spec = rest
	}
	return part, strings.ToUpper(spec), nil
}

// readBodySection reads a section of BODY[...] and returns it with its
// label for the reply ("[1.HEADER]").
func (d *Decoder) readBodySection() (*imap.FetchItemBodySection, string, error) {
	part, text, err := d.readSectionSpec()
	if err != nil {
		return nil, "", err
	}
	sec := &imap.FetchItemBodySection{Part: part}
	var label strings.Builder
	label.WriteByte('[')
	label.WriteString(partString(part))
	if len(part) > 0 && text != "" {
		label.WriteByte('.')
	}
	label.WriteString(text)
	switch text {
	case "":
	case "HEADER":
		sec.Specifier = imap.PartSpecifierHeader
	case "TEXT":
		sec.Specifier = imap.PartSpecifierText
	case "MIME":
		if len(part) == 0 {
			return nil, "", syntaxErr("MIME needs a part number")
		}
		sec.Specifier = imap.PartSpecifierMIME
	case "HEADER.FIELDS", "HEADER.FIELDS.NOT":
		sec.Specifier = imap.PartSpecifierHeader
		if err := d.ReadSP(); err != nil {
			return nil, "", err
		}
		var names []string
		err := d.readNonEmptyList("header field", func() error {
			s, err := d.ReadAString()
			if err == nil && !validFieldName(s) {
				err = syntaxErr("Invalid header field name")
			}
			names = append(names, s)
			return err
		})
		if err != nil {
			return nil, "", err
		}
		if text == "HEADER.FIELDS" {
			sec.HeaderFields = names
		} else {
			sec.HeaderFieldsNot = names
		}
		label.WriteString(" (")
		for i, n := range names {
			if i > 0 {
				label.WriteByte(' ')
			}
			label.WriteString(astringForm(n))
		}
		label.WriteByte(')')
	default:
		return nil, "", syntaxErr("Invalid section %s", text)
	}
	if err := d.ReadChar(']'); err != nil {
		return nil, "", err
	}
	label.WriteByte(']')
	return sec, label.String(), nil
}

// readBinarySection reads the section of BINARY[...]: part numbers only.
func (d *Decoder) readBinarySection() ([]int, string, error) {
	part, text, err := d.readSectionSpec()
	if err != nil {
		return nil, "", err
	}
	if text != "" {
		return nil, "", syntaxErr("BINARY section takes part numbers only")
	}
	if err := d.ReadChar(']'); err != nil {
		return nil, "", err
	}
	return part, "[" + partString(part) + "]", nil
}

func partString(part []int) string {
	s := make([]string, len(part))
	for i, n := range part {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ".")
}

// readPartial reads an optional "<" offset "." size ">".
func (d *Decoder) readPartial() (*imap.SectionPartial, error) {
	c, err := d.peek()
	if err != nil || c != '<' {
		return nil, err
	}
	if err := d.advance(); err != nil {
		return nil, err
	}
	off, err := d.ReadNumber64()
	if err != nil {
		return nil, err
	}
	if err := d.ReadChar('.'); err != nil {
		return nil, err
	}
	if c, err = d.peek(); err != nil {
		return nil, err
	}
	size, err := d.ReadNumber64()
	if err != nil {
		return nil, err
	}
	if size == 0 || c == '0' {
		return nil, syntaxErr("Invalid partial size")
	}
	if err := d.ReadChar('>'); err != nil {
		return nil, err
	}
	return &imap.SectionPartial{Offset: int64(off), Size: int64(size)}, nil
}

// astringForm writes s as an atom when it can be one, else quoted.
func astringForm(s string) string {
	ok := s != ""
	for i := 0; ok && i < len(s); i++ {
		ok = isAStringChar(s[i])
	}
	if ok {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// validFieldName checks a header field name (RFC 5322 ftext), which the
// reply echoes.
func validFieldName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e || s[i] == ':' {
			return false
		}
	}
	return true
}
