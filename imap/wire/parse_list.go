package wire

import (
	"github.com/emersion/go-imap/v2"
)

// ListCommand holds the arguments of LIST (and LSUB).
type ListCommand struct {
	// Reference is the reference name, INBOX normalised.
	Reference string
	// Patterns are the mailbox patterns as sent, wildcards included.
	Patterns []string
	Options  imap.ListOptions
	// Extended is true when the client used the syntax of LIST-EXTENDED
	// (RFC 5258): selection options, a pattern list or return options.
	// The reply then follows that RFC's rules.
	Extended bool
}

func isListChar(c byte) bool { return isAStringChar(c) || c == '%' || c == '*' }

// ParseList reads the arguments of LIST:
//
//	[SP "(" selection options ")"] SP reference SP (pattern / "(" patterns ")")
//	[SP "RETURN" SP "(" return options ")"]
func ParseList(d *Decoder) (*ListCommand, error) {
	cmd := &ListCommand{}
	if err := d.ReadSP(); err != nil {
		return nil, err
	}
	c, err := d.peek()
	if err != nil {
		return nil, err
	}
	if c == '(' {
		cmd.Extended = true
		if err := d.readListSelect(&cmd.Options); err != nil {
			return nil, err
		}
		if err := d.ReadSP(); err != nil {
			return nil, err
		}
	}
	if cmd.Reference, err = d.ReadMailbox(); err != nil {
		return nil, err
	}
	if err := d.ReadSP(); err != nil {
		return nil, err
	}
	if c, err = d.peek(); err != nil {
		return nil, err
	}
	if c == '(' {
		cmd.Extended = true
		err = d.readNonEmptyList("pattern", func() error {
			p, err := d.readListMailbox()
			cmd.Patterns = append(cmd.Patterns, p)
			return err
		})
	} else {
		var p string
		p, err = d.readListMailbox()
		cmd.Patterns = []string{p}
	}
	if err != nil {
		return nil, err
	}
	if eol, err := d.AtEOL(); err != nil || eol {
		return cmd, d.endIf(err)
	}
	if err := d.ReadSP(); err != nil {
		return nil, err
	}
	if kw, err := d.readKeyword("RETURN"); err != nil {
		return nil, err
	} else if kw != "RETURN" {
		return nil, syntaxErr("Expected RETURN, found %s", kw)
	}
	if err := d.ReadSP(); err != nil {
		return nil, err
	}
	cmd.Extended = true
	if err := d.readListReturn(&cmd.Options); err != nil {
		return nil, err
	}
	return cmd, d.ReadCRLF()
}

// ParseLSub reads the arguments of LSUB: a reference and one pattern.
func ParseLSub(d *Decoder) (*ListCommand, error) {
	cmd := &ListCommand{}
	var err error
	if cmd.Reference, err = d.readMailboxSP(); err != nil {
		return nil, err
	}
	p, err := d.readListMailbox()
	if err != nil {
		return nil, err
	}
	cmd.Patterns = []string{p}
	return cmd, d.ReadCRLF()
}

// readListMailbox reads a list-mailbox: 1*list-char or a string.
func (d *Decoder) readListMailbox() (string, error) {
	c, err := d.peek()
	if err != nil {
		return "", err
	}
	if c == '"' || c == '{' {
		return d.ReadString()
	}
	b, err := d.readWhile(isListChar)
	if err != nil {
		return "", err
	}
	if len(b) == 0 {
		return "", d.expected("mailbox pattern")
	}
	return string(b), nil
}

func (d *Decoder) readListSelect(o *imap.ListOptions) error {
	err := d.ReadList(func() error {
		name, err := d.readKeyword("selection option")
		if err != nil {
			return err
		}
		switch name {
		case "SUBSCRIBED":
			o.SelectSubscribed = true
		case "REMOTE":
			o.SelectRemote = true
		case "RECURSIVEMATCH":
			o.SelectRecursiveMatch = true
		case "SPECIAL-USE":
			o.SelectSpecialUse = true
		default:
			return syntaxErr("Unknown LIST selection option %s", name)
		}
		return nil
	})
	if err == nil && o.SelectRecursiveMatch && !o.SelectSubscribed && !o.SelectSpecialUse {
		// RFC 5258: RECURSIVEMATCH only modifies another selection option.
		err = syntaxErr("RECURSIVEMATCH needs another selection option")
	}
	return err
}

func (d *Decoder) readListReturn(o *imap.ListOptions) error {
	return d.ReadList(func() error {
		name, err := d.readKeyword("return option")
		if err != nil {
			return err
		}
		switch name {
		case "SUBSCRIBED":
			o.ReturnSubscribed = true
		case "CHILDREN":
			o.ReturnChildren = true
		case "SPECIAL-USE":
			o.ReturnSpecialUse = true
		case "STATUS":
			if o.ReturnStatus != nil {
				return syntaxErr("STATUS return option given twice")
			}
			if err := d.ReadSP(); err != nil {
				return err
			}
			o.ReturnStatus, err = d.ReadStatusItems()
			return err
		default:
			return syntaxErr("Unknown LIST return option %s", name)
		}
		return nil
	})
}
