package main

import (
	"context"
	"strconv"

	"mstore/lmtp"
)

func init() { doors = append(doors, door{name: "lmtp", start: startLMTP}) }

// startLMTP serves LMTP on the store's UNIX socket, always, and on
// lmtp.listen. The size limit is the store's.
func startLMTP(ctx context.Context, d *doorEnv) (func() error, error) {
	cfg := d.Config
	srv := lmtp.New(d.Store, lmtp.Options{
		IdleTimeout:        cfg.LMTP.IdleTimeout,
		OverQuotaPermanent: cfg.LMTP.OverQuotaPermanent,
	}, d.Log.With("door", "lmtp"))
	// Unset, owner and group are the server's as it will be.
	owner, group := cfg.LMTP.SocketOwner, cfg.LMTP.SocketGroup
	if a := d.Account; a != nil {
		if owner == "" {
			owner = strconv.Itoa(a.uid)
		}
		if group == "" {
			group = strconv.Itoa(a.gid)
		}
	}
	sock, err := lmtp.ListenSocket(cfg.LMTPSocket(), lmtp.SocketOptions{
		Mode: cfg.SocketMode(), Owner: owner, Group: group,
	})
	if err != nil {
		return nil, err
	}
	d.Announce("lmtp on unix:%s", cfg.LMTPSocket())
	tcp, err := listenAll(d, "lmtp", cfg.LMTP.Listen)
	if err != nil {
		sock.Close()
		return nil, err
	}
	for _, l := range append(tcp, sock) {
		go srv.Serve(l)
	}
	return srv.Close, nil
}
