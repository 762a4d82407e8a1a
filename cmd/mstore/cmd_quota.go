package main

import (
	"fmt"
	"strconv"
)

// QuotaCmd: mstore quota set|get|list. A root is a domain
// ("foo.com"), a user's tree ("foo.com/users/joe") or any mailbox path;
// STORAGE is counted in KiB, as RFC 9208 does.
type QuotaCmd struct {
	Set  QuotaSetCmd  `cmd:"" help:"Set the limits of a quota root; with neither option, remove the root."`
	Get  QuotaGetCmd  `cmd:"" help:"Show one quota root."`
	List QuotaListCmd `cmd:"" help:"List every quota root."`
}

type QuotaSetCmd struct {
	Root     string `arg:"" help:"DOMAIN, DOMAIN/users/USER, or a mailbox path."`
	Storage  *int64 `placeholder:"KIB" help:"Storage limit in KiB (absent: no limit)."`
	Messages *int64 `placeholder:"N" help:"Message count limit (absent: no limit)."`
}

func (c *QuotaSetCmd) Run(env *Env) error {
	for _, l := range []struct {
		flag string
		v    *int64
	}{{"--storage", c.Storage}, {"--messages", c.Messages}} {
		if l.v != nil && *l.v < 0 {
			return invalidErr("%s %d: a quota limit cannot be below zero (leave the option out for no limit)", l.flag, *l.v)
		}
	}
	return env.Store.SetQuota(env.Ctx, env.Caller, c.Root, c.Storage, c.Messages)
}

type QuotaGetCmd struct {
	Root string `arg:"" help:"Quota root."`
	JSON bool   `name:"json" help:"Print JSON."`
}

func (c *QuotaGetCmd) Run(env *Env) error {
	q, err := env.Store.Quota(env.Ctx, env.Caller, c.Root)
	if err != nil {
		return err
	}
	if c.JSON {
		return env.printJSON(q)
	}
	return env.printFields([][2]string{
		{"root", q.Root},
		{"storage", fmt.Sprintf("%d KiB of %s", q.StorageUsed, limit(q.StorageLimit, " KiB"))},
		{"messages", fmt.Sprintf("%d of %s", q.MessagesUsed, limit(q.MessageLimit, ""))},
	})
}

func limit(v int64, unit string) string {
	if v < 0 {
		return "unlimited"
	}
	return strconv.FormatInt(v, 10) + unit
}

type QuotaListCmd struct {
	JSON bool `name:"json" help:"Print JSON."`
}

func (c *QuotaListCmd) Run(env *Env) error {
	qs, err := env.Store.Quotas(env.Ctx, env.Caller)
	if err != nil {
		return err
	}
	if c.JSON {
		return env.printJSON(nonNil(qs))
	}
	var rows [][]string
	for _, q := range qs {
		rows = append(rows, []string{q.Root, strconv.FormatInt(q.StorageUsed, 10), limitCell(q.StorageLimit),
			strconv.FormatInt(q.MessagesUsed, 10), limitCell(q.MessageLimit)})
	}
	return env.printTable([]string{"ROOT", "STORAGE-KIB", "LIMIT-KIB", "MESSAGES", "LIMIT"}, rows)
}

func limitCell(v int64) string {
	if v < 0 {
		return "-"
	}
	return strconv.FormatInt(v, 10)
}
