package wire

import (
	"github.com/emersion/go-imap/v2"
)

// AppendMessage is one message of APPEND (several with MULTIAPPEND,
// RFC 3502).
type AppendMessage struct {
	// Mailbox is the destination, as ReadMailbox returns it.
	Mailbox string
	// Options holds the flags (nil if no list was sent) and the internal
	// date (zero if none was sent).
	Options imap.AppendOptions
	// UTF8 is true for a message sent as UTF8 (~{n}) (RFC 6855).
	UTF8 bool
	// Body streams the message; Body.Size() is known before any byte is
	// read and Body.Binary() tells a literal8. The first Read asks the
	// client for the bytes (see LiteralReader.Read).
	Body *LiteralReader
}

// AppendFunc receives each message of an APPEND, before the client has been
// asked for its bytes (a synchronising literal) so that it can check the
// mailbox, rights and quota first and refuse by returning an error without
// reading. The body is valid only until it returns; bytes it leaves
// unread are skipped.
type AppendFunc func(*AppendMessage) error

// ParseAppend reads the arguments of APPEND:
//
//	SP mailbox 1*(SP [flag-list SP] [date-time SP] (literal / literal8 /
//	"UTF8" SP "(" literal8 ")"))
//
// and calls fn once per message. It returns the number of messages. When
// it returns an error after fn accepted some messages, the whole command
// has failed and those messages must not be committed; when it returns
// nil the command was complete.
func ParseAppend(d *Decoder, fn AppendFunc) (int, error) {
	if err := d.ReadSP(); err != nil {
		return 0, err
	}
	mailbox, err := d.ReadMailbox()
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		if err := d.ReadSP(); err != nil {
			return n, err
		}
		if err := d.readAppendMessage(mailbox, fn); err != nil {
			return n, err
		}
		n++
		if eol, err := d.AtEOL(); err != nil {
			return n, err
		} else if eol {
			return n, d.ReadCRLF()
		}
	}
}

func (d *Decoder) readAppendMessage(mailbox string, fn AppendFunc) error {
	msg := &AppendMessage{Mailbox: mailbox}
	c, err := d.peek()
	if err != nil {
		return err
	}
	if c == '(' {
		if msg.Options.Flags, err = d.ReadFlagList(); err != nil {
			return err
		}
		if err := d.ReadSP(); err != nil {
			return err
		}
		if c, err = d.peek(); err != nil {
			return err
		}
	}
	if c == '"' {
		if msg.Options.Time, err = d.ReadDateTime(); err != nil {
			return err
		}
		if err := d.ReadSP(); err != nil {
			return err
		}
		if c, err = d.peek(); err != nil {
			return err
		}
	}
	body := func(lr *LiteralReader) error {
		msg.Body = lr
		return fn(msg)
	}
	switch c {
	case '{', '~':
		return d.ReadLiteral(true, body)
	}
	word, err := d.readKeyword("message literal")
	if err != nil {
		return err
	}
	switch word {
	case "UTF8":
		msg.UTF8 = true
		if err := d.ReadSP(); err != nil {
			return err
		}
		if err := d.ReadChar('('); err != nil {
			return err
		}
		if c, err = d.peek(); err != nil {
			return err
		}
		if c != '~' {
			return syntaxErr("UTF8 message must be a literal8")
		}
		if err := d.ReadLiteral(true, body); err != nil {
			return err
		}
		return d.ReadChar(')')
	case "CATENATE":
		return syntaxErr("CATENATE is not supported")
	}
	return syntaxErr("Expected message literal, found %s", word)
}
