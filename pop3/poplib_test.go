package pop3

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"mstore/store"
	"mstore/tools/testenv"
)

// poplibResult is what testdata/poplib_session.py prints.
type poplibResult struct {
	Welcome         string              `json:"welcome"`
	Capa            map[string][]string `json:"capa"`
	UserInClear     string              `json:"user_in_clear"`
	STLS            string              `json:"stls"`
	CapaTLS         map[string][]string `json:"capa_tls"`
	APOPClient      string              `json:"apop_client"`
	APOPServer      string              `json:"apop_server"`
	User            string              `json:"user"`
	Pass            string              `json:"pass"`
	CapaTransaction map[string][]string `json:"capa_transaction"`
	Stat            []int               `json:"stat"`
	List            []string            `json:"list"`
	List1           string              `json:"list_1"`
	UIDL            []string            `json:"uidl"`
	UIDL2           string              `json:"uidl_2"`
	Retr            []struct {
		Resp   string `json:"resp"`
		Octets int    `json:"octets"`
		Body   []byte `json:"body"` // base64 in the JSON
	} `json:"retr"`
	Top10         []byte `json:"top_1_0"`
	Top22         []byte `json:"top_2_2"`
	Noop          string `json:"noop"`
	Dele1         string `json:"dele_1"`
	RetrDeleted   string `json:"retr_deleted"`
	StatAfterDele []int  `json:"stat_after_dele"`
	Rset          string `json:"rset"`
	StatAfterRset []int  `json:"stat_after_rset"`
	Quit          string `json:"quit"`
}

// runPoplib runs the Python session against addr and decodes its report.
func runPoplib(t *testing.T, e *env, addr, mode string, remote bool) *poplibResult {
	t.Helper()
	python := testenv.Program(t, "python3", "python3")
	host, port, _ := strings.Cut(addr, ":")
	args := []string{"testdata/poplib_session.py", host, port, mode, e.caFile, "joe@foo.com", "secret"}
	if remote {
		args = append(args, "remote")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("poplib session: %v\n%s", err, stderr.String())
	}
	var r poplibResult
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("poplib output: %v\n%s", err, stdout.String())
	}
	return &r
}

func TestPoplib(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mode   string
		remote bool
	}{
		{"plain", "plain", false},
		{"STLS", "stls", false},
		{"STLS from a remote client", "stls", true},
		{"implicit TLS", "tls", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, testOptions())
			e.addUser("joe@foo.com", "secret")
			msgs := [][]byte{testMessage(1, 300), testMessage(2, 70<<10), testMessage(3, 1000)}
			uids := e.deliver("joe@foo.com", msgs...)
			id, _ := e.inbox("joe@foo.com")
			info, err := e.st.MailboxByID(context.Background(), store.System(), id)
			if err != nil {
				t.Fatal(err)
			}
			addr := e.plain
			switch {
			case tc.mode == "tls":
				addr = e.tls
			case tc.remote:
				addr = e.serve(false, testenv.AsRemote)
			}
			r := runPoplib(t, e, addr, tc.mode, tc.remote)
			checkPoplib(t, r, tc.mode, tc.remote, msgs, uids, info.UIDValidity)

			_, left := e.inbox("joe@foo.com")
			if len(left) != 1 || !bytes.Equal(left[uids[2]], msgs[2]) {
				t.Errorf("after QUIT: %d messages left, want only message 3", len(left))
			}
		})
	}
}

func checkPoplib(t *testing.T, r *poplibResult, mode string, remote bool, msgs [][]byte, uids []uint32, uidValidity uint32) {
	t.Helper()
	eq := func(what string, got, want any) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: got %v, want %v", what, got, want)
		}
	}
	if strings.Contains(r.Welcome, "<") {
		t.Errorf("greeting %q offers APOP", r.Welcome)
	}
	eq("APOP refused by poplib", r.APOPClient, "-ERR APOP not supported by server")
	eq("APOP refused by the server", r.APOPServer, "-ERR APOP is not supported")
	for _, name := range []string{"TOP", "UIDL", "RESP-CODES", "PIPELINING", "SASL", "IMPLEMENTATION", "EXPIRE"} {
		if _, ok := r.Capa[name]; !ok {
			t.Errorf("CAPA lacks %s: %v", name, r.Capa)
		}
	}
	_, stls := r.Capa["STLS"]
	eq("STLS offered", stls, mode != "tls")
	_, user := r.Capa["USER"]
	eq("USER offered before login", user, !remote)
	if remote {
		if !strings.HasPrefix(r.UserInClear, "-ERR [AUTH] ") {
			t.Errorf("USER in clear from a remote client: %q", r.UserInClear)
		}
		eq("SASL in clear", r.Capa["SASL"], []string{"CRAM-MD5", "SCRAM-SHA-256"})
	}
	if mode == "stls" {
		eq("STLS answer", r.STLS, "+OK begin TLS negotiation")
		_, again := r.CapaTLS["STLS"]
		_, user := r.CapaTLS["USER"]
		eq("STLS and USER after STLS", []bool{again, user}, []bool{false, true})
		eq("SASL after STLS", r.CapaTLS["SASL"], []string{"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256"})
	}
	if _, ok := r.CapaTransaction["SASL"]; ok {
		t.Errorf("SASL offered after login: %v", r.CapaTransaction)
	}

	var total int
	var list, uidl []string
	for i, m := range msgs {
		total += len(m)
		list = append(list, fmt.Sprintf("%d %d", i+1, len(m)))
		uidl = append(uidl, fmt.Sprintf("%d %08x%08x", i+1, uidValidity, uids[i]))
	}
	eq("PASS", r.Pass, fmt.Sprintf("+OK maildrop has 3 messages (%d octets)", total))
	eq("STAT", r.Stat, []int{3, total})
	eq("LIST", r.List, list)
	eq("LIST 1", r.List1, "+OK "+list[0])
	eq("UIDL", r.UIDL, uidl)
	eq("UIDL 2", r.UIDL2, "+OK "+uidl[1])
	if len(r.Retr) != len(msgs) {
		t.Fatalf("%d messages retrieved, want %d", len(r.Retr), len(msgs))
	}
	for i, got := range r.Retr {
		eq("RETR "+strconv.Itoa(i+1), got.Resp, fmt.Sprintf("+OK %d octets", len(msgs[i])))
		eq("octets of RETR "+strconv.Itoa(i+1), got.Octets, len(msgs[i]))
		if !bytes.Equal(got.Body, msgs[i]) {
			t.Errorf("RETR %d: %d octets differ from the %d stored", i+1, len(got.Body), len(msgs[i]))
		}
	}
	header, _, _ := bytes.Cut(msgs[0], []byte("\r\n\r\n"))
	eq("TOP 1 0", string(r.Top10), string(header)+"\r\n\r\n")
	header, _, _ = bytes.Cut(msgs[1], []byte("\r\n\r\n"))
	eq("TOP 2 2", string(r.Top22), string(header)+"\r\n\r\nfirst line of the body\r\n.a line starting with a dot\r\n")
	eq("NOOP", r.Noop, "+OK")
	eq("DELE 1", r.Dele1, "+OK message 1 deleted")
	eq("RETR of a deleted message", r.RetrDeleted, "-ERR message already deleted")
	eq("STAT after DELE", r.StatAfterDele, []int{2, total - len(msgs[0])})
	eq("RSET", r.Rset, fmt.Sprintf("+OK maildrop has 3 messages (%d octets)", total))
	eq("STAT after RSET", r.StatAfterRset, []int{3, total})
	eq("QUIT", r.Quit, "+OK bye (2 messages deleted, 1 left)")
}
