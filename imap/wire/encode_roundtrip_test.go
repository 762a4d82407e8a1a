package wire

import (
	"bufio"
	"fmt"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-message/textproto"
)

// TestGoldenThroughClient feeds what the writers make for the golden
// messages to go-imap's client parser and checks that it reads back the
// structures the writers were given: the grammar checker proves the form,
// this proves nothing was lost or swapped on the way.
func TestGoldenThroughClient(t *testing.T) {
	for _, c := range goldenMessages {
		msg := strings.ReplaceAll(c.msg, "\n", "\r\n")
		h, err := textproto.ReadHeader(bufio.NewReader(strings.NewReader(msg)))
		if err != nil {
			t.Fatal(err)
		}
		env := imapserver.ExtractEnvelope(h)
		bs := imapserver.ExtractBodyStructure(strings.NewReader(msg))
		for _, utf8Mode := range []bool{false, true} {
			if !utf8Mode && c.name == "message-global" {
				// go-imap's client reads message/global in the msg form
				// always, which an IMAP4rev1 session does not use.
				continue
			}
			name := fmt.Sprintf("%s/utf8=%v", c.name, utf8Mode)
			wire := render(t, utf8Mode, func(e *Encoder) {
				e.Atom("* 1 FETCH (ENVELOPE ").Envelope(Envelope{Parsed: env}).
					Atom(" BODYSTRUCTURE ").BodyStructure(bs).EndList().CRLF()
				e.Atom("* 2 FETCH (BODY ").Body(bs).EndList().CRLF()
			})
			got := parseWithClient(t, wire, 2)
			if got == nil {
				continue
			}
			if want, have := normEnvelope(env), normEnvelope(got[1].Envelope); !reflect.DeepEqual(want, have) {
				t.Errorf("%s: envelope\nsent %+v\nread %+v", name, want, have)
			}
			if want, have := normBody(bs, true), normBody(got[1].BodyStructure, true); !reflect.DeepEqual(want, have) {
				t.Errorf("%s: BODYSTRUCTURE\nsent %s\nread %s", name, want, have)
			}
			if want, have := normBody(bs, false), normBody(got[2].BodyStructure, false); !reflect.DeepEqual(want, have) {
				t.Errorf("%s: BODY\nsent %s\nread %s", name, want, have)
			}
		}
	}
}

// parseWithClient serves wire after a greeting to an imapclient and returns
// the n FETCH responses it read, by sequence number.
func parseWithClient(t *testing.T, wire string, n int) map[uint32]*imapclient.FetchMessageBuffer {
	t.Helper()
	server, client := net.Pipe()
	defer server.Close()
	got := make(chan *imapclient.FetchMessageBuffer, n)
	fail := make(chan error, n)
	c := imapclient.New(client, &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Fetch: func(msg *imapclient.FetchMessageData) {
				buf, err := msg.Collect()
				if err != nil {
					fail <- err
					return
				}
				got <- buf
			},
		},
	})
	defer c.Close()
	go server.Write([]byte("* OK ready\r\n" + wire))

	out := make(map[uint32]*imapclient.FetchMessageBuffer)
	timeout := time.After(10 * time.Second)
	for len(out) < n {
		select {
		case buf := <-got:
			out[buf.SeqNum] = buf
		case err := <-fail:
			t.Errorf("client could not read %q: %v", wire, err)
			return nil
		case <-c.Closed():
			t.Errorf("client closed reading %q", wire)
			return nil
		case <-timeout:
			t.Errorf("client read %d of %d responses in %q", len(out), n, wire)
			return nil
		}
	}
	return out
}

// normEnvelope puts an envelope in the form both sides agree on: the
// server sends From for a missing Sender or Reply-To, and dates compare as
// instants.
func normEnvelope(e *imap.Envelope) imap.Envelope {
	if e == nil {
		return imap.Envelope{}
	}
	n := *e
	n.Date = n.Date.UTC()
	if len(n.Sender) == 0 {
		n.Sender = n.From
	}
	if len(n.ReplyTo) == 0 {
		n.ReplyTo = n.From
	}
	for _, l := range []*[]imap.Address{&n.From, &n.Sender, &n.ReplyTo, &n.To, &n.Cc, &n.Bcc} {
		if len(*l) == 0 {
			*l = nil
		}
	}
	if len(n.InReplyTo) == 0 {
		n.InReplyTo = nil
	}
	return n
}

// normBody writes a body structure out as text in a form that ignores
// what the wire does not keep apart: letter case of type, subtype and
// encoding, an absent encoding and "7bit", nil and empty maps, and (with
// ext false) the extension data.
func normBody(bs imap.BodyStructure, ext bool) string {
	var b strings.Builder
	normBodyTo(&b, bs, ext)
	return b.String()
}

func normBodyTo(b *strings.Builder, bs imap.BodyStructure, ext bool) {
	switch p := bs.(type) {
	case *imap.BodyStructureSinglePart:
		enc := strings.ToLower(p.Encoding)
		if enc == "" {
			enc = "7bit"
		}
		fmt.Fprintf(b, "{%s/%s %v id=%q desc=%q %s %d", strings.ToLower(p.Type), strings.ToLower(p.Subtype),
			normParams(p.Params), p.ID, p.Description, enc, p.Size)
		if p.Text != nil {
			fmt.Fprintf(b, " lines=%d", p.Text.NumLines)
		}
		if m := p.MessageRFC822; m != nil {
			fmt.Fprintf(b, " env=%+v body=", normEnvelope(m.Envelope))
			normBodyTo(b, m.BodyStructure, ext)
			fmt.Fprintf(b, " lines=%d", m.NumLines)
		}
		if ext && p.Extended != nil {
			normExt(b, p.Extended.Disposition, p.Extended.Language, p.Extended.Location)
		}
		b.WriteString("}")
	case *imap.BodyStructureMultiPart:
		b.WriteString("{")
		for _, c := range p.Children {
			normBodyTo(b, c, ext)
		}
		fmt.Fprintf(b, " multipart/%s", strings.ToLower(p.Subtype))
		if ext && p.Extended != nil {
			fmt.Fprintf(b, " %v", normParams(p.Extended.Params))
			normExt(b, p.Extended.Disposition, p.Extended.Language, p.Extended.Location)
		}
		b.WriteString("}")
	default:
		fmt.Fprintf(b, "%T", bs)
	}
}

func normExt(b *strings.Builder, d *imap.BodyStructureDisposition, lang []string, loc string) {
	if d != nil {
		fmt.Fprintf(b, " dsp=%s%v", d.Value, normParams(d.Params))
	}
	if len(lang) > 0 {
		fmt.Fprintf(b, " lang=%q", lang)
	}
	if loc != "" {
		fmt.Fprintf(b, " loc=%q", loc)
	}
}

func normParams(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}
