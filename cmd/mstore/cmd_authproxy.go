package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"mstore/auth"
)

// AuthProxyCmd runs the authentication proxy: the one process that keeps
// root, so that it can read /etc/shadow, and checks system accounts'
// passwords for the server over a UNIX socket. serve starts it.
type AuthProxyCmd struct {
	Socket   string `name:"socket" required:"" placeholder:"PATH" help:"UNIX socket to answer on."`
	AllowUID int    `name:"allow-uid" default:"-1" help:"The server's uid, allowed besides root."`
}

func (c *AuthProxyCmd) Run(env *Env) error {
	log := slog.New(slog.NewTextHandler(env.Stderr, nil)).With("process", "authproxy")
	p := &auth.ProxyServer{AllowUID: c.AllowUID, Log: log}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sigs
		p.Close()
	}()
	// The socket belongs to the server's account, so it can reach it once
	// it is no longer root.
	return p.Serve(c.Socket, c.AllowUID)
}

// spawnAuthProxy is false in the command's own tests, whose binary is not
// mstore and must not be started as the proxy.
var spawnAuthProxy = true

// startAuthProxy starts "mstore authproxy" as a child when serve runs as
// root and system accounts are enabled, and returns the client for the
// doors and a function that stops the child. It does nothing otherwise.
func startAuthProxy(env *Env, runUID int, log *slog.Logger) (*auth.ProxyClient, func(), error) {
	none := func() {}
	if !env.Config.Auth.SystemAccounts || os.Geteuid() != 0 || !spawnAuthProxy {
		return nil, none, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, none, err
	}
	sock := env.Config.AuthProxySocket()
	os.Remove(sock)
	cmd := exec.Command(exe, "authproxy", "--socket", sock, "--allow-uid", strconv.Itoa(runUID))
	cmd.Stdout, cmd.Stderr = env.Stderr, env.Stderr
	// The proxy outlives nothing: it dies with serve.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, none, fmt.Errorf("start the authentication proxy: %w", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stop := func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
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
