package main

import (
	"context"
	"time"

	"mstore/auth"
	"mstore/fs"
)

func init() { doors = append(doors, door{name: "mount", start: startMount}) }

// startMount mounts the store on the configured directory (mount.dir,
// --mount, or <store>/mnt where /dev/fuse exists) and unmounts it when
// serve stops. A stale mount left by a crash is cleaned up first.
func startMount(ctx context.Context, d *doorEnv) (func() error, error) {
	dir := d.Config.MountDir()
	if dir == "" {
		return func() error { return nil }, nil
	}
	var opts fs.Options
	var backing *auth.Backing
	if d.Account != nil && d.Privileged != nil {
		// Root made the mount; once serve is the account, the proxy
		// takes it down, and registers the files of large messages for
		// passthrough, which the kernel allows only to root.
		opts.Unmount = func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			return d.Privileged.Unmount(ctx)
		}
		backing = &auth.Backing{Socket: d.Privileged.Socket}
		opts.Backing = backing
	}
	m, err := fs.Mount(d.Store, dir, opts, d.Log.With("door", "mount"))
	if err != nil && !d.Config.MountChosen() {
		// The default mount is a convenience: without the privilege to
		// mount (not root, no fusermount), serve runs without it.
		d.Announce("mount off (%v)", err)
		return func() error { return nil }, nil
	}
	if err != nil {
		return nil, err
	}
	d.Announce("mount on %s", m.Dir())
	return func() error {
		err := m.Close()
		if backing != nil {
			backing.Shut()
		}
		return err
	}, nil
}
