package wire

import (
	"strings"

	"github.com/emersion/go-imap/v2"
)

// StoreCommand holds the arguments of STORE and UID STORE.
type StoreCommand struct {
	NumSet  imap.NumSet
	Flags   imap.StoreFlags
	Options imap.StoreOptions
	// HasUnchangedSince is true when UNCHANGEDSINCE was given: 0 is a valid
	// value (RFC 7162), so Options.UnchangedSince alone cannot tell.
	HasUnchangedSince bool
}

// ParseStore reads the arguments of STORE (UID STORE when uid is true):
//
//	SP set [SP "(" UNCHANGEDSINCE n ")"] SP ["+"/"-"] "FLAGS" [".SILENT"]
//	SP (flag-list / flag *(SP flag))
func ParseStore(d *Decoder, uid bool) (*StoreCommand, error) {
	cmd := &StoreCommand{}
	var err error
	if cmd.NumSet, err = d.readSetSP(uid); err != nil {
		return nil, err
	}
	c, err := d.peek()
	if err != nil {
		return nil, err
	}
	if c == '(' {
		err := d.readNonEmptyList("store modifier", func() error {
			name, err := d.readKeyword("store modifier")
			if err != nil {
				return err
			}
			if name != "UNCHANGEDSINCE" || cmd.HasUnchangedSince {
				return syntaxErr("Unknown or repeated store modifier %s", name)
			}
			if err := d.ReadSP(); err != nil {
				return err
			}
			cmd.HasUnchangedSince = true
			cmd.Options.UnchangedSince, err = d.ReadNumber64()
			return err
		})
		if err != nil {
			return nil, err
		}
		if err := d.ReadSP(); err != nil {
			return nil, err
		}
	}
	item, err := d.readKeyword("store item")
	if err != nil {
		return nil, err
	}
	name := item
	switch name[0] {
	case '+':
		cmd.Flags.Op, name = imap.StoreFlagsAdd, name[1:]
	case '-':
		cmd.Flags.Op, name = imap.StoreFlagsDel, name[1:]
	default:
		cmd.Flags.Op = imap.StoreFlagsSet
	}
	name, cmd.Flags.Silent = strings.CutSuffix(name, ".SILENT")
	if name != "FLAGS" {
		return nil, syntaxErr("Unknown store item %s", item)
	}
	if err := d.ReadSP(); err != nil {
		return nil, err
	}
	if c, err = d.peek(); err != nil {
		return nil, err
	}
	if c == '(' {
		if cmd.Flags.Flags, err = d.ReadFlagList(); err != nil {
			return nil, err
		}
		return cmd, d.ReadCRLF()
	}
	for {
		f, err := d.ReadFlag(false)
		if err != nil {
			return nil, err
		}
		cmd.Flags.Flags = append(cmd.Flags.Flags, f)
		if eol, err := d.AtEOL(); err != nil {
			return nil, err
		} else if eol {
			return cmd, d.ReadCRLF()
		}
		if err := d.ReadSP(); err != nil {
			return nil, err
		}
	}
}
