package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"mstore/auth"
	"mstore/config"
	"mstore/store"
)

// ServeCmd runs the server. Its door flags override the configuration;
// the doors that read them are started from the doors list below.
type ServeCmd struct {
	IMAP  []string `name:"imap" sep:"none" placeholder:"ADDR" help:"IMAP listen address, repeatable (overrides imap.listen; \"\" for none)."`
	IMAPS []string `name:"imaps" sep:"none" placeholder:"ADDR" help:"IMAPS listen address, repeatable (overrides imap.tls_listen)."`
	POP3  []string `name:"pop3" sep:"none" placeholder:"ADDR" help:"POP3 listen address, repeatable (overrides pop3.listen)."`
	POP3S []string `name:"pop3s" sep:"none" placeholder:"ADDR" help:"POP3S listen address, repeatable (overrides pop3.tls_listen)."`
	LMTP  []string `name:"lmtp" sep:"none" placeholder:"ADDR" help:"LMTP TCP listen address, repeatable (overrides lmtp.listen)."`
	Web   *string  `name:"web" placeholder:"ADDR" help:"Web admin page address (overrides web.listen; \"\" for none)."`
	Mount *string  `name:"mount" placeholder:"DIR" help:"Mount point (overrides mount.dir; \"\" for none)."`
	User  *string  `name:"user" placeholder:"NAME" help:"Account to run as once started by root (overrides server.user; \"\" keeps root)."`
}

// door is one front end that serve runs. Each door package (imap, pop3,
// lmtp, web, fs) adds its entry to doors when it lands; start binds its
// listeners from d.Config, announces each with d.Announce, and returns a
// function that stops it. serve starts the doors in order after the
// control socket and stops them in reverse order before closing the store.
type door struct {
	name  string
	start func(ctx context.Context, d *doorEnv) (stop func() error, err error)
}

// doorEnv is what a door gets from serve.
type doorEnv struct {
	Store  *store.Store
	Config *config.Config
	TLS    *tls.Config // the configured or self-signed pair
	Log    *slog.Logger
	// Proxy checks system accounts' passwords; nil when system accounts
	// are off or the authentication proxy does not run.
	Proxy *auth.ProxyClient
	// Privileged is the proxy for what needs root once serve has given
	// it up: the mount's unmount and passthrough; nil when the proxy
	// does not run.
	Privileged *auth.ProxyClient
	// Account is who serve runs as once the doors have started; nil when
	// it keeps its user.
	Account *account
	// Announce adds one "mstore: ..." line that serve prints under its
	// readiness line; each listener announces its address ("imap on
	// 127.0.0.1:1143").
	Announce func(format string, args ...any)
}

// doors are filled in by the door_*.go files, each from its init.
var doors = []door{}

// apply copies the flags that were given into the configuration.
func (c *ServeCmd) apply(cfg *config.Config) error {
	listen := func(flag []string, dst *[]string) {
		if flag == nil {
			return
		}
		*dst = []string{}
		for _, a := range flag {
			if a != "" {
				*dst = append(*dst, a)
			}
		}
	}
	listen(c.IMAP, &cfg.IMAP.Listen)
	listen(c.IMAPS, &cfg.IMAP.TLSListen)
	listen(c.POP3, &cfg.POP3.Listen)
	listen(c.POP3S, &cfg.POP3.TLSListen)
	listen(c.LMTP, &cfg.LMTP.Listen)
	if c.Web != nil {
		cfg.Web.Listen = *c.Web
	}
	if c.Mount != nil {
		cfg.SetMountDir(*c.Mount)
	}
	if c.User != nil {
		cfg.Server.User = *c.User
	}
	if err := cfg.Validate(); err != nil {
		return invalidErr("%v", err)
	}
	return nil
}

func (c *ServeCmd) Run(env *Env) error {
	cfg := env.Config
	if err := c.apply(cfg); err != nil {
		return err
	}
	say := func(format string, args ...any) { fmt.Fprintf(env.Stderr, "mstore: "+format+"\n", args...) }
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel()}))

	acct, err := serverAccount(cfg)
	if err != nil {
		return err
	}
	opts := cfg.StoreOptions()
	opts.Logger = log
	opts.Owner = acct.storeOwner()
	st, err := store.Open(env.Dir, opts)
	if err != nil {
		return err
	}
	defer st.Close()
	if acct != nil {
		for _, dir := range append([]string{env.Dir}, st.PartitionDirs()...) {
			if err := acct.canReach(dir); err != nil {
				return err
			}
		}
	}

	generated, err := cfg.EnsureTLS()
	if err != nil {
		return err
	}
	if generated {
		if err := acct.giveAway(cfg.TLS.Cert, cfg.TLS.Key); err != nil {
			return err
		}
		say("generated a self-signed TLS certificate: %s (key %s)", cfg.TLS.Cert, cfg.TLS.Key)
	}
	tlsConfig, err := cfg.TLSConfig()
	if err != nil {
		return err
	}

	ctx, stopSignals := signal.NotifyContext(env.Ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stopSignals()

	ctl, err := listenControl(cfg.ControlSocket(), st, cfg, log, acct)
	if err != nil {
		return err
	}
	go ctl.serve()
	lines := []string{fmt.Sprintf("control on %s", cfg.ControlSocket())}

	proxy, stopProxy, err := startAuthProxy(env, acct, log)
	if err != nil {
		ctl.shutdown()
		return err
	}
	defer stopProxy()
	if proxy != nil {
		lines = append(lines, fmt.Sprintf("authproxy on %s", proxy.Socket))
	}
	passwords := proxy
	if !cfg.Auth.SystemAccounts {
		passwords = nil
	}

	denv := &doorEnv{Store: st, Config: cfg, TLS: tlsConfig, Log: log, Proxy: passwords, Privileged: proxy, Account: acct,
		Announce: func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }}
	var stops []func() error
	stopDoors := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			if err := stops[i](); err != nil {
				log.Warn("stopping door", "err", err)
			}
		}
	}
	for _, d := range doors {
		stop, err := d.start(ctx, denv)
		if err != nil {
			stopDoors()
			ctl.shutdown()
			return fmt.Errorf("%s: %w", d.name, err)
		}
		stops = append(stops, stop)
	}

	// Root has done its part: ports are bound, the mount is made and
	// the proxy runs.
	if acct != nil {
		if err := acct.drop(); err != nil {
			stopDoors()
			ctl.shutdown()
			return fmt.Errorf("give up root for %s: %w", acct.name, err)
		}
		lines = append(lines, fmt.Sprintf("running as %s (uid %d)", acct.name, acct.uid))
	} else if os.Geteuid() == 0 {
		log.Warn("serving as root: server.user is empty")
	}

	// Every listener is bound before the readiness line, so whoever waits
	// for it can connect at once.
	say("serving %s (pid %d)", env.Dir, os.Getpid())
	for _, l := range lines {
		say("%s", l)
	}
	say("ready")

	<-ctx.Done()
	log.Info("stopping")
	stopDoors()
	ctl.shutdown()
	if err := st.Close(); err != nil {
		return err
	}
	say("stopped serving %s", env.Dir)
	return nil
}

// listenAll binds every address of a door, announcing each as "NAME on
// ADDR"; on a failure it closes those already bound.
func listenAll(d *doorEnv, name string, addrs []string) ([]net.Listener, error) {
	var ls []net.Listener
	for _, addr := range addrs {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			closeAll(ls)
			return nil, err
		}
		ls = append(ls, l)
		d.Announce("%s on %s", name, l.Addr())
	}
	return ls, nil
}

// serveTCP binds a door's plain and implicit-TLS addresses and serves
// each listener with the matching function.
func serveTCP(d *doorEnv, name string, plain, withTLS []string, serve, serveTLS func(net.Listener) error) error {
	pl, err := listenAll(d, name, plain)
	if err != nil {
		return err
	}
	tl, err := listenAll(d, name+"s", withTLS)
	if err != nil {
		closeAll(pl)
		return err
	}
	for _, l := range pl {
		go serve(l)
	}
	for _, l := range tl {
		go serveTLS(l)
	}
	return nil
}

func closeAll(ls []net.Listener) {
	for _, l := range ls {
		l.Close()
	}
}
