package wire

import (
	"strings"

	"github.com/emersion/go-imap/v2"
)

// FlagRecent is the \Recent flag of IMAP4rev1, which go-imap/v2 does not
// name. The search keys RECENT, NEW and OLD are expressed with it.
const FlagRecent imap.Flag = "\\Recent"

// systemFlags spells the flags whose case the server normalises.
var systemFlags = map[string]imap.Flag{
	"\\ANSWERED": imap.FlagAnswered,
	"\\FLAGGED":  imap.FlagFlagged,
	"\\DELETED":  imap.FlagDeleted,
	"\\SEEN":     imap.FlagSeen,
	"\\DRAFT":    imap.FlagDraft,
	"\\RECENT":   FlagRecent,
}

// ReadFlag reads one flag: a system flag (returned in its usual spelling,
// whatever case was sent), another \-flag, or a keyword (as sent). \* is
// accepted only when wildcard is true.
func (d *Decoder) ReadFlag(wildcard bool) (imap.Flag, error) {
	c, err := d.peek()
	if err != nil {
		return "", err
	}
	if c != '\\' {
		atom, err := d.ReadAtom()
		if err != nil {
			return "", syntaxErr("Invalid flag")
		}
		return imap.Flag(atom), nil
	}
	if err := d.advance(); err != nil {
		return "", err
	}
	if c, err = d.peek(); err != nil {
		return "", err
	}
	if c == '*' {
		if !wildcard {
			return "", syntaxErr("Flag \\* not allowed here")
		}
		return imap.FlagWildcard, d.advance()
	}
	atom, err := d.ReadAtom()
	if err != nil {
		return "", syntaxErr("Invalid flag")
	}
	name := "\\" + atom
	if f, ok := systemFlags[strings.ToUpper(name)]; ok {
		return f, nil
	}
	return imap.Flag(name), nil
}

// ReadFlagList reads "(" [flag *(SP flag)] ")". \* is not allowed.
func (d *Decoder) ReadFlagList() ([]imap.Flag, error) {
	flags := []imap.Flag{}
	err := d.ReadList(func() error {
		f, err := d.ReadFlag(false)
		if err == nil {
			flags = append(flags, f)
		}
		return err
	})
	return flags, err
}
