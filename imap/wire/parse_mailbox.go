package wire

import (
	"strings"

	"github.com/emersion/go-imap/v2"
)

// NormalizeInbox returns "INBOX" for any case of "INBOX" alone and name
// unchanged otherwise. Only the name INBOX itself is case-insensitive.
func NormalizeInbox(name string) string {
	if len(name) == 5 && strings.EqualFold(name, "INBOX") {
		return "INBOX"
	}
	return name
}

// ReadMailbox reads a mailbox name (an astring) with INBOX normalised. The
// name is returned as sent: modified UTF-7 from a client that has not
// enabled UTF8=ACCEPT, UTF-8 otherwise. Decoding it (DecodeMailboxName) and
// checking it against the store's naming rules is the caller's job.
func (d *Decoder) ReadMailbox() (string, error) {
	s, err := d.ReadAString()
	if err != nil {
		return "", err
	}
	return NormalizeInbox(s), nil
}

// readMailboxSP reads SP mailbox SP: a mailbox that more arguments follow.
func (d *Decoder) readMailboxSP() (string, error) {
	if err := d.ReadSP(); err != nil {
		return "", err
	}
	name, err := d.ReadMailbox()
	if err != nil {
		return "", err
	}
	return name, d.ReadSP()
}

// ParseMailboxArg reads " mailbox" CRLF: the arguments of DELETE, SUBSCRIBE,
// UNSUBSCRIBE, GETQUOTAROOT, GETACL and MYRIGHTS.
func ParseMailboxArg(d *Decoder) (string, error) {
	if err := d.ReadSP(); err != nil {
		return "", err
	}
	name, err := d.ReadMailbox()
	if err != nil {
		return "", err
	}
	return name, d.ReadCRLF()
}

// CreateCommand holds the arguments of CREATE.
type CreateCommand struct {
	Mailbox string
	// SpecialUse lists the attributes of CREATE's USE parameter
	// (RFC 6154), as sent.
	SpecialUse []imap.MailboxAttr
}

// ParseCreate reads the arguments of CREATE: a mailbox and optionally
// "(USE (attr ...))".
func ParseCreate(d *Decoder) (*CreateCommand, error) {
	cmd := &CreateCommand{}
	var err error
	cmd.Mailbox, err = d.readMailboxParams("CREATE parameter", func(name string) error {
		if name != "USE" {
			return syntaxErr("Unknown CREATE parameter %s", name)
		}
		if err := d.ReadSP(); err != nil {
			return err
		}
		return d.readNonEmptyList("special-use attribute", func() error {
			f, err := d.ReadFlag(false)
			if err == nil {
				cmd.SpecialUse = append(cmd.SpecialUse, imap.MailboxAttr(f))
			}
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return cmd, d.ReadCRLF()
}

// readMailboxParams reads SP mailbox [SP "(" param *(SP param) ")"], how
// CREATE and SELECT begin (RFC 4466). param gets each parameter's name,
// upper-cased, and reads what follows it.
func (d *Decoder) readMailboxParams(what string, param func(name string) error) (string, error) {
	if err := d.ReadSP(); err != nil {
		return "", err
	}
	mailbox, err := d.ReadMailbox()
	if err != nil {
		return "", err
	}
	if eol, err := d.AtEOL(); err != nil || eol {
		return mailbox, err
	}
	if err := d.ReadSP(); err != nil {
		return "", err
	}
	return mailbox, d.readNonEmptyList(what, func() error {
		name, err := d.readKeyword(what)
		if err != nil {
			return err
		}
		return param(name)
	})
}

// endIf reads the final CRLF unless err is set.
func (d *Decoder) endIf(err error) error {
	if err != nil {
		return err
	}
	return d.ReadCRLF()
}

// ParseRename reads the arguments of RENAME: two mailboxes.
func ParseRename(d *Decoder) (from, to string, err error) {
	if from, err = d.readMailboxSP(); err != nil {
		return "", "", err
	}
	if to, err = d.ReadMailbox(); err != nil {
		return "", "", err
	}
	return from, to, d.ReadCRLF()
}

// CopyCommand holds the arguments of COPY and MOVE (and their UID forms).
type CopyCommand struct {
	NumSet  imap.NumSet
	Mailbox string
}

// ParseCopy reads the arguments of COPY or MOVE: a set (UIDs when uid is
// true) and the destination mailbox.
func ParseCopy(d *Decoder, uid bool) (*CopyCommand, error) {
	cmd := &CopyCommand{}
	var err error
	if cmd.NumSet, err = d.readSetSP(uid); err != nil {
		return nil, err
	}
	if cmd.Mailbox, err = d.ReadMailbox(); err != nil {
		return nil, err
	}
	return cmd, d.ReadCRLF()
}

// ParseNumSetArg reads " sequence-set" CRLF: the argument of UID EXPUNGE.
func ParseNumSetArg(d *Decoder, uid bool) (imap.NumSet, error) {
	if err := d.ReadSP(); err != nil {
		return nil, err
	}
	set, err := d.ReadNumSet(uid)
	if err != nil {
		return nil, err
	}
	return set, d.ReadCRLF()
}

// SelectCommand holds the arguments of SELECT and EXAMINE.
type SelectCommand struct {
	Mailbox   string
	CondStore bool           // (CONDSTORE), RFC 7162
	QResync   *QResyncParams // (QRESYNC (...)), RFC 7162; nil if absent
}

// QResyncParams is the QRESYNC parameter of SELECT and EXAMINE.
type QResyncParams struct {
	UIDValidity uint32
	ModSeq      uint64
	KnownUIDs   imap.UIDSet // nil when not sent
	// KnownSeqNums and KnownSeqUIDs are the seq-match-data pairs; nil when
	// not sent.
	KnownSeqNums imap.SeqSet
	KnownSeqUIDs imap.UIDSet
}

// ParseSelect reads the arguments of SELECT or EXAMINE: a mailbox and
// optional select parameters. An unknown parameter is a syntax error, as
// RFC 4466 asks.
func ParseSelect(d *Decoder) (*SelectCommand, error) {
	cmd := &SelectCommand{}
	var err error
	cmd.Mailbox, err = d.readMailboxParams("select parameter", func(name string) error {
		switch name {
		case "CONDSTORE":
			cmd.CondStore = true
			return nil
		case "QRESYNC":
			if cmd.QResync != nil {
				return syntaxErr("QRESYNC given twice")
			}
			if err := d.ReadSP(); err != nil {
				return err
			}
			var err error
			cmd.QResync, err = d.readQResync()
			return err
		}
		return syntaxErr("Unknown select parameter %s", name)
	})
	if err != nil {
		return nil, err
	}
	return cmd, d.ReadCRLF()
}

// readQResync reads "(" uidvalidity SP modseq [SP known-uids]
// [SP "(" known-sequence-set SP known-uid-set ")"] ")".
func (d *Decoder) readQResync() (*QResyncParams, error) {
	q := &QResyncParams{}
	var err error
	if err = d.ReadChar('('); err != nil {
		return nil, err
	}
	if q.UIDValidity, err = d.ReadNZNumber(); err != nil {
		return nil, err
	}
	if err = d.ReadSP(); err != nil {
		return nil, err
	}
	if q.ModSeq, err = d.ReadNumber64(); err != nil {
		return nil, err
	}
	more, err := d.listGoesOn()
	if err != nil || !more {
		return q, err
	}
	if c, err := d.peek(); err != nil {
		return nil, err
	} else if c != '(' {
		if q.KnownUIDs, err = d.ReadUIDSet(); err != nil {
			return nil, err
		}
		if q.KnownUIDs.Dynamic() {
			return nil, syntaxErr("QRESYNC known UIDs may not contain *")
		}
		if more, err = d.listGoesOn(); err != nil || !more {
			return q, err
		}
	}
	if err := d.ReadChar('('); err != nil {
		return nil, err
	}
	if q.KnownSeqNums, err = d.ReadSeqSet(); err != nil {
		return nil, err
	}
	if err := d.ReadSP(); err != nil {
		return nil, err
	}
	if q.KnownSeqUIDs, err = d.ReadUIDSet(); err != nil {
		return nil, err
	}
	if err := d.ReadChar(')'); err != nil {
		return nil, err
	}
	return q, d.ReadChar(')')
}

// listGoesOn reads the SP before a list's next element (true) or the ")"
// that closes it (false).
func (d *Decoder) listGoesOn() (bool, error) {
	c, err := d.next()
	if err != nil {
		return false, err
	}
	switch c {
	case ' ':
		return true, nil
	case ')':
		return false, nil
	}
	return false, syntaxErr("Expected space or \")\" in list, found %s", describe(c))
}
