// Command mstore serves and administers an mstore mail store. docs/cli.md
// is its manual.
//
// Every admin verb runs one of two ways with the same code: with no server
// running it opens the store itself (taking the store lock); while
// "mstore serve" holds the store it sends its command line to the server's
// control socket, and the server runs the very same command against its
// open store and sends back stdout, stderr and the exit code.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"mstore/config"
	"mstore/store"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole program: tests call it in-process.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdin, stdout, stderr)
}

// serverWait is how long a command waits for a store held by another
// process to become reachable: a server still starting, or another
// command that holds the store for a moment. Tests shorten it.
var serverWait = 10 * time.Second

func runContext(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		// A bug must still end as "mstore: ..." and an exit code, not a
		// stack trace in an admin's terminal.
		if r := recover(); r != nil {
			code = finish(stderr, fmt.Errorf("internal error: %v", r))
		}
	}()
	cli, kctx, done, code, err := parse(args, stdout, stderr)
	if done {
		return code
	}
	if err != nil {
		return finish(stderr, err)
	}
	cfg, err := loadConfig(cli.Globals)
	if err != nil {
		return finish(stderr, err)
	}
	env := &Env{Ctx: ctx, Config: cfg, Dir: cfg.Store.Path, Stdin: stdin, Stdout: stdout, Stderr: stderr, Caller: store.System()}
	cmd := selected(kctx)
	if _, ok := cmd.(standalone); ok {
		return finish(stderr, kctx.Run(env))
	}
	mode := stdinNone
	if r, ok := cmd.(stdinReader); ok {
		mode = r.stdinMode()
	}

	deadline := time.Now().Add(serverWait)
	for {
		if pid := store.LockHolder(env.Dir); pid != 0 {
			code, err := forward(ctx, cfg.ControlSocket(), args, mode, stdin, stdout, stderr)
			if err == nil {
				return code
			}
			var de *dialError
			if !errors.As(err, &de) || !de.retry {
				return finish(stderr, err)
			}
			if time.Now().After(deadline) {
				return finish(stderr, &store.Error{Kind: store.KindInUse,
					Msg: fmt.Sprintf("store %s is held by process %s, which does not answer on %s", env.Dir, pidString(pid), cfg.ControlSocket())})
			}
			time.Sleep(50 * time.Millisecond)
			continue
		}
		st, err := store.Open(env.Dir, directOptions(cfg))
		if store.KindOf(err) == store.KindInUse && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond) // taken meanwhile: ask again who holds it
			continue
		}
		if err != nil {
			return finish(stderr, err)
		}
		env.Store = st
		err = kctx.Run(env)
		if cerr := st.Close(); err == nil && cerr != nil {
			err = cerr
		}
		return finish(stderr, err)
	}
}

// directOptions are the store options of a command that opens the store
// itself. Run by root, it gives what it makes to the account serve runs
// as, when that account exists, so that the server can still write there.
func directOptions(cfg *config.Config) store.Options {
	opts := cfg.StoreOptions()
	if acct, err := serverAccount(cfg); err == nil {
		opts.Owner = acct.storeOwner()
	}
	return opts
}

func pidString(pid int) string {
	if pid < 0 {
		return "(unknown pid)"
	}
	return fmt.Sprint(pid)
}

// loadConfig reads --config and settles the store directory: --store,
// else the configuration's store.path, made absolute.
func loadConfig(g Globals) (*config.Config, error) {
	cfg, err := config.Load(g.Config)
	if err != nil {
		code := exitInvalid
		switch {
		case errors.Is(err, fs.ErrNotExist):
			code = exitNotFound
		case errors.Is(err, fs.ErrPermission):
			code = exitNoPerm
		}
		return nil, &cliError{code: code, msg: err.Error()}
	}
	if g.Store != "" {
		cfg.Store.Path = g.Store
	}
	dir, err := filepath.Abs(cfg.Store.Path)
	if err != nil {
		return nil, err
	}
	cfg.Store.Path = dir
	return cfg, nil
}
