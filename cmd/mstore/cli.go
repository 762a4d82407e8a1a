package main

import (
	"io"
	"strings"

	"github.com/alecthomas/kong"
)

// CLI is the whole command line. Every leaf command has Run(*Env) error,
// the one implementation of the verb, whether it runs here on a store this
// process opened or inside a running server that received it over the
// control socket.
type CLI struct {
	Globals

	Serve       ServeCmd       `cmd:"" help:"Run the server: hold the store, answer admin commands on the control socket, and start the doors."`
	Domain      DomainCmd      `cmd:"" help:"Add, delete and list domains."`
	User        UserCmd        `cmd:"" help:"Add, delete and list users, and set passwords."`
	Authid      AuthIDCmd      `cmd:"" name:"authid" help:"Add, delete and list login identifiers."`
	Authmap     AuthMapCmd     `cmd:"" name:"authmap" help:"Tie external names (system accounts) to users."`
	Admin       AdminCmd       `cmd:"" help:"Grant and revoke administrator powers."`
	Group       GroupCmd       `cmd:"" help:"Manage groups of users, for ACL entries group:NAME."`
	Mailbox     MailboxCmd     `cmd:"" help:"Create, delete, rename, list and inspect mailboxes."`
	ACL         ACLCmd         `cmd:"" name:"acl" help:"Set, delete and show mailbox access rights."`
	Quota       QuotaCmd       `cmd:"" help:"Set, show and list quota roots."`
	Deliver     DeliverCmd     `cmd:"" help:"Deliver a message read from stdin."`
	Reconstruct ReconstructCmd `cmd:"" help:"Rebuild mailbox indexes from the message files."`
	Authproxy   AuthProxyCmd   `cmd:"" name:"authproxy" hidden:"" help:"Run the authentication proxy (serve starts it)."`
}

// standalone commands run without opening the store: serve opens it
// itself, the authentication proxy never touches it. Neither can be sent
// over the control socket.
type standalone interface{ standalone() }

func (*ServeCmd) standalone()     {}
func (*AuthProxyCmd) standalone() {}

// Globals are the flags every verb takes.
type Globals struct {
	Store  string `name:"store" placeholder:"DIR" help:"Store directory (default: store.path of --config, else ./var)."`
	Config string `name:"config" placeholder:"FILE" help:"Configuration file (TOML)."`
}

// stdinMode says how much of stdin a command reads, so that a client of
// the control socket knows what to forward.
type stdinMode int

const (
	stdinNone stdinMode = iota
	stdinLine           // one line: a password
	stdinAll            // until end of file: a message
)

// stdinReader is implemented by commands that read stdin.
type stdinReader interface {
	stdinMode() stdinMode
}

// exitRequest carries kong's request to exit (after --help) out of the
// parser without ending the process.
type exitRequest struct{ code int }

// parse reads args into a fresh CLI. On --help it prints the help to
// stdout and returns done with the exit code.
func parse(args []string, stdout, stderr io.Writer) (cli *CLI, kctx *kong.Context, done bool, code int, err error) {
	cli = &CLI{}
	defer func() {
		if r := recover(); r != nil {
			ex, ok := r.(exitRequest)
			if !ok {
				panic(r)
			}
			done, code, err = true, ex.code, nil
		}
	}()
	parser, err := kong.New(cli,
		kong.Name("mstore"),
		kong.Description("mstore administers and serves a mail store. See docs/cli.md."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { panic(exitRequest{code}) }),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, NoExpandSubcommands: true}),
		// "--storage -5" should reach the command, which explains that a
		// limit cannot be negative, rather than fail as an unknown flag.
		kong.WithHyphenPrefixedParameters(true),
	)
	if err != nil {
		return nil, nil, false, 0, err
	}
	kctx, err = parser.Parse(protectHyphenArgs(args))
	if err != nil {
		return nil, nil, false, 0, usageErr("%s", strings.TrimPrefix(err.Error(), "mstore: "))
	}
	return cli, kctx, false, 0, nil
}

// selected returns the command struct chosen on the command line.
func selected(kctx *kong.Context) any {
	if n := kctx.Selected(); n != nil {
		return n.Target.Addr().Interface()
	}
	return nil
}

// protectHyphenArgs lets ACL identifiers and rights start with "-"
// ("acl set PATH -joe lr", "acl set PATH joe -w"): for acl set and acl
// del it moves the global flags ahead and puts "--" before the
// arguments, so that the parser takes none of them for a flag.
func protectHyphenArgs(args []string) []string {
	valued := func(a string) bool { return a == "--store" || a == "--config" }
	var words []string
	i := 0
	for ; i < len(args) && len(words) < 2; i++ {
		a := args[i]
		switch {
		case a == "--":
			return args
		case valued(a):
			i++
		case strings.HasPrefix(a, "-"):
		default:
			words = append(words, a)
		}
	}
	if len(words) < 2 || words[0] != "acl" || (words[1] != "set" && words[1] != "del") {
		return args
	}
	out := append([]string(nil), args[:i]...)
	var pos []string
	for j := i; j < len(args); j++ {
		a := args[j]
		switch {
		case a == "--":
			pos = append(pos, args[j+1:]...)
			j = len(args)
		case valued(a):
			out = append(out, a)
			if j+1 < len(args) {
				out = append(out, args[j+1])
				j++
			}
		case strings.HasPrefix(a, "--store=") || strings.HasPrefix(a, "--config=") || a == "--help" || a == "-h":
			out = append(out, a)
		default:
			pos = append(pos, a)
		}
	}
	return append(append(out, "--"), pos...)
}
