package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"mstore/store"
)

// DeliverCmd delivers one message from stdin the way LMTP does:
// store.ResolveRecipient, then Stage and Commit.
type DeliverCmd struct {
	Recipient string `arg:"" name:"recipient" help:"USER, USER+FOLDER (joe+lists@foo.com) or joe@foo.com+lists; any login identifier works as USER."`
}

func (c *DeliverCmd) stdinMode() stdinMode { return stdinAll }

func (c *DeliverCmd) Run(env *Env) error {
	rcpt, err := env.Store.ResolveRecipient(env.Ctx, plusAddress(c.Recipient))
	if err != nil {
		return err
	}
	in := bufio.NewReaderSize(env.Stdin, 64<<10)
	if _, err := in.Peek(1); errors.Is(err, io.EOF) {
		return invalidErr("no message on stdin")
	}
	mb, err := env.Store.Mailbox(env.Ctx, store.System(), rcpt.Target.Mailbox)
	if err != nil {
		return err
	}
	staged, err := env.Store.Stage(env.Ctx, in, store.StageOptions{Partition: mb.Partition})
	if err != nil {
		return err
	}
	defer staged.Close()
	res := staged.Commit(env.Ctx, []store.Target{rcpt.Target})
	if res[0].Err != nil {
		return res[0].Err
	}
	_, err = fmt.Fprintf(env.Stdout, "%s %d\n", rcpt.Target.Mailbox.Path(), res[0].UID)
	return err
}

// plusAddress accepts the folder after the whole user name as well
// ("joe@foo.com+lists") and writes it as LMTP sees it ("joe+lists@foo.com").
func plusAddress(r string) string {
	local, rest, ok := strings.Cut(r, "@")
	if !ok {
		return r
	}
	if domain, folder, ok := strings.Cut(rest, "+"); ok && !strings.Contains(local, "+") {
		return local + "+" + folder + "@" + domain
	}
	return r
}
