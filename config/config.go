// Package config reads mstore's one configuration file (TOML) and hands
// each part of the program the plain values it needs: store.Options for the
// store, listen addresses and switches for the doors.
//
// A Config starts as the embedded default (default.toml, documented key by
// key in docs/mstore.example.toml); a file only overrides the keys it sets.
// Unknown keys and bad values are errors that name the key. A Config is a
// plain value: load it once, adjust it from command-line flags, Validate it
// again, then share it read-only.
package config

import (
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"mstore/store"
)

//go:embed default.toml
var defaultTOML string

// Config is the whole configuration file.
type Config struct {
	Store   Store   `toml:"store"`
	Server  Server  `toml:"server"`
	Storage Storage `toml:"storage"`
	IMAP    Door    `toml:"imap"`
	POP3    Door    `toml:"pop3"`
	LMTP    LMTP    `toml:"lmtp"`
	Web     Web     `toml:"web"`
	Mount   Mount   `toml:"mount"`
	TLS     TLS     `toml:"tls"`
	Auth    Auth    `toml:"auth"`
	Log     Log     `toml:"log"`

	// mountSet records that mount.dir was given (in the file or by a flag),
	// so that "" can mean "no mount" rather than "the default".
	mountSet bool
	// source names where the values came from, for error messages.
	source string
}

// Store locates the store directory. A relative path is taken from the
// current directory.
type Store struct {
	Path string `toml:"path"`
}

// Server is who "mstore serve" runs as once its ports are bound and its
// mount is made, when it starts as root: the account owns the store's
// files, and only the authentication proxy keeps root. "" keeps root.
type Server struct {
	User string `toml:"user"`
}

// Storage shapes the message files: fan-out, size limit, partitions and
// the rules that place a new mailbox in one.
type Storage struct {
	FanOut           []int       `toml:"fanout"`
	MaxMessageSize   int64       `toml:"max_message_size"`
	PlacementDefault string      `toml:"placement_default"`
	Partitions       []Partition `toml:"partition"`
	Rules            []Rule      `toml:"rule"`
}

// Partition is one more directory of message files. A relative path is
// taken from the store directory.
type Partition struct {
	Name string `toml:"name"`
	Path string `toml:"path"`
}

// Rule sends the new mailboxes of one domain or of one user to a partition.
type Rule struct {
	Domain    string `toml:"domain"`
	User      string `toml:"user"`
	Partition string `toml:"partition"`
}

// Door is the listener set of IMAP or POP3.
type Door struct {
	Listen    []string `toml:"listen"`
	TLSListen []string `toml:"tls_listen"`
	// AllowPlaintextAuth allows passwords over unencrypted connections
	// from other hosts; loopback connections may always send them.
	AllowPlaintextAuth bool `toml:"allow_plaintext_auth"`
}

// LMTP configures the delivery door. Its UNIX socket is always
// <store>/ipc/lmtp (see LMTPSocket); Listen adds TCP listeners.
type LMTP struct {
	Listen      []string `toml:"listen"`
	SocketMode  string   `toml:"socket_mode"`  // octal, "0660"
	SocketOwner string   `toml:"socket_owner"` // user name or uid; "" keeps the server's
	SocketGroup string   `toml:"socket_group"` // group name or gid; "" keeps the server's
	// OverQuotaPermanent answers a delivery past a quota with 552 5.2.2
	// (the sender gives up) instead of 452 4.2.2 (the sender retries).
	OverQuotaPermanent bool          `toml:"over_quota_permanent"`
	IdleTimeout        time.Duration `toml:"idle_timeout"`
}

// Web is the admin page's listener; "" turns the page off.
type Web struct {
	Listen string `toml:"listen"`
}

// Mount is where serve mounts the store; see Config.MountDir.
type Mount struct {
	Dir string `toml:"dir"`
}

// TLS names the certificate and key of every TLS listener. Both empty
// means a self-signed pair kept in <store>/etc/ (see EnsureTLS).
type TLS struct {
	Cert string `toml:"cert"`
	Key  string `toml:"key"`
}

// Auth chooses which challenge-response secrets are kept beside each new
// password, and so which SASL mechanisms can work.
type Auth struct {
	CramMD5     bool `toml:"cram_md5"`
	ScramSHA256 bool `toml:"scram_sha_256"`
	// SystemAccounts lets system accounts log in (their passwords checked
	// by the authentication proxy, the account tied to a user by the
	// authmap); it needs serve to be started as root.
	SystemAccounts bool `toml:"system_accounts"`
}

// Log sets the level of the server's log.
type Log struct {
	Level string `toml:"level"`
}

// Default returns the embedded default configuration.
func Default() *Config {
	c, err := parse(defaultTOML, "(default)", &Config{})
	if err != nil {
		panic("config: embedded default: " + err.Error())
	}
	return c
}

// Load reads the file at path over the embedded default and validates the
// result. An empty path gives the default.
func Load(path string) (*Config, error) {
	if path == "" {
		return Default(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("config %s: %w", path, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return parse(string(data), path, Default())
}

// Parse reads TOML text over the embedded default, as Load does with a
// file; name is used in error messages.
func Parse(text, name string) (*Config, error) {
	return parse(text, name, Default())
}

func parse(text, name string, base *Config) (*Config, error) {
	c := base
	c.source = name
	md, err := toml.Decode(text, c)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &Error{Source: name, Msg: pe.Error()}
		}
		return nil, &Error{Source: name, Msg: err.Error()}
	}
	if un := md.Undecoded(); len(un) > 0 {
		return nil, &Error{Source: name, Key: un[0].String(), Msg: "unknown key"}
	}
	if md.IsDefined("mount", "dir") {
		c.mountSet = true
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Error is a configuration problem, naming the file and the key.
type Error struct {
	Source string // file name, or "(default)", or "(flags)"
	Key    string // "storage.fanout", "" when the file cannot be read
	Msg    string
}

func (e *Error) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("config %s: %s", e.Source, e.Msg)
	}
	return fmt.Sprintf("config %s: %s: %s", e.Source, e.Key, e.Msg)
}

// Source is where the configuration came from: a file name or "(default)".
func (c *Config) Source() string { return c.source }

// MountDir is where serve mounts the store: mount.dir when it is set (""
// turns the mount off), otherwise <store>/mnt when the system has FUSE
// (/dev/fuse), otherwise "".
func (c *Config) MountDir() string {
	if c.mountSet {
		return c.Mount.Dir
	}
	if _, err := os.Stat("/dev/fuse"); err == nil {
		return filepath.Join(c.Store.Path, "mnt")
	}
	return ""
}

// MountChosen reports whether mount.dir was set by the file or a flag,
// rather than left to the default.
func (c *Config) MountChosen() bool { return c.mountSet }

// SetMountDir overrides mount.dir, as serve's --mount flag does; "" turns
// the mount off.
func (c *Config) SetMountDir(dir string) {
	c.Mount.Dir = dir
	c.mountSet = true
}

// LMTPSocket is the path of the LMTP UNIX socket.
func (c *Config) LMTPSocket() string { return filepath.Join(c.Store.Path, "ipc", "lmtp") }

// ControlSocket is the path of the socket admin commands use to reach a
// running server.
func (c *Config) ControlSocket() string { return filepath.Join(c.Store.Path, "ipc", "control") }

// AuthProxySocket is where the authentication proxy answers.
func (c *Config) AuthProxySocket() string { return filepath.Join(c.Store.Path, "ipc", "authproxy") }

// SocketMode is lmtp.socket_mode as a file mode.
func (c *Config) SocketMode() os.FileMode {
	m, _ := parseMode(c.LMTP.SocketMode)
	return m
}

// LogLevel is log.level as a slog level.
func (c *Config) LogLevel() slog.Level {
	l, _ := parseLevel(c.Log.Level)
	return l
}

// StoreOptions builds the store's options: the default partition
// ("mailstore" in the store directory, unless a [[storage.partition]]
// named "default" moves it) followed by the configured ones, the placement
// rules, the fan-out and the size limit.
func (c *Config) StoreOptions() store.Options {
	parts := []store.PartitionConfig{{Name: store.DefaultPartition, Path: "mailstore"}}
	for _, p := range c.Storage.Partitions {
		if p.Name == store.DefaultPartition {
			parts[0].Path = p.Path
			continue
		}
		parts = append(parts, store.PartitionConfig{Name: p.Name, Path: p.Path})
	}
	var rules []store.PlacementRule
	for _, r := range c.Storage.Rules {
		rules = append(rules, store.PlacementRule{Domain: strings.ToLower(r.Domain), User: strings.ToLower(r.User), Partition: r.Partition})
	}
	opts := store.Options{
		Partitions:     parts,
		Placement:      store.Placement{Rules: rules, Default: c.Storage.PlacementDefault},
		MaxMessageSize: c.Storage.MaxMessageSize,
	}
	if len(c.Storage.FanOut) == 2 {
		opts.FanOut1, opts.FanOut2 = c.Storage.FanOut[0], c.Storage.FanOut[1]
	}
	return opts
}

func parseMode(s string) (os.FileMode, error) {
	v, err := strconv.ParseUint(s, 8, 32)
	if err != nil || v > 0o777 {
		return 0, fmt.Errorf("want an octal mode such as \"0660\", got %q", s)
	}
	return os.FileMode(v), nil
}

func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("want debug, info, warn or error, got %q", s)
}
