package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"mstore/store"
)

// The fs mode measures the mounted store against the same work done on the
// store's own files: it builds a store, has "mstore serve --mount" serve it
// from another process, and times each task once through the mount and
// once on the partition directories, in one run.

type fsOptions struct {
	mstore    string
	dir       string
	keep      bool
	small     int
	size      int
	listing   int
	large     int
	largeSize int
	user      string
	loopback  string
	rounds    int
	json      bool
}

func parseFSFlags(args []string, stderr io.Writer) (*fsOptions, error) {
	o := &fsOptions{}
	fs := newFlagSet("fs", "usage: mailbench fs --mstore PATH [flags]\n\n"+
		"Builds a store, mounts it with \"mstore serve --mount\", and times reading\n"+
		"messages, ls -l and rsync -a through the mount and on the store's files.\n"+
		"Needs root (to mount and to drop the page cache).\n\n", stderr)
	fs.StringVar(&o.mstore, "mstore", "mstore", "the mstore `binary` that serves the mount")
	fs.StringVar(&o.dir, "dir", "", "`directory` for the store, the mount and the copies (default: a new temporary one)")
	fs.BoolVar(&o.keep, "keep", false, "keep the directory afterwards (a kept store is reused by the next run)")
	fs.IntVar(&o.small, "small", 10000, "`number` of small messages read and copied with rsync")
	fs.IntVar(&o.size, "size", 4096, "size of each small message in `bytes`")
	fs.IntVar(&o.listing, "listing", 100000, "`number` of messages in the mailbox listed with ls -l")
	fs.IntVar(&o.large, "large", 10, "`number` of large messages")
	fs.IntVar(&o.largeSize, "large-size", 20<<20, "size of each large message in `bytes`")
	fs.StringVar(&o.user, "user", "mstore", "the `account` serve runs as once mounted (serve's --user; \"\" keeps root)")
	fs.StringVar(&o.loopback, "loopback", "", "also time each task through a FUSE loopback `command` (program and flags, given MOUNTPOINT ORIGINAL) over the store's files, e.g. go-fuse's example/loopback with -directmount")
	fs.IntVar(&o.rounds, "rounds", 3, "`number` of times each task runs on each side; the median is reported")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	switch {
	case o.rounds < 1:
		return nil, usageError("--rounds must be at least 1")
	case o.small < 1 || o.listing < 1 || o.large < 1:
		return nil, usageError("--small, --listing and --large must be at least 1")
	case o.size < 200 || o.largeSize < 200:
		return nil, usageError("--size and --large-size must be at least 200")
	}
	return o, nil
}

// timed is one side of a task: it does the work once and times it.
type timed = func() (time.Duration, *Latency, error)

// A task whose first run through the mount takes less than shortTask runs
// at least shortTaskRounds times a side.
const (
	shortTask       = 100 * time.Millisecond
	shortTaskRounds = 9
)

// fsTask is one row of the report: the same work through the mount and on
// the store's files.
type fsTask struct {
	Name   string  `json:"task"`
	Mount  float64 `json:"mount_s"`
	Direct float64 `json:"direct_s"`
	// Ratio is the mount's speed as a fraction of direct: direct / mount.
	Ratio float64 `json:"ratio"`
	// Latency of each file read through the mount, for the read tasks.
	Latency *Latency `json:"mount_latency,omitempty"`
	// Loopback is the same work through the --loopback filesystem, and
	// LoopbackRatio its speed as a fraction of direct.
	Loopback      float64 `json:"loopback_s,omitempty"`
	LoopbackRatio float64 `json:"loopback_ratio,omitempty"`
}

type fsReport struct {
	Mode    string   `json:"mode"`
	Command string   `json:"command"`
	Store   string   `json:"store"`
	Load    string   `json:"load"`
	Tasks   []fsTask `json:"tasks"`
}

// fsSet is the data a run works on: one mailbox per task, and where its
// files are in the partition.
type fsSet struct {
	name  string // mailbox under bench.example/users/bench/
	count int
	size  int
	files string // its directory in the partition
}

func runFS(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFSFlags(args, stderr)
	if err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return errors.New("the fs mode needs root: it mounts, and drops the page cache")
	}
	bin, err := exec.LookPath(o.mstore)
	if err != nil {
		return fmt.Errorf("--mstore: %w", err)
	}
	dir := o.dir
	if dir == "" {
		if dir, err = os.MkdirTemp("/var/tmp", "mailbench-fs-"); err != nil {
			return err
		}
	}
	// serve's account must reach the store.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	if !o.keep {
		defer os.RemoveAll(dir)
	}
	storeDir, mnt := filepath.Join(dir, "store"), filepath.Join(dir, "mnt")
	sets := []*fsSet{
		{name: "small", count: o.small, size: o.size},
		{name: "listing", count: o.listing, size: 1024},
		{name: "large", count: o.large, size: o.largeSize},
	}
	fmt.Fprintf(stderr, "mailbench fs: building the store in %s\n", storeDir)
	if err := buildFSStore(ctx, storeDir, sets); err != nil {
		return err
	}
	srv, err := startFSServer(bin, storeDir, mnt, o.user, stderr)
	if err != nil {
		return err
	}
	defer srv.stop()
	// viaLoopback maps a directory of the store to the loopback mount.
	var viaLoopback func(string) string
	if o.loopback != "" {
		lbMnt := filepath.Join(dir, "loopback")
		lb, err := startLoopback(o.loopback, lbMnt, storeDir)
		if err != nil {
			return err
		}
		defer lb.stop()
		viaLoopback = func(p string) string {
			rel, _ := filepath.Rel(storeDir, p)
			return filepath.Join(lbMnt, rel)
		}
	}

	rep := &fsReport{Mode: "fs", Command: commandLine("fs", args), Store: storeDir, Load: loadAverage()}
	mboxPath := func(s *fsSet) string { return filepath.Join(mnt, "bench.example/users/bench", s.name) }
	small, listing, large := sets[0], sets[1], sets[2]
	// task times one row: sides are the work through the mount, on the
	// store's files, and through the loopback (nil without one).
	task := func(name string, cold bool, sides [3]timed) error {
		fmt.Fprintf(stderr, "mailbench fs: %s\n", name)
		// Warm rows follow their cold row; each side runs once first so
		// that all start from the same warm cache.
		if !cold {
			for _, f := range sides {
				if f != nil {
					f()
				}
			}
		}
		// The sides take turns, round after round, so that a slower
		// spell of the machine does not fall on one side only.
		type run struct {
			d   time.Duration
			lat *Latency
		}
		var runs [3][]run
		rounds := o.rounds
		for r := 0; r < rounds; r++ {
			for i, f := range sides {
				if f == nil {
					continue
				}
				if cold {
					if err := dropCaches(); err != nil {
						return err
					}
				}
				d, lat, err := f()
				if err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				runs[i] = append(runs[i], run{d, lat})
			}
			// A task done in a few tens of milliseconds (the warm 20 MiB
			// reads) moves by more than its own length from one run to
			// the next: it runs more often.
			if r == 0 && runs[0][0].d < shortTask {
				rounds = max(rounds, shortTaskRounds)
			}
		}
		median := func(rs []run) run {
			if len(rs) == 0 {
				return run{}
			}
			sort.Slice(rs, func(a, b int) bool { return rs[a].d < rs[b].d })
			return rs[len(rs)/2]
		}
		t := fsTask{Name: name}
		m := median(runs[0])
		t.Mount, t.Latency = m.d.Seconds(), m.lat
		t.Direct = median(runs[1]).d.Seconds()
		t.Loopback = median(runs[2]).d.Seconds()
		if t.Mount > 0 {
			t.Ratio = t.Direct / t.Mount
		}
		if t.Loopback > 0 {
			t.LoopbackRatio = t.Direct / t.Loopback
		}
		rep.Tasks = append(rep.Tasks, t)
		return nil
	}
	// Each task is work done in a directory, the same on every side.
	read := func(s *fsSet) func(string) timed {
		return func(dir string) timed {
			return func() (time.Duration, *Latency, error) { return readFiles(dir, s.count) }
		}
	}
	ls := func(dir string) timed {
		return func() (time.Duration, *Latency, error) { return timeCommand("ls", "-l", dir) }
	}
	copyDir := filepath.Join(dir, "copy")
	rsync := func(src string) timed {
		return func() (time.Duration, *Latency, error) {
			os.RemoveAll(copyDir)
			defer os.RemoveAll(copyDir)
			return timeCommand("rsync", "-a", src+"/", copyDir+"/")
		}
	}
	steps := []struct {
		name string
		cold bool
		set  *fsSet
		work func(dir string) timed
	}{
		{fmt.Sprintf("read %d messages of %d B, cold", small.count, small.size), true, small, read(small)},
		{fmt.Sprintf("read %d messages of %d B, warm", small.count, small.size), false, small, read(small)},
		{fmt.Sprintf("ls -l of %d messages, cold", listing.count), true, listing, ls},
		{fmt.Sprintf("ls -l of %d messages, warm", listing.count), false, listing, ls},
		{fmt.Sprintf("read %d messages of %d MiB, cold", large.count, large.size>>20), true, large, read(large)},
		{fmt.Sprintf("read %d messages of %d MiB, warm", large.count, large.size>>20), false, large, read(large)},
		{fmt.Sprintf("rsync -a of %d messages, cold", small.count), true, small, rsync},
		{fmt.Sprintf("rsync -a of %d messages, warm", small.count), false, small, rsync},
	}
	for _, s := range steps {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		sides := [3]timed{s.work(mboxPath(s.set)), s.work(s.set.files)}
		if viaLoopback != nil {
			sides[2] = s.work(viaLoopback(s.set.files))
		}
		if err := task(s.name, s.cold, sides); err != nil {
			return err
		}
	}
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.writeText(stdout)
}

func (r *fsReport) writeText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "command     %s\n", r.Command)
	fmt.Fprintf(&b, "store       %s\n", r.Store)
	fmt.Fprintf(&b, "load        %s\n", r.Load)
	loopback := len(r.Tasks) > 0 && r.Tasks[0].Loopback > 0
	if loopback {
		fmt.Fprintf(&b, "\n| task | mount | direct | loopback | mount speed / direct | loopback speed / direct |\n|---|---|---|---|---|---|\n")
	} else {
		fmt.Fprintf(&b, "\n| task | mount | direct | mount speed / direct |\n|---|---|---|---|\n")
	}
	for _, t := range r.Tasks {
		if loopback {
			fmt.Fprintf(&b, "| %s | %.3f s | %.3f s | %.3f s | %.2f× | %.2f× |\n", t.Name, t.Mount, t.Direct, t.Loopback, t.Ratio, t.LoopbackRatio)
			continue
		}
		fmt.Fprintf(&b, "| %s | %.3f s | %.3f s | %.2f× |\n", t.Name, t.Mount, t.Direct, t.Ratio)
	}
	for _, t := range r.Tasks {
		if l := t.Latency; l != nil {
			fmt.Fprintf(&b, "\n%s, per message through the mount: p50 %s  p90 %s  p99 %s  max %s",
				t.Name, fmtDur(l.P50), fmtDur(l.P90), fmtDur(l.P99), fmtDur(l.Max))
		}
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// buildFSStore fills a store with the three mailboxes, unless a kept store
// of a former run already holds them, and finds their directories in the
// partition.
func buildFSStore(ctx context.Context, dir string, sets []*fsSet) error {
	st, err := store.Open(dir, store.Options{NoSync: true, MaxMessageSize: 1 << 30})
	if err != nil {
		return err
	}
	defer st.Close()
	sys := store.System()
	if err := st.AddDomain(ctx, sys, "bench.example"); err != nil && store.KindOf(err) != store.KindExists {
		return err
	}
	if _, err := st.AddUser(ctx, sys, "bench@bench.example", store.UserOptions{}); err != nil && store.KindOf(err) != store.KindExists {
		return err
	}
	for _, s := range sets {
		n := store.MailboxName{Domain: "bench.example", Name: "user/bench/" + s.name}
		info, err := st.Mailbox(ctx, sys, n)
		if store.KindOf(err) == store.KindNotFound {
			info, err = st.CreateMailbox(ctx, sys, n, store.CreateOptions{})
		}
		if err != nil {
			return err
		}
		if int(info.Messages) != s.count {
			if info.Messages != 0 {
				return fmt.Errorf("%s holds %d messages, not %d: use another --dir", n, info.Messages, s.count)
			}
			if err := fillMailbox(ctx, st, n, s); err != nil {
				return err
			}
		}
		s.files = filepath.Dir(st.BlobPath(info.ID, 1))
	}
	return nil
}

func fillMailbox(ctx context.Context, st *store.Store, n store.MailboxName, s *fsSet) error {
	gen := newMessageGen("mailbench@bench.example", []string{"bench@bench.example"}, s.size)
	next := make(chan int)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				_, err := st.Append(ctx, store.System(), n, strings.NewReader(string(gen.build(i))), store.AppendOptions{})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var err error
loop:
	for i := 0; i < s.count; i++ {
		select {
		case next <- i:
		case err = <-errs:
			break loop
		}
	}
	close(next)
	wg.Wait()
	if err == nil && len(errs) > 0 {
		err = <-errs
	}
	return err
}

// readFiles reads every file of a directory, in name order (listed before
// the clock starts), and times each.
func readFiles(dir string, want int) (time.Duration, *Latency, error) {
	d, err := os.Open(dir)
	if err != nil {
		return 0, nil, err
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return 0, nil, err
	}
	if len(names) != want {
		return 0, nil, fmt.Errorf("%s holds %d files, want %d", dir, len(names), want)
	}
	sort.Strings(names)
	buf := make([]byte, 1<<20)
	lat := make([]time.Duration, 0, len(names))
	start := time.Now()
	for _, name := range names {
		t0 := time.Now()
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return 0, nil, err
		}
		for {
			_, err := f.Read(buf)
			if err == io.EOF {
				break
			}
			if err != nil {
				f.Close()
				return 0, nil, err
			}
		}
		f.Close()
		lat = append(lat, time.Since(t0))
	}
	elapsed := time.Since(start)
	l := Summarize(lat)
	return elapsed, &l, nil
}

func timeCommand(name string, args ...string) (time.Duration, *Latency, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var errb strings.Builder
	cmd.Stderr = &errb
	start := time.Now()
	err := cmd.Run()
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %v %s", name, err, errb.String())
	}
	return time.Since(start), nil, nil
}

// dropCaches empties the page, dentry and inode caches, so that the next
// task reads from the disk (and, through the mount, asks the server).
func dropCaches() error {
	syscall.Sync()
	if err := os.WriteFile("/proc/sys/vm/drop_caches", []byte("3"), 0); err != nil {
		return fmt.Errorf("dropping caches: %w", err)
	}
	return nil
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return fmt.Sprintf("%s %s %s (1, 5, 15 min) on %d CPUs", f[0], f[1], f[2], runtime.NumCPU())
}

// fsServer is "mstore serve" with only the mount.
type fsServer struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func startFSServer(bin, storeDir, mnt, user string, stderr io.Writer) (*fsServer, error) {
	cmd := exec.Command(bin, "serve", "--store", storeDir, "--imap", "", "--imaps", "", "--pop3", "", "--pop3s", "",
		"--lmtp", "", "--web", "", "--mount", mnt, "--user", user)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &fsServer{cmd: cmd, done: make(chan struct{})}
	ready := make(chan bool, 1)
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(pipe)
		mounted := false
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "mstore: mount on ") {
				mounted = true
			}
			if line == "mstore: ready" {
				ready <- mounted
			}
			if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") {
				fmt.Fprintln(stderr, line)
			}
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			s.stop()
			return nil, errors.New("mstore serve did not mount: was it built with the mount door?")
		}
	case <-s.done:
		cmd.Wait()
		return nil, errors.New("mstore serve exited before it was ready")
	case <-time.After(time.Minute):
		s.stop()
		return nil, errors.New("mstore serve was not ready within a minute")
	}
	return s, nil
}

func (s *fsServer) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
	}
	s.cmd.Wait()
}

// loopbackFS is the --loopback filesystem, mounted over the store's files.
type loopbackFS struct {
	cmd *exec.Cmd
	mnt string
}

func startLoopback(command, mnt, orig string) (*loopbackFS, error) {
	argv := strings.Fields(command)
	if err := os.MkdirAll(mnt, 0o755); err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], append(argv[1:], mnt, orig)...)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("--loopback: %w", err)
	}
	lb := &loopbackFS{cmd: cmd, mnt: mnt}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if isMountPoint(mnt) {
			return lb, nil
		}
	}
	lb.stop()
	return nil, fmt.Errorf("--loopback: %s did not mount %s within 30 s", argv[0], mnt)
}

func (lb *loopbackFS) stop() {
	if err := syscall.Unmount(lb.mnt, 0); err != nil {
		lb.cmd.Process.Kill()
	}
	lb.cmd.Wait()
}

// isMountPoint reports whether dir is on another device than its parent.
func isMountPoint(dir string) bool {
	var st, parent syscall.Stat_t
	if syscall.Stat(dir, &st) != nil || syscall.Stat(filepath.Dir(dir), &parent) != nil {
		return false
	}
	return st.Dev != parent.Dev
}
