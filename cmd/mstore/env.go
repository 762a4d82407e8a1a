package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"mstore/auth"
	"mstore/config"
	"mstore/store"
)

// Env is what a command runs with. The direct path fills it with a store
// this process opened and its own streams; the control server fills it
// with its open store and the streams of the connection. A command cannot
// tell the two apart.
type Env struct {
	Ctx    context.Context
	Store  *store.Store // nil only for serve, which opens the store itself
	Config *config.Config
	Dir    string // the store directory, absolute
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Caller is who the store sees: store.System() at the command line,
	// since only root reaches the control socket.
	Caller store.Caller
}

// printJSON writes v as one indented JSON document.
func (e *Env) printJSON(v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.Stdout, "%s\n", b)
	return err
}

// printTable writes rows under a header in aligned columns. An empty
// list prints nothing, so that "| wc -l" counts entries.
func (e *Env) printTable(header []string, rows [][]string) error {
	if len(rows) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// printFields writes one object as aligned "name  value" lines.
func (e *Env) printFields(fields [][2]string) error {
	tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
	for _, f := range fields {
		fmt.Fprintf(tw, "%s\t%s\n", f[0], f[1])
	}
	return tw.Flush()
}

// nonNil makes an empty list print as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func fmtTime(t time.Time) string {
	if t.IsZero() || t.Unix() == 0 {
		return "-"
	}
	return t.Local().Format(time.RFC3339)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// maxPasswordLine bounds what --password-stdin reads.
const maxPasswordLine = 4096

// readPassword reads the first line of stdin without its line end.
func (e *Env) readPassword() ([]byte, error) {
	br := bufio.NewReaderSize(e.Stdin, maxPasswordLine+2)
	line, err := br.ReadSlice('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, invalidErr("password on stdin is longer than %d bytes", maxPasswordLine)
		}
		return nil, fmt.Errorf("read password from stdin: %w", err)
	}
	line = []byte(strings.TrimSuffix(strings.TrimSuffix(string(line), "\n"), "\r"))
	if len(line) == 0 {
		return nil, invalidErr("no password on stdin (--password-stdin reads the first line)")
	}
	return line, nil
}

// credentials hashes a password read from stdin, keeping the CRAM-MD5 and
// SCRAM-SHA-256 secrets the configuration enables.
func (e *Env) credentials() (store.Credentials, error) {
	pw, err := e.readPassword()
	if err != nil {
		return store.Credentials{}, err
	}
	c, err := auth.NewCredentials(pw, credentialOptions(e.Config))
	if err != nil {
		return store.Credentials{}, invalidErr("%v", err)
	}
	return c, nil
}

// credentialOptions are the secrets kept beside a new password, by the
// [auth] switches: the command line and the web page both use them.
func credentialOptions(cfg *config.Config) auth.CredentialOptions {
	return auth.CredentialOptions{CramMD5: cfg.Auth.CramMD5, ScramSHA256: cfg.Auth.ScramSHA256}
}

// parsePath reads a mailbox path in the mount's form,
// "foo.com/users/joe/INBOX" or "foo.com/shared/staff".
func parsePath(p string) (store.MailboxName, error) {
	if strings.HasPrefix(p, "/") {
		return store.MailboxName{}, invalidErr("mailbox path %q: must not start with \"/\"; write DOMAIN/users/USER/MAILBOX or DOMAIN/shared/FOLDER", p)
	}
	return store.ParsePath(p)
}

// notFound builds a store-kind error for a missing object found missing by
// the command line itself.
func notFound(format string, args ...any) error {
	return &store.Error{Kind: store.KindNotFound, Msg: fmt.Sprintf(format, args...)}
}
