package wire

import "github.com/emersion/go-imap/v2"

// StatusCommand holds the arguments of STATUS.
type StatusCommand struct {
	Mailbox string
	Options imap.StatusOptions
}

// ParseStatus reads the arguments of STATUS: a mailbox and a non-empty
// list of status items.
func ParseStatus(d *Decoder) (*StatusCommand, error) {
	cmd := &StatusCommand{}
	var err error
	if cmd.Mailbox, err = d.readMailboxSP(); err != nil {
		return nil, err
	}
	opts, err := d.ReadStatusItems()
	if err != nil {
		return nil, err
	}
	cmd.Options = *opts
	return cmd, d.ReadCRLF()
}

// ReadStatusItems reads "(" status-att *(SP status-att) ")". Besides the
// items of RFC 9051 it takes RECENT (IMAP4rev1), HIGHESTMODSEQ (CONDSTORE),
// APPENDLIMIT and DELETED-STORAGE.
func (d *Decoder) ReadStatusItems() (*imap.StatusOptions, error) {
	opts := &imap.StatusOptions{}
	err := d.readNonEmptyList("status item", func() error {
		name, err := d.readKeyword("status item")
		if err != nil {
			return err
		}
		switch name {
		case "MESSAGES":
			opts.NumMessages = true
		case "RECENT":
			opts.NumRecent = true
		case "UIDNEXT":
			opts.UIDNext = true
		case "UIDVALIDITY":
			opts.UIDValidity = true
		case "UNSEEN":
			opts.NumUnseen = true
		case "DELETED":
			opts.NumDeleted = true
		case "SIZE":
			opts.Size = true
		case "HIGHESTMODSEQ":
			opts.HighestModSeq = true
		case "APPENDLIMIT":
			opts.AppendLimit = true
		case "DELETED-STORAGE":
			opts.DeletedStorage = true
		default:
			return syntaxErr("Unknown status item %s", name)
		}
		return nil
	})
	return opts, err
}
