package wire

import (
	"strings"

	"github.com/emersion/go-imap/v2"
)

// SetQuotaCommand holds the arguments of SETQUOTA (RFC 9208).
type SetQuotaCommand struct {
	Root string
	// Limits maps each resource named, upper-cased, to its limit; an
	// empty map removes every limit of the root.
	Limits map[imap.QuotaResourceType]int64
}

// ParseQuotaRoot reads " quota-root" CRLF: the argument of GETQUOTA. A
// quota root is an astring, not a mailbox, and is returned as sent.
func ParseQuotaRoot(d *Decoder) (string, error) {
	if err := d.ReadSP(); err != nil {
		return "", err
	}
	root, err := d.ReadAString()
	if err != nil {
		return "", err
	}
	return root, d.ReadCRLF()
}

// ParseSetQuota reads the arguments of SETQUOTA: a quota root and a list
// of resource name and limit pairs.
func ParseSetQuota(d *Decoder) (*SetQuotaCommand, error) {
	cmd := &SetQuotaCommand{Limits: map[imap.QuotaResourceType]int64{}}
	var err error
	if err = d.ReadSP(); err != nil {
		return nil, err
	}
	if cmd.Root, err = d.ReadAString(); err != nil {
		return nil, err
	}
	if err = d.ReadSP(); err != nil {
		return nil, err
	}
	err = d.ReadList(func() error {
		name, err := d.ReadAtom()
		if err != nil {
			return err
		}
		res := imap.QuotaResourceType(strings.ToUpper(name))
		if _, dup := cmd.Limits[res]; dup {
			return syntaxErr("Quota resource %s given twice", res)
		}
		if err := d.ReadSP(); err != nil {
			return err
		}
		n, err := d.ReadNumber64()
		cmd.Limits[res] = int64(n)
		return err
	})
	if err != nil {
		return nil, err
	}
	return cmd, d.ReadCRLF()
}
