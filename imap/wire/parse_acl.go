package wire

import (
	"strings"

	"github.com/emersion/go-imap/v2"
)

// KnownRights are the ACL rights mstore recognises: RFC 4314's and the
// obsolete c and d of RFC 2086, which the store reads as their groups. A
// rights string with any other character is a syntax error, as RFC 4314
// asks.
const KnownRights = "lrswipkxteacd"

// ACLCommand holds the arguments of SETACL, DELETEACL and LISTRIGHTS.
type ACLCommand struct {
	Mailbox string
	// Identifier is as sent; a leading "-" names a negative entry.
	Identifier imap.RightsIdentifier
	// Modification and Rights are set by SETACL only: "+" adds, "-"
	// removes, no prefix replaces.
	Modification imap.RightModification
	Rights       imap.RightSet
}

// ParseSetACL reads the arguments of SETACL: mailbox, identifier, rights.
func ParseSetACL(d *Decoder) (*ACLCommand, error) {
	cmd, err := d.readMailboxIdentifier()
	if err != nil {
		return nil, err
	}
	if err := d.ReadSP(); err != nil {
		return nil, err
	}
	rights, err := d.ReadAString()
	if err != nil {
		return nil, err
	}
	if rights != "" && (rights[0] == '+' || rights[0] == '-') {
		cmd.Modification = imap.RightModification(rights[0])
		rights = rights[1:]
	}
	for i := 0; i < len(rights); i++ {
		if !strings.ContainsRune(KnownRights, rune(rights[i])) {
			return nil, syntaxErr("Unknown right %q", rights[i])
		}
	}
	cmd.Rights = imap.RightSet(rights)
	return cmd, d.ReadCRLF()
}

// ParseDeleteACL reads the arguments of DELETEACL: mailbox, identifier.
func ParseDeleteACL(d *Decoder) (*ACLCommand, error) {
	cmd, err := d.readMailboxIdentifier()
	if err != nil {
		return nil, err
	}
	return cmd, d.ReadCRLF()
}

// ParseListRights reads the arguments of LISTRIGHTS: mailbox, identifier.
func ParseListRights(d *Decoder) (*ACLCommand, error) { return ParseDeleteACL(d) }

func (d *Decoder) readMailboxIdentifier() (*ACLCommand, error) {
	cmd := &ACLCommand{}
	var err error
	if cmd.Mailbox, err = d.readMailboxSP(); err != nil {
		return nil, err
	}
	id, err := d.ReadAString()
	if err != nil {
		return nil, err
	}
	cmd.Identifier = imap.RightsIdentifier(id)
	return cmd, nil
}
