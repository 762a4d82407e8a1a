package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"mstore/auth"
)

// AuthProxyCmd runs the authentication proxy: the one process that keeps
// root. It checks system accounts' passwords (only root reads
// /etc/shadow) and unmounts the store's mount when serve, no longer root,
// stops. serve starts it, holding its standard input: when that closes —
// serve stopped, or died — the proxy ends too, since serve cannot signal a
// process of root's.
type AuthProxyCmd struct {
	Socket         string `name:"socket" required:"" placeholder:"PATH" help:"UNIX socket to answer on."`
	AllowUID       int    `name:"allow-uid" default:"-1" help:"The server's uid, allowed besides root."`
	SocketGID      int    `name:"socket-gid" default:"-1" help:"The group the socket is given to."`
	SystemAccounts bool   `name:"system-accounts" help:"Check system accounts' passwords; without it every check is refused."`
	Mount          string `name:"mount" placeholder:"DIR" help:"The store's mount, which the server may ask to unmount."`
}

func (c *AuthProxyCmd) Run(env *Env) error {
	log := slog.New(slog.NewTextHandler(env.Stderr, nil)).With("process", "authproxy")
	p := &auth.ProxyServer{AllowUID: c.AllowUID, NoPasswords: !c.SystemAccounts, Mount: c.Mount, Log: log}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sigs
		p.Close()
	}()
	go func() {
		io.Copy(io.Discard, env.Stdin)
		p.Close()
	}()
	// The socket belongs to the server's account, so it can reach it once
	// it is no longer root.
	if err := p.Listen(c.Socket, c.AllowUID, c.SocketGID); err != nil {
		return err
	}
	return p.Serve()
}

// spawnAuthProxy is false in the command's own tests, whose binary is not
// mstore and must not be started as the proxy.
var spawnAuthProxy = true

// startAuthProxy starts "mstore authproxy" as a child when serve runs as
// root and either gives root up (acct is set: the proxy will unmount) or
// checks system accounts, and returns the client and a function that stops
// the child. It does nothing otherwise.
func startAuthProxy(env *Env, acct *account, log *slog.Logger) (*auth.ProxyClient, func(), error) {
	none := func() {}
	cfg := env.Config
	if os.Geteuid() != 0 || !spawnAuthProxy || (acct == nil && !cfg.Auth.SystemAccounts) {
		return nil, none, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, none, err
	}
	allow, gid := 0, -1
	if acct != nil {
		allow, gid = acct.uid, acct.gid
	}
	sock := cfg.AuthProxySocket()
	os.Remove(sock)
	args := []string{"authproxy", "--socket", sock, "--allow-uid", strconv.Itoa(allow), "--socket-gid", strconv.Itoa(gid)}
	if cfg.Auth.SystemAccounts {
		args = append(args, "--system-accounts")
	}
	if dir := cfg.MountDir(); dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, none, err
		}
		args = append(args, "--mount", abs)
	}
	cmd := exec.Command(exe, args...)
	cmd.Stdout, cmd.Stderr = env.Stderr, env.Stderr
	lifeline, err := cmd.StdinPipe()
	if err != nil {
		return nil, none, err
	}
	// A process group of its own keeps a Ctrl-C at serve's terminal from
	// stopping the proxy before serve has asked it to unmount; the
	// signal on serve's death backs up the pipe.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, none, fmt.Errorf("start the authentication proxy: %w", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stop := func() {
		lifeline.Close()
		cmd.Process.Signal(syscall.SIGTERM) // refused once serve is not root
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			log.Warn("the authentication proxy did not stop", "pid", cmd.Process.Pid)
		}
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		select {
		case <-exited:
			return nil, none, errors.New("the authentication proxy exited at start")
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return nil, none, errors.New("the authentication proxy did not start")
		}
	}
	log.Info("authentication proxy started", "pid", cmd.Process.Pid, "socket", sock)
	return &auth.ProxyClient{Socket: sock}, stop, nil
}
