package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"mstore/auth"
	"mstore/config"
	"mstore/store"
)

// The control socket, <store>/ipc/control, mode 0600.
//
// A client sends one line of JSON, {"version":1,"args":[...]}, its command
// line as typed, then the part of its stdin the command reads, and shuts
// down its side for writing. The server answers with frames: one type byte,
// a four-byte big-endian length, the payload. Type 'o' is stdout, 'e' is
// stderr, 'x' ends the answer with the exit code as a four-byte big-endian
// number. The server checks the peer's uid with SO_PEERCRED before reading
// anything: root, or the uid the server runs as (who owns the store's files
// anyway), and nobody else.

const (
	controlVersion  = 1
	frameStdout     = 'o'
	frameStderr     = 'e'
	frameExit       = 'x'
	maxFrame        = 1 << 20
	maxRequestLine  = 1 << 20
	maxSocketPath   = 107 // sun_path holds 108 bytes with the NUL
	shutdownGrace   = 10 * time.Second
	shutdownAbandon = 5 * time.Second
)

type controlRequest struct {
	Version int      `json:"version"`
	Args    []string `json:"args"`
}

// controlServer runs forwarded commands against the server's open store.
type controlServer struct {
	path     string
	ln       *net.UnixListener
	st       *store.Store
	cfg      *config.Config
	log      *slog.Logger
	allowUID func(uid int) bool

	ctx    context.Context // the commands' context, cancelled when shutdown stops waiting
	cancel context.CancelFunc
	wg     sync.WaitGroup // one per connection being served

	mu    sync.Mutex             // protects conns
	conns map[*net.UnixConn]bool // open connections, closed when shutdown gives up
}

// listenControl creates the socket, replacing a stale one left by a server
// that died: the caller holds the store lock, so no live server uses it.
func listenControl(path string, st *store.Store, cfg *config.Config, log *slog.Logger, acct *account) (*controlServer, error) {
	if len(path) > maxSocketPath {
		return nil, fmt.Errorf("control socket path %s is longer than %d bytes; use a shorter store path", path, maxSocketPath)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("remove stale control socket: %w", err)
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	// Until this chmod the ipc directory (0750) and the uid check guard it.
	runUID := os.Geteuid()
	err = os.Chmod(path, 0o600)
	if err == nil && acct != nil {
		runUID = acct.uid
		err = acct.giveAway(path)
	}
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("control socket: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &controlServer{path: path, ln: ln, st: st, cfg: cfg, log: log,
		allowUID: func(uid int) bool { return uid == 0 || uid == runUID },
		ctx:      ctx, cancel: cancel, conns: map[*net.UnixConn]bool{}}, nil
}

func (s *controlServer) serve() {
	for {
		conn, err := s.ln.AcceptUnix()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Warn("control: accept", "err", err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		s.mu.Lock()
		s.conns[conn] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go s.handle(conn)
	}
}

// shutdown stops accepting, lets running commands finish for a while,
// then cancels them and closes their connections.
func (s *controlServer) shutdown() {
	s.ln.Close()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		s.cancel()
		return
	case <-time.After(shutdownGrace):
	}
	s.log.Warn("control: cancelling commands still running at shutdown")
	s.cancel()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	select {
	case <-done:
	case <-time.After(shutdownAbandon):
		s.log.Error("control: commands did not stop; closing the store under them")
	}
}

func (s *controlServer) handle(conn *net.UnixConn) {
	out := &frameWriter{w: conn}
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("control: panic", "panic", r, "stack", string(debug.Stack()))
			out.write(frameStderr, []byte("mstore: internal error in the server\n"))
			out.exit(exitError)
		}
		conn.Close()
		s.mu.Lock()
		delete(s.conns, conn)
		s.mu.Unlock()
		s.wg.Done()
	}()
	uid, err := auth.PeerUID(conn)
	if err != nil {
		s.log.Warn("control: peer credentials", "err", err)
		out.write(frameStderr, []byte("mstore: the server cannot tell who you are\n"))
		out.exit(exitNoPerm)
		return
	}
	if !s.allowUID(uid) {
		s.log.Warn("control: refused", "uid", uid)
		fmt.Fprintf(out.stream(frameStderr), "mstore: permission denied: the control socket of %s accepts root only, and you are uid %d\n", s.st.Dir(), uid)
		out.exit(exitNoPerm)
		return
	}
	br := bufio.NewReaderSize(conn, 64<<10)
	line, err := readLine(br, maxRequestLine)
	var req controlRequest
	if err == nil {
		err = json.Unmarshal(line, &req)
	}
	if err == nil && req.Version != controlVersion {
		err = fmt.Errorf("protocol version %d, want %d (is the client the same mstore as the server?)", req.Version, controlVersion)
	}
	if err != nil {
		fmt.Fprintf(out.stream(frameStderr), "mstore: bad control request: %v\n", err)
		out.exit(exitUsage)
		return
	}
	code := execute(s.ctx, req.Args, s.st, s.cfg, br, out.stream(frameStdout), out.stream(frameStderr))
	s.log.Info("control: command", "uid", uid, "args", req.Args, "exit", code)
	out.exit(code)
}

// execute parses a forwarded command line and runs it on the server's
// store: the same command code as the direct path, another Env.
func execute(ctx context.Context, args []string, st *store.Store, cfg *config.Config, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			code = finish(stderr, fmt.Errorf("internal error: %v", r))
		}
	}()
	_, kctx, done, code, err := parse(args, stdout, stderr)
	if done {
		return code
	}
	if err != nil {
		return finish(stderr, err)
	}
	if _, ok := selected(kctx).(standalone); ok {
		return finish(stderr, &store.Error{Kind: store.KindInUse,
			Msg: fmt.Sprintf("store %s is in use by process %d, which is serving it", st.Dir(), os.Getpid())})
	}
	env := &Env{Ctx: ctx, Store: st, Config: cfg, Dir: st.Dir(), Stdin: stdin, Stdout: stdout, Stderr: stderr, Caller: store.System()}
	return finish(stderr, kctx.Run(env))
}

func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > max {
			return nil, fmt.Errorf("request line longer than %d bytes", max)
		}
		if err == nil {
			return line, nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
	}
}

// firstLine reads up to and including the first newline, one byte at a
// time so that nothing after it is taken from stdin.
func firstLine(r io.Reader, max int) []byte {
	var line []byte
	var b [1]byte
	for len(line) < max {
		n, err := r.Read(b[:])
		if n == 1 {
			line = append(line, b[0])
			if b[0] == '\n' {
				break
			}
		}
		if err != nil {
			break
		}
	}
	return line
}

// frameWriter writes the server's answer; stdout and stderr may be written
// from different goroutines of a command.
type frameWriter struct {
	mu sync.Mutex // protects w and err
	w  io.Writer
	// err is the first write error; later writes are dropped, as the
	// client is gone.
	err error
}

func (f *frameWriter) write(typ byte, p []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for f.err == nil && len(p) > 0 {
		n := min(len(p), 32<<10)
		var hdr [5]byte
		hdr[0] = typ
		binary.BigEndian.PutUint32(hdr[1:], uint32(n))
		if _, f.err = f.w.Write(hdr[:]); f.err == nil {
			_, f.err = f.w.Write(p[:n])
		}
		p = p[n:]
	}
	return f.err
}

func (f *frameWriter) exit(code int) {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(code))
	f.write(frameExit, b[:])
}

func (f *frameWriter) stream(typ byte) io.Writer { return streamWriter{f, typ} }

type streamWriter struct {
	f   *frameWriter
	typ byte
}

func (s streamWriter) Write(p []byte) (int, error) {
	if err := s.f.write(s.typ, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// dialError is a failure to reach the server. retry says the server may
// just not be listening yet (or has gone, and the store can be opened).
type dialError struct {
	retry bool
	err   error
}

func (e *dialError) Error() string { return e.err.Error() }
func (e *dialError) Unwrap() error { return e.err }

// forward sends a command line to the server on sock and copies its answer
// to stdout and stderr. It returns the server's exit code.
func forward(ctx context.Context, sock string, args []string, mode stdinMode, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		switch {
		case errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.ECONNREFUSED):
			return 0, &dialError{retry: true, err: err}
		case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
			return 0, &dialError{err: &cliError{code: exitNoPerm,
				msg: fmt.Sprintf("permission denied: a server holds the store and its control socket %s accepts root only", sock)}}
		}
		return 0, &dialError{err: &cliError{code: exitTemporary, msg: fmt.Sprintf("cannot reach the server: %v", err)}}
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	req, err := json.Marshal(controlRequest{Version: controlVersion, Args: args})
	if err != nil {
		return 0, err
	}
	// A write error is not the end: the server may have answered (a
	// refusal) and closed before reading; the answer is still there to read.
	if _, werr := conn.Write(append(req, '\n')); werr != nil {
		mode = stdinNone
	}
	go func() {
		// The server may answer before reading all of this (a refused
		// delivery); a write error then only means it stopped listening.
		switch mode {
		case stdinLine:
			conn.Write(firstLine(stdin, maxPasswordLine+2))
		case stdinAll:
			io.Copy(conn, stdin)
		}
		conn.CloseWrite()
	}()

	br := bufio.NewReaderSize(conn, 64<<10)
	var hdr [5]byte
	buf := make([]byte, 32<<10)
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return 0, &cliError{code: exitTemporary, msg: fmt.Sprintf("the server closed the control connection before answering: %v", err)}
		}
		n := binary.BigEndian.Uint32(hdr[1:])
		if n > maxFrame {
			return 0, &cliError{code: exitTemporary, msg: "malformed answer from the server"}
		}
		if int(n) > len(buf) {
			buf = make([]byte, n)
		}
		p := buf[:n]
		if _, err := io.ReadFull(br, p); err != nil {
			return 0, &cliError{code: exitTemporary, msg: fmt.Sprintf("the server closed the control connection: %v", err)}
		}
		switch hdr[0] {
		case frameStdout:
			stdout.Write(p)
		case frameStderr:
			stderr.Write(p)
		case frameExit:
			if n != 4 {
				return 0, &cliError{code: exitTemporary, msg: "malformed answer from the server"}
			}
			return int(binary.BigEndian.Uint32(p)), nil
		default:
			return 0, &cliError{code: exitTemporary, msg: "malformed answer from the server"}
		}
	}
}
