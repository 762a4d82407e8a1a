package config

import (
	"bufio"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"mstore/store"
)

const examplePath = "../docs/mstore.example.toml"

func TestDefault(t *testing.T) {
	c := Default()
	checks := []struct {
		name      string
		got, want any
	}{
		{"store.path", c.Store.Path, "./var"},
		{"storage.fanout", c.Storage.FanOut, []int{5, 20}},
		{"storage.max_message_size", c.Storage.MaxMessageSize, int64(64 << 20)},
		{"storage.placement_default", c.Storage.PlacementDefault, "default"},
		{"imap.listen", c.IMAP.Listen, []string{"127.0.0.1:1143"}},
		{"imap.tls_listen", len(c.IMAP.TLSListen), 0},
		{"imap.allow_plaintext_auth", c.IMAP.AllowPlaintextAuth, false},
		{"pop3.listen", c.POP3.Listen, []string{"127.0.0.1:1110"}},
		{"lmtp.listen", c.LMTP.Listen, []string{"127.0.0.1:2424"}},
		{"lmtp.socket_mode", c.SocketMode(), os.FileMode(0o660)},
		{"lmtp.over_quota_permanent", c.LMTP.OverQuotaPermanent, false},
		{"lmtp.idle_timeout", c.LMTP.IdleTimeout, 5 * time.Minute},
		{"web.listen", c.Web.Listen, "127.0.0.1:8143"},
		{"tls.cert", c.TLS.Cert, ""},
		{"auth.cram_md5", c.Auth.CramMD5, true},
		{"auth.scram_sha_256", c.Auth.ScramSHA256, true},
		{"log.level", c.LogLevel(), slog.LevelInfo},
		{"lmtp socket", c.LMTPSocket(), filepath.Join("var", "ipc", "lmtp")},
		{"control socket", c.ControlSocket(), filepath.Join("var", "ipc", "control")},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %#v, want %#v", ch.name, ch.got, ch.want)
		}
	}
	l, err := Load("")
	if err != nil || !reflect.DeepEqual(l, c) {
		t.Errorf("Load(\"\") = %+v, %v; want the default", l, err)
	}
}

// The documented example sets every value to its default.
func TestExampleFileIsTheDefault(t *testing.T) {
	c, err := Load(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	d := Default()
	c.source, d.source = "", ""
	if !reflect.DeepEqual(c, d) {
		t.Errorf("example file differs from the default:\n got %+v\nwant %+v", c, d)
	}
}

// Every key the Config knows is documented in the example, set or in a
// commented-out line, and the example documents no key the Config lacks.
func TestExampleFileDocumentsEveryKey(t *testing.T) {
	f, err := os.Open(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	section := regexp.MustCompile(`^\[\[?([a-z0-9_.]+)\]\]?\s*$`)
	keyLine := regexp.MustCompile(`^([a-z0-9_]+)\s*=`)
	documented := map[string]bool{}
	cur := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		line = strings.TrimSpace(strings.TrimPrefix(line, "#"))
		if m := section.FindStringSubmatch(line); m != nil {
			cur = m[1]
		} else if m := keyLine.FindStringSubmatch(line); m != nil {
			documented[cur+"."+m[1]] = true
		}
	}
	want := map[string]bool{}
	tomlKeys(reflect.TypeOf(Config{}), "", want)
	var missing, extra []string
	for k := range want {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("example file out of step: undocumented keys %v, unknown keys %v", missing, extra)
	}
}

func tomlKeys(t reflect.Type, prefix string, out map[string]bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("toml")
		if tag == "" {
			continue
		}
		name := tag
		if prefix != "" {
			name = prefix + "." + tag
		}
		ft := f.Type
		if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft != reflect.TypeOf(time.Duration(0)) {
			tomlKeys(ft, name, out)
			continue
		}
		out[name] = true
	}
}

func TestLoadOverrides(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mstore.toml")
	text := `
[store]
path = "/srv/mail"
[storage]
fanout = [10, 50]
placement_default = "round-robin"
[[storage.partition]]
name = "disk2"
path = "/srv/disk2"
[[storage.partition]]
name = "default"
path = "/srv/disk1"
[[storage.rule]]
domain = "Foo.com"
partition = "disk2"
[[storage.rule]]
user = "joe@bar.com"
partition = "default"
[imap]
listen = []
tls_listen = ["[::]:993"]
[lmtp]
socket_mode = "0600"
idle_timeout = "30s"
[mount]
dir = ""
[auth]
cram_md5 = false
[log]
level = "debug"
`
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Store.Path != "/srv/mail" || len(c.IMAP.Listen) != 0 || c.IMAP.TLSListen[0] != "[::]:993" ||
		c.POP3.Listen[0] != "127.0.0.1:1110" || c.SocketMode() != 0o600 || c.LMTP.IdleTimeout != 30*time.Second ||
		c.Auth.CramMD5 || !c.Auth.ScramSHA256 || c.LogLevel() != slog.LevelDebug || c.MountDir() != "" {
		t.Errorf("overrides not applied: %+v", c)
	}
	opts := c.StoreOptions()
	wantParts := []store.PartitionConfig{{Name: "default", Path: "/srv/disk1"}, {Name: "disk2", Path: "/srv/disk2"}}
	if !reflect.DeepEqual(opts.Partitions, wantParts) {
		t.Errorf("partitions = %+v, want %+v", opts.Partitions, wantParts)
	}
	wantRules := []store.PlacementRule{{Domain: "foo.com", Partition: "disk2"}, {User: "joe@bar.com", Partition: "default"}}
	if !reflect.DeepEqual(opts.Placement.Rules, wantRules) || opts.Placement.Default != store.RoundRobin {
		t.Errorf("placement = %+v", opts.Placement)
	}
	if opts.FanOut1 != 10 || opts.FanOut2 != 50 || opts.MaxMessageSize != 64<<20 {
		t.Errorf("options = %+v", opts)
	}
}

func TestDefaultStoreOptions(t *testing.T) {
	opts := Default().StoreOptions()
	if len(opts.Partitions) != 1 || opts.Partitions[0] != (store.PartitionConfig{Name: "default", Path: "mailstore"}) ||
		opts.FanOut1 != 5 || opts.FanOut2 != 20 || opts.Placement.Default != "default" {
		t.Errorf("default options = %+v", opts)
	}
	// The options open a store.
	st, err := store.Open(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
}

func TestValidationNamesTheKey(t *testing.T) {
	cases := []struct{ text, key string }{
		{`store.path = ""`, "store.path"},
		{"[storage]\nfanout = [5]", "storage.fanout"},
		{"[storage]\nfanout = [4, 20]", "storage.fanout"},
		{"[storage]\nfanout = [5, 501]", "storage.fanout"},
		{"[storage]\nfanout = \"5x20\"", "storage.fanout"},
		{"[storage]\nmax_message_size = 0", "storage.max_message_size"},
		{"[storage]\nmax_message_size = -1", "storage.max_message_size"},
		{"[storage]\nplacement_default = \"nowhere\"", "storage.placement_default"},
		{"[[storage.partition]]\nname = \"\"\npath = \"x\"", "storage.partition[0].name"},
		{"[[storage.partition]]\nname = \"a b\"\npath = \"x\"", "storage.partition[0].name"},
		{"[[storage.partition]]\nname = \"round-robin\"\npath = \"x\"", "storage.partition[0].name"},
		{"[[storage.partition]]\nname = \"p\"\npath = \"\"", "storage.partition[0].path"},
		{"[[storage.partition]]\nname = \"p\"\npath = \"x\"\n[[storage.partition]]\nname = \"p\"\npath = \"y\"", "storage.partition[1].name"},
		{"[[storage.rule]]\npartition = \"default\"", "storage.rule[0]"},
		{"[[storage.rule]]\ndomain = \"a.com\"\nuser = \"b@a.com\"\npartition = \"default\"", "storage.rule[0]"},
		{"[[storage.rule]]\nuser = \"joe\"\npartition = \"default\"", "storage.rule[0].user"},
		{"[[storage.rule]]\ndomain = \"a.com\"\npartition = \"p9\"", "storage.rule[0].partition"},
		{"[imap]\nlisten = [\"localhost\"]", "imap.listen"},
		{"[imap]\ntls_listen = [\"1.2.3.4:99999\"]", "imap.tls_listen"},
		{"[pop3]\nlisten = [\"127.0.0.1:1143\"]", "pop3.listen"},
		{"[lmtp]\nlisten = [\":x\"]", "lmtp.listen"},
		{"[web]\nlisten = \"nope\"", "web.listen"},
		{"[lmtp]\nsocket_mode = \"0999\"", "lmtp.socket_mode"},
		{"[lmtp]\nsocket_mode = \"01777\"", "lmtp.socket_mode"},
		{"[lmtp]\nidle_timeout = \"0s\"", "lmtp.idle_timeout"},
		{"[lmtp]\nidle_timeout = \"soon\"", "lmtp.idle_timeout"},
		{"[tls]\ncert = \"a.pem\"", "tls"},
		{"[log]\nlevel = \"loud\"", "log.level"},
		{"[auth]\ncram_md5 = \"yes\"", "auth.cram_md5"},
		{"[imap]\nlisten_tls = []", "imap.listen_tls"},
		{"[nosuch]\nx = 1", "nosuch"},
	}
	for _, c := range cases {
		_, err := Parse(c.text, "test.toml")
		if err == nil {
			t.Errorf("%q: no error", c.text)
			continue
		}
		if !strings.Contains(err.Error(), c.key) || !strings.Contains(err.Error(), "test.toml") {
			t.Errorf("%q: error %q does not name %s and the file", c.text, err, c.key)
		}
	}
}

func TestSyntaxErrorHasLine(t *testing.T) {
	_, err := Parse("[store]\npath = ", "bad.toml")
	if err == nil || !strings.Contains(err.Error(), "bad.toml") || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("error = %v", err)
	}
}

func TestMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "none.toml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error = %v, want ErrNotExist", err)
	}
}

func TestMountDir(t *testing.T) {
	c := Default()
	c.Store.Path = "/srv/store"
	want := ""
	if _, err := os.Stat("/dev/fuse"); err == nil {
		want = "/srv/store/mnt"
	}
	if got := c.MountDir(); got != want {
		t.Errorf("MountDir() = %q, want %q", got, want)
	}
	c.SetMountDir("/mnt/mail")
	if c.MountDir() != "/mnt/mail" {
		t.Errorf("MountDir() = %q after SetMountDir", c.MountDir())
	}
	c.SetMountDir("")
	if c.MountDir() != "" {
		t.Errorf("MountDir() = %q, want it off", c.MountDir())
	}
	p, err := Parse("[mount]\ndir = \"/m\"", "x")
	if err != nil || p.MountDir() != "/m" {
		t.Errorf("mount.dir from a file: %q, %v", p.MountDir(), err)
	}
}
