// Command mailbench puts load on a mail server and reports throughput,
// latency percentiles and every error reply. It speaks to any server, so the
// same run can be made against mstore and against Dovecot for comparison.
//
// Usage:
//
//	mailbench MODE [flags]
//
// Each mode lives in its own file (lmtp.go, and later imap.go, pop3.go,
// fs.go) and registers itself in the modes table below; flags.go holds the
// flag parsing that every mode shares, stats.go the tallies, workers,
// percentiles and report printing, and message.go the generated test
// messages.
//
// Exit status: 0 when every operation succeeded, 1 when some reply was an
// error or the run could not be made, 2 for a usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
)

// mode is one subcommand.
type mode struct {
	name  string
	brief string
	run   func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var modes = []mode{
	{"lmtp", "deliver messages over LMTP", runLMTP},
	{"imap", "time IMAP operations on one mailbox, a client mix, and idle connections' memory", runIMAP},
	{"pop3", "retrieve messages over POP3", runPOP3},
	{"fs", "read, list and copy through the mounted store, beside the same work on its files", runFS},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	// A second interrupt kills at once instead of waiting for the workers.
	go func() { <-ctx.Done(); stop() }()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run picks the mode from args and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, m := range modes {
		if m.name != args[0] {
			continue
		}
		err := m.run(ctx, args[1:], stdout, stderr)
		var ue usageError
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "mailbench %s: %s (see mailbench %s -h)\n", m.name, ue, m.name)
			return 2
		case errors.Is(err, errBadFlags):
			return 2 // the flag package has printed the complaint
		case errors.Is(err, errFailures):
			return 1
		default:
			fmt.Fprintf(stderr, "mailbench %s: %v\n", m.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "mailbench: unknown mode %q\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "usage: mailbench MODE [flags]   (mailbench MODE -h for its flags)\n\nmodes:\n")
	for _, m := range modes {
		fmt.Fprintf(w, "  %-8s %s\n", m.name, m.brief)
	}
}

// errBadFlags reports a flag that the flag package refused and explained.
var errBadFlags = errors.New("bad flags")

// usageError is a mistake in the command line.
type usageError string

func (e usageError) Error() string { return string(e) }

// commandLine reconstructs the command as a person would type it, since
// os.Args[0] is a temporary path under go run.
func commandLine(mode string, args []string) string {
	parts := []string{"mailbench", mode}
	for _, a := range args {
		parts = append(parts, shellQuote(a))
	}
	return strings.Join(parts, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./-_") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
