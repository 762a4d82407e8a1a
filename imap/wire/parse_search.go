package wire

import (
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
)

// SearchCommand holds the arguments of SEARCH and UID SEARCH.
//
// Keys that imap.SearchCriteria has no field for are expressed thus:
//   - ON d: Since d and Before the next day; SENTON alike.
//   - RECENT: Flag \Recent (FlagRecent); OLD: NotFlag \Recent; NEW: Flag
//     \Recent and NotFlag \Seen.
//   - KEYWORD k / UNKEYWORD k: Flag k / NotFlag k; ANSWERED and the other
//     flag keys likewise with the system flag.
//   - LARGER 0: Not{Smaller 1}; SMALLER 0, which nothing matches: Not{}
//     (an empty SearchCriteria matches every message).
//   - "$" (SEARCHRES), as a sequence set or after UID: imap.SearchRes() in
//     UID, since the saved result names messages.
//   - Two MODSEQ keys: the second inside Not{Not{...}}, the type having
//     room for one.
//
// Dates are midnight UTC; SEARCH compares them without time or zone.
type SearchCommand struct {
	// Charset is the CHARSET argument upper-cased, "" if none was given.
	Charset string
	// Return holds the ESEARCH result options (RFC 4731, RFC 9051); nil
	// when no RETURN was given, which asks for the plain SEARCH reply.
	// An empty RETURN () means RETURN (ALL) and is given as ReturnAll.
	Return   *imap.SearchOptions
	Criteria imap.SearchCriteria
}

// BadCharsetError is a CHARSET other than UTF-8 or US-ASCII. The server
// answers NO [BADCHARSET (UTF-8 US-ASCII)].
type BadCharsetError struct {
	Charset string
}

func (e *BadCharsetError) Error() string { return respText("Unsupported charset " + e.Charset) }

// maxSearchDepth bounds the nesting of NOT, OR and parentheses. Clients
// build long OR chains, so it is generous, yet keeps recursion small.
const maxSearchDepth = 1000

// ParseSearch reads the arguments of SEARCH and UID SEARCH, which take the
// same keys:
//
//	[SP "RETURN" SP "(" options ")"] [SP "CHARSET" SP charset] 1*(SP search-key)
//
// A charset other than UTF-8 or US-ASCII gives a *BadCharsetError, with the
// rest of the command still to Discard.
func ParseSearch(d *Decoder) (*SearchCommand, error) {
	cmd := &SearchCommand{}
	if err := d.ReadSP(); err != nil {
		return nil, err
	}
	word, err := d.peekWord()
	if err != nil {
		return nil, err
	}
	if word == "RETURN" {
		d.skipWord(word)
		if err := d.ReadSP(); err != nil {
			return nil, err
		}
		if cmd.Return, err = d.readSearchReturn(); err != nil {
			return nil, err
		}
		if err := d.ReadSP(); err != nil {
			return nil, err
		}
		if word, err = d.peekWord(); err != nil {
			return nil, err
		}
	}
	if word == "CHARSET" {
		d.skipWord(word)
		if err := d.ReadSP(); err != nil {
			return nil, err
		}
		cs, err := d.ReadAString()
		if err != nil {
			return nil, err
		}
		cmd.Charset = strings.ToUpper(cs)
		if cmd.Charset != "UTF-8" && cmd.Charset != "US-ASCII" {
			return nil, &BadCharsetError{Charset: cs}
		}
		if err := d.ReadSP(); err != nil {
			return nil, err
		}
	}
	for {
		if err := d.readSearchKey(&cmd.Criteria, 0); err != nil {
			return nil, err
		}
		if eol, err := d.AtEOL(); err != nil {
			return nil, err
		} else if eol {
			break
		}
		if err := d.ReadSP(); err != nil {
			return nil, err
		}
	}
	return cmd, d.ReadCRLF()
}

// peekWord returns the upper-cased atom that comes next, if it is short
// enough to be RETURN or CHARSET, without consuming it. It looks no further
// than the atom and the byte after it, which is always on its way (the
// line ends in LF), and never further than bufio's smallest buffer.
func (d *Decoder) peekWord() (string, error) {
	for n := 1; n <= 9; n++ {
		b, err := d.r.Peek(n)
		if err != nil {
			return "", ioErr(err)
		}
		if !isAtomChar(b[n-1]) {
			return strings.ToUpper(string(b[:n-1])), nil
		}
	}
	return "", nil
}

// skipWord consumes the word peekWord returned.
func (d *Decoder) skipWord(w string) {
	for range len(w) {
		if d.advance() != nil {
			return // the next read reports the error
		}
	}
}

func (d *Decoder) readSearchReturn() (*imap.SearchOptions, error) {
	opts := &imap.SearchOptions{}
	n := 0
	err := d.ReadList(func() error {
		name, err := d.readKeyword("search return option")
		if err != nil {
			return err
		}
		n++
		switch name {
		case "MIN":
			opts.ReturnMin = true
		case "MAX":
			opts.ReturnMax = true
		case "ALL":
			opts.ReturnAll = true
		case "COUNT":
			opts.ReturnCount = true
		case "SAVE":
			opts.ReturnSave = true
		default:
			return syntaxErr("Unknown search return option %s", name)
		}
		return nil
	})
	if n == 0 {
		opts.ReturnAll = true
	}
	return opts, err
}

// flagKeys are the search keys that test one flag: set (true) or not.
var flagKeys = map[string]struct {
	flag imap.Flag
	set  bool
}{
	"ANSWERED":   {imap.FlagAnswered, true},
	"DELETED":    {imap.FlagDeleted, true},
	"DRAFT":      {imap.FlagDraft, true},
	"FLAGGED":    {imap.FlagFlagged, true},
	"SEEN":       {imap.FlagSeen, true},
	"RECENT":     {FlagRecent, true},
	"UNANSWERED": {imap.FlagAnswered, false},
	"UNDELETED":  {imap.FlagDeleted, false},
	"UNDRAFT":    {imap.FlagDraft, false},
	"UNFLAGGED":  {imap.FlagFlagged, false},
	"UNSEEN":     {imap.FlagSeen, false},
	"OLD":        {FlagRecent, false},
}

// headerKeys are the keys that search one header field for a string.
var headerKeys = map[string]string{
	"BCC": "Bcc", "CC": "Cc", "FROM": "From", "SUBJECT": "Subject", "TO": "To",
}

// argKeys are the other keys that take arguments.
var argKeys = map[string]bool{
	"BODY": true, "TEXT": true, "HEADER": true, "KEYWORD": true, "UNKEYWORD": true,
	"BEFORE": true, "ON": true, "SINCE": true, "SENTBEFORE": true, "SENTON": true,
	"SENTSINCE": true, "LARGER": true, "SMALLER": true, "UID": true, "NOT": true,
	"OR": true, "MODSEQ": true,
}

// readSearchKey reads one search-key and ANDs it into c.
func (d *Decoder) readSearchKey(c *imap.SearchCriteria, depth int) error {
	if depth > maxSearchDepth {
		return syntaxErr("Search keys nested too deeply")
	}
	ch, err := d.peek()
	if err != nil {
		return err
	}
	switch {
	case ch == '(':
		return d.readNonEmptyList("search key", func() error {
			return d.readSearchKey(c, depth+1)
		})
	case isDigit(ch) || ch == '*' || ch == '$':
		set, err := d.ReadNumSet(false)
		if err != nil {
			return err
		}
		addNumSet(c, set)
		return nil
	}
	key, err := d.readKeyword("search key")
	if err != nil {
		return err
	}
	if fk, ok := flagKeys[key]; ok {
		if fk.set {
			c.Flag = append(c.Flag, fk.flag)
		} else {
			c.NotFlag = append(c.NotFlag, fk.flag)
		}
		return nil
	}
	switch key {
	case "ALL":
		return nil
	case "NEW":
		c.Flag = append(c.Flag, FlagRecent)
		c.NotFlag = append(c.NotFlag, imap.FlagSeen)
		return nil
	}
	// Every other key takes arguments.
	if _, ok := headerKeys[key]; !ok && !argKeys[key] {
		return syntaxErr("Unknown search key %s", key)
	}
	if err := d.ReadSP(); err != nil {
		return err
	}
	if field, ok := headerKeys[key]; ok {
		s, err := d.ReadAString()
		c.Header = append(c.Header, imap.SearchCriteriaHeaderField{Key: field, Value: s})
		return err
	}
	switch key {
	case "BODY", "TEXT":
		s, err := d.ReadAString()
		if key == "BODY" {
			c.Body = append(c.Body, s)
		} else {
			c.Text = append(c.Text, s)
		}
		return err
	case "HEADER":
		name, err := d.ReadAString()
		if err != nil {
			return err
		}
		if err := d.ReadSP(); err != nil {
			return err
		}
		s, err := d.ReadAString()
		c.Header = append(c.Header, imap.SearchCriteriaHeaderField{Key: name, Value: s})
		return err
	case "KEYWORD", "UNKEYWORD":
		atom, err := d.ReadAtom()
		if err != nil {
			return err
		}
		if key == "KEYWORD" {
			c.Flag = append(c.Flag, imap.Flag(atom))
		} else {
			c.NotFlag = append(c.NotFlag, imap.Flag(atom))
		}
		return nil
	case "BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE":
		t, err := d.ReadDate()
		if err != nil {
			return err
		}
		addDateKey(c, key, t)
		return nil
	case "LARGER", "SMALLER":
		n, err := d.ReadNumber64()
		if err != nil {
			return err
		}
		addSizeKey(c, key == "LARGER", int64(n))
		return nil
	case "UID":
		set, err := d.ReadNumSet(true)
		if err != nil {
			return err
		}
		addNumSet(c, set)
		return nil
	case "NOT":
		var sub imap.SearchCriteria
		if err := d.readSearchKey(&sub, depth+1); err != nil {
			return err
		}
		c.Not = append(c.Not, sub)
		return nil
	case "OR":
		var pair [2]imap.SearchCriteria
		if err := d.readSearchKey(&pair[0], depth+1); err != nil {
			return err
		}
		if err := d.ReadSP(); err != nil {
			return err
		}
		if err := d.readSearchKey(&pair[1], depth+1); err != nil {
			return err
		}
		c.Or = append(c.Or, pair)
		return nil
	case "MODSEQ":
		m, err := d.readSearchModSeq()
		if err != nil {
			return err
		}
		if c.ModSeq == nil {
			c.ModSeq = m
		} else {
			inner := imap.SearchCriteria{Not: []imap.SearchCriteria{{ModSeq: m}}}
			c.Not = append(c.Not, inner)
		}
		return nil
	}
	return syntaxErr("Unknown search key %s", key)
}

func addNumSet(c *imap.SearchCriteria, set imap.NumSet) {
	switch s := set.(type) {
	case imap.UIDSet:
		c.UID = append(c.UID, s)
	case imap.SeqSet:
		c.SeqNum = append(c.SeqNum, s)
	}
}

// addDateKey narrows c's date range; ON is the day from d to the next.
func addDateKey(c *imap.SearchCriteria, key string, d time.Time) {
	since, before := &c.Since, &c.Before
	if strings.HasPrefix(key, "SENT") {
		since, before = &c.SentSince, &c.SentBefore
		key = key[4:]
	}
	if key == "SINCE" || key == "ON" {
		if since.IsZero() || d.After(*since) {
			*since = d
		}
	}
	if key == "ON" {
		d = d.AddDate(0, 0, 1)
	}
	if key == "BEFORE" || key == "ON" {
		if before.IsZero() || d.Before(*before) {
			*before = d
		}
	}
}

// addSizeKey narrows c's size range. A zero field means "no bound", so the
// bounds 0 cannot be stored and are written with Not instead.
func addSizeKey(c *imap.SearchCriteria, larger bool, n int64) {
	switch {
	case larger && n == 0:
		c.Not = append(c.Not, imap.SearchCriteria{Smaller: 1})
	case larger:
		if n > c.Larger {
			c.Larger = n
		}
	case n == 0:
		c.Not = append(c.Not, imap.SearchCriteria{})
	default:
		if c.Smaller == 0 || n < c.Smaller {
			c.Smaller = n
		}
	}
}

// readSearchModSeq reads the arguments of MODSEQ (RFC 7162):
// [entry-name SP entry-type SP] mod-sequence-valzer.
func (d *Decoder) readSearchModSeq() (*imap.SearchCriteriaModSeq, error) {
	m := &imap.SearchCriteriaModSeq{}
	c, err := d.peek()
	if err != nil {
		return nil, err
	}
	if c == '"' {
		name, err := d.ReadQuoted()
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(strings.ToLower(name), "/flags/") || len(name) == len("/flags/") {
			return nil, syntaxErr("Invalid MODSEQ entry name")
		}
		m.MetadataName = name
		if err := d.ReadSP(); err != nil {
			return nil, err
		}
		typ, err := d.readKeyword("MODSEQ entry type")
		if err != nil {
			return nil, err
		}
		switch t := imap.SearchCriteriaMetadataType(strings.ToLower(typ)); t {
		case imap.SearchCriteriaMetadataAll, imap.SearchCriteriaMetadataPrivate,
			imap.SearchCriteriaMetadataShared:
			m.MetadataType = t
		default:
			return nil, syntaxErr("Invalid MODSEQ entry type")
		}
		if err := d.ReadSP(); err != nil {
			return nil, err
		}
	}
	if m.ModSeq, err = d.ReadNumber64(); err != nil {
		return nil, err
	}
	return m, nil
}
