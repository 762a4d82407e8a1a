package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// newFlagSet makes the flag set of one mode. Its usage, printed for -h and
// after a refused flag, is head followed by the flags and their defaults.
func newFlagSet(mode, head string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("mailbench "+mode, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, head)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args with fs and refuses any argument left after the
// flags. It returns flag.ErrHelp for -h, errBadFlags for a flag that the
// flag package refused (it has printed why and the usage), and a usageError
// for a stray argument.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errBadFlags
	}
	if fs.NArg() > 0 {
		return usageError(fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	return nil
}
