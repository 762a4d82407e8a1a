package wire

import (
	"strings"

	"github.com/emersion/go-imap/v2"
)

// ParseEnable reads the arguments of ENABLE: one or more capability names,
// upper-cased (IMAP4rev1 and IMAP4rev2 in go-imap's spelling).
func ParseEnable(d *Decoder) ([]imap.Cap, error) {
	var caps []imap.Cap
	for {
		if err := d.ReadSP(); err != nil {
			return nil, err
		}
		name, err := d.readKeyword("capability")
		if err != nil {
			return nil, err
		}
		c := imap.Cap(name)
		switch name {
		case "IMAP4REV1":
			c = imap.CapIMAP4rev1
		case "IMAP4REV2":
			c = imap.CapIMAP4rev2
		}
		caps = append(caps, c)
		if eol, err := d.AtEOL(); err != nil {
			return nil, err
		} else if eol {
			return caps, d.ReadCRLF()
		}
	}
}

// IDField is one field of the ID command (RFC 2971).
type IDField struct {
	Name string
	// Value is nil for NIL.
	Value *string
}

// ParseID reads the arguments of ID: NIL (nil result) or a list of field
// name and value pairs, kept in the order sent.
func ParseID(d *Decoder) ([]IDField, error) {
	if err := d.ReadSP(); err != nil {
		return nil, err
	}
	isNil, err := d.readNIL()
	if err != nil {
		return nil, err
	}
	if isNil {
		return nil, d.ReadCRLF()
	}
	fields := []IDField{}
	err = d.ReadList(func() error {
		name, err := d.ReadString()
		if err != nil {
			return err
		}
		if err := d.ReadSP(); err != nil {
			return err
		}
		f := IDField{Name: name}
		v, ok, err := d.ReadNString()
		if ok {
			f.Value = &v
		}
		fields = append(fields, f)
		return err
	})
	if err != nil {
		return nil, err
	}
	return fields, d.ReadCRLF()
}

// IDData gathers the fields that go-imap's imap.IDData names; field names
// compare without regard to case, other fields are left out.
func IDData(fields []IDField) *imap.IDData {
	data := &imap.IDData{}
	for _, f := range fields {
		if f.Value == nil {
			continue
		}
		v := *f.Value
		switch strings.ToLower(f.Name) {
		case "name":
			data.Name = v
		case "version":
			data.Version = v
		case "os":
			data.OS = v
		case "os-version":
			data.OSVersion = v
		case "vendor":
			data.Vendor = v
		case "support-url":
			data.SupportURL = v
		case "address":
			data.Address = v
		case "date":
			data.Date = v
		case "command":
			data.Command = v
		case "arguments":
			data.Arguments = v
		case "environment":
			data.Environment = v
		}
	}
	return data
}
