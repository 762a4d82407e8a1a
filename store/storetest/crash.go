package storetest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"mstore/store"
)

const crashEnv = "MSTORE_STORETEST_CRASH_CHILD"

// RunCrashChild must be called from TestMain before m.Run: in the child
// process that Crash starts, it appends until killed and never returns.
func RunCrashChild(open Opener) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		return
	}
	s := open(nil, dir)
	inbox := store.MailboxName{Domain: "foo.com", Name: "user/joe/INBOX"}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				body := message(w*1000000+i, 200+(i*37+w*11)%6000)
				res, err := s.Append(ctx, sys, inbox, bytes.NewReader(body), store.AppendOptions{})
				if err != nil {
					fmt.Fprintf(os.Stderr, "append: %v\n", err)
					os.Exit(3)
				}
				sum := sha256.Sum256(body)
				mu.Lock()
				fmt.Fprintf(os.Stdout, "ack %d %s\n", res.UID, hex.EncodeToString(sum[:]))
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	os.Exit(0)
}

// Crash: a child appending from 16 goroutines is killed with SIGKILL; after
// reopening, every append it acknowledged is there, byte for byte, and the
// store opened without repair.
func Crash(t *testing.T, open Opener) {
	dir := t.TempDir()
	s := open(t, dir)
	must(t, s.AddDomain(ctx, sys, "foo.com"))
	_, err := s.AddUser(ctx, sys, "joe@foo.com", store.UserOptions{})
	must(t, err)
	must(t, s.Close())

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	must(t, err)
	must(t, cmd.Start())
	acks := map[uint32]string{}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	killed := false
	deadline := time.After(60 * time.Second)
read:
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				break read
			}
			var uid uint32
			var sum string
			if _, err := fmt.Sscanf(line, "ack %d %s", &uid, &sum); err != nil {
				continue // a torn last line: that append was never acknowledged
			}
			if _, dup := acks[uid]; dup {
				t.Errorf("UID %d acknowledged twice", uid)
			}
			acks[uid] = sum
			if len(acks) == 400 && !killed {
				// Kill in the middle of appends in flight.
				cmd.Process.Signal(syscall.SIGKILL)
				killed = true
			}
		case <-deadline:
			cmd.Process.Kill()
			t.Fatalf("child acknowledged only %d appends in 60s; stderr: %s", len(acks), stderr.String())
		}
	}
	cmd.Wait()
	if !killed {
		t.Fatalf("child ended before it was killed: %s", stderr.String())
	}

	s = open(t, dir)
	defer s.Close()
	inbox := path(t, "foo.com/users/joe/INBOX")
	info := status(t, s, sys, inbox)
	uids, _, err := s.UIDs(ctx, sys, info.ID)
	must(t, err)
	if int(info.Messages) != len(uids) {
		t.Errorf("mailbox counts %d messages, index holds %d: the store needs repair", info.Messages, len(uids))
	}
	present := map[uint32]bool{}
	for _, u := range uids {
		present[u] = true
	}
	for uid, sum := range acks {
		if !present[uid] {
			t.Errorf("acknowledged UID %d lost", uid)
			continue
		}
		got := sha256.Sum256(readMsg(t, s, sys, info.ID, uid))
		if hex.EncodeToString(got[:]) != sum {
			t.Errorf("acknowledged UID %d changed", uid)
		}
	}
	t.Logf("%d acknowledged, %d in the index after the crash", len(acks), len(uids))
	if entries, _ := os.ReadDir(dir + "/tmp"); len(entries) != 0 {
		t.Errorf("tmp/ not cleaned at open: %d entries", len(entries))
	}
	res := appendMsg(t, s, sys, inbox, message(1, 100))
	if present[res.UID] || res.UID < info.UIDNext {
		t.Errorf("new UID %d reuses or goes below UIDNEXT %d", res.UID, info.UIDNext)
	}
	if strings.Contains(stderr.String(), "append:") {
		t.Errorf("child failed an append: %s", stderr.String())
	}
}
