package main

import (
	"context"

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
	m, err := fs.Mount(d.Store, dir, fs.Options{}, d.Log.With("door", "mount"))
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
	return m.Close, nil
}
