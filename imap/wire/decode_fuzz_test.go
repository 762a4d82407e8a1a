package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// decDispatch runs the parser of the named command, as the server would.
func decDispatch(d *Decoder, name string) error {
	uid := false
	if name == "UID" {
		if err := d.ReadSP(); err != nil {
			return err
		}
		sub, err := d.ReadAtom()
		if err != nil {
			return err
		}
		uid, name = true, strings.ToUpper(sub)
	}
	var err error
	switch name {
	case "FETCH":
		_, err = ParseFetch(d, uid)
	case "SEARCH":
		_, err = ParseSearch(d)
	case "STORE":
		_, err = ParseStore(d, uid)
	case "COPY", "MOVE":
		_, err = ParseCopy(d, uid)
	case "EXPUNGE":
		if uid {
			_, err = ParseNumSetArg(d, true)
		} else {
			err = d.ReadCRLF()
		}
	case "APPEND":
		_, err = ParseAppend(d, func(m *AppendMessage) error {
			if m.Body.Size()%3 == 1 {
				return errDecFuzzRefused
			}
			_, err := io.Copy(io.Discard, m.Body)
			return err
		})
	case "LIST":
		_, err = ParseList(d)
	case "LSUB":
		_, err = ParseLSub(d)
	case "STATUS":
		_, err = ParseStatus(d)
	case "SELECT", "EXAMINE":
		_, err = ParseSelect(d)
	case "CREATE":
		_, err = ParseCreate(d)
	case "RENAME":
		_, _, err = ParseRename(d)
	case "DELETE", "SUBSCRIBE", "UNSUBSCRIBE", "GETQUOTAROOT", "GETACL", "MYRIGHTS":
		_, err = ParseMailboxArg(d)
	case "LOGIN":
		_, _, err = ParseLogin(d)
	case "AUTHENTICATE":
		_, err = ParseAuthenticate(d)
	case "ENABLE":
		_, err = ParseEnable(d)
	case "ID":
		_, err = ParseID(d)
	case "SETACL":
		_, err = ParseSetACL(d)
	case "DELETEACL":
		_, err = ParseDeleteACL(d)
	case "LISTRIGHTS":
		_, err = ParseListRights(d)
	case "GETQUOTA":
		_, err = ParseQuotaRoot(d)
	case "SETQUOTA":
		_, err = ParseSetQuota(d)
	default:
		err = d.ReadCRLF()
	}
	return err
}

// decFuzzCommand reads and parses one command.
func decFuzzCommand(d *Decoder) (tag string, err error) {
	if tag, err = d.ReadTag(); err != nil {
		return "", err
	}
	if err = d.ReadSP(); err != nil {
		return tag, err
	}
	name, err := d.ReadAtom()
	if err != nil {
		return tag, err
	}
	return tag, decDispatch(d, strings.ToUpper(name))
}

// decExpectedErr tells the errors a parser may give on bad input.
func decExpectedErr(err error) bool {
	var (
		se *SyntaxError
		lt *LineTooLongError
		ll *LiteralTooLargeError
		bc *BadCharsetError
	)
	return errors.As(err, &se) || errors.As(err, &lt) || errors.As(err, &ll) ||
		errors.As(err, &bc) || err == errDecFuzzRefused || decFatal(err)
}

var errDecFuzzRefused = errors.New("refused")

// decFatal tells errors after which the connection cannot go on.
func decFatal(err error) bool {
	return err == io.EOF || err == io.ErrUnexpectedEOF || err == ErrCannotResync
}

var decFuzzSeeds = []string{
	"A1 FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (From To)]<0.100> BINARY[1.2] UID) (CHANGEDSINCE 5)\r\n",
	"A2 UID FETCH $ ALL\r\n",
	"A3 SEARCH RETURN (MIN COUNT) CHARSET UTF-8 OR (FROM {3}\r\njoe SINCE 1-Jan-2024) NOT 1:5 MODSEQ \"/flags/\\\\seen\" all 3\r\n",
	"A4 UID STORE 1,3:* (UNCHANGEDSINCE 9) +FLAGS.SILENT (\\Seen $Work)\r\n",
	"A5 APPEND INBOX (\\Seen) \"01-Jan-2024 10:00:00 +0000\" {4+}\r\nabcd ~{1+}\r\nx UTF8 (~{2+}\r\nyz)\r\n",
	"A6 LIST (SUBSCRIBED) \"\" (INBOX %) RETURN (CHILDREN STATUS (MESSAGES))\r\n",
	"A7 SELECT INBOX (QRESYNC (1 2 1:9 (1 5)))\r\n",
	"A8 SETACL box -joe +lr\r\nA9 SETQUOTA \"\" (STORAGE 10)\r\n",
	"B1 AUTHENTICATE PLAIN =\r\nB2 ID (\"name\" NIL)\r\nB3 ENABLE CONDSTORE\r\n",
	"B4 LOGIN {3}\r\njoe {13+}\r\n0123456789012 trailing {2+}\r\nxx\r\n",
	"B5 STATUS a (MESSAGES UNSEEN)\r\nB6 CREATE x (USE (\\Drafts))\r\nB7 RENAME a b\r\n",
	"B8 FETCH 1 BODY[\r\nB9 FOO {5}\r\nC1 BAR {99999999999999999999999+}\r\n",
}

// FuzzDecodeCommand feeds arbitrary bytes through the decoder and every
// parser: nothing may panic or loop, every parser that succeeds leaves the
// decoder between commands, and an error on a line without literals is
// always recovered from at the line's end.
func FuzzDecodeCommand(f *testing.F) {
	for _, s := range decFuzzSeeds {
		f.Add([]byte(s))
	}
	lim := DecoderLimits{MaxLineLength: 1024, MaxLiteralSize: 4096, MaxStringBytes: 512}
	refuse13 := func(li LiteralInfo) error {
		if li.Size == 13 {
			return errDecFuzzRefused
		}
		return nil
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := NewDecoder(bufio.NewReaderSize(bytes.NewReader(data), 16), lim, refuse13)
		for i := 0; ; i++ {
			if i > len(data)+1 {
				t.Fatalf("no progress after %d commands", i)
			}
			_, err := decFuzzCommand(d)
			if !decExpectedErr(err) && err != nil {
				t.Fatalf("unexpected error %T: %v", err, err)
			}
			if err == nil {
				if d.InCommand() {
					t.Fatal("parser succeeded but left the command unfinished")
				}
				continue
			}
			if decFatal(err) {
				break
			}
			if err := d.Discard(); err != nil {
				if !decFatal(err) {
					t.Fatalf("Discard: %v", err)
				}
				break
			}
		}

		// Recovery: the same bytes as one line without literals.
		line := bytes.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == '{' {
				return -1
			}
			return r
		}, data)
		in := append(line, "\r\nZ NOOP\r\n"...)
		d = NewDecoder(bufio.NewReaderSize(bytes.NewReader(in), 16), lim, refuse13)
		if _, err := decFuzzCommand(d); err != nil {
			if decFatal(err) {
				t.Fatalf("fatal error on a complete line: %v", err)
			}
			if err := d.Discard(); err != nil {
				t.Fatalf("Discard: %v", err)
			}
		}
		tag, err := decFuzzCommand(d)
		if err != nil || tag != "Z" || d.InCommand() {
			t.Fatalf("next command: tag %q, %v", tag, err)
		}
		if _, err := d.ReadTag(); err != io.EOF {
			t.Fatalf("after NOOP: %v", err)
		}
	})
}
