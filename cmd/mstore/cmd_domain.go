package main

import (
	"strconv"

	"mstore/store"
)

// DomainCmd: mstore domain add|del|list.
type DomainCmd struct {
	Add  DomainAddCmd  `cmd:"" help:"Create a domain."`
	Del  DomainDelCmd  `cmd:"" help:"Delete a domain."`
	List DomainListCmd `cmd:"" help:"List domains."`
}

type DomainAddCmd struct {
	Name string `arg:"" help:"Domain name, such as foo.com."`
}

func (c *DomainAddCmd) Run(env *Env) error {
	return env.Store.AddDomain(env.Ctx, env.Caller, c.Name)
}

type DomainDelCmd struct {
	Name  string `arg:"" help:"Domain name."`
	Force bool   `help:"Also delete its users, mailboxes and mail."`
}

func (c *DomainDelCmd) Run(env *Env) error {
	err := env.Store.DeleteDomain(env.Ctx, env.Caller, c.Name, c.Force)
	return store.WithHint(err, store.KindInUse, "use --force to delete them too")
}

type DomainListCmd struct {
	JSON bool `name:"json" help:"Print JSON."`
}

func (c *DomainListCmd) Run(env *Env) error {
	ds, err := env.Store.Domains(env.Ctx, env.Caller)
	if err != nil {
		return err
	}
	if c.JSON {
		return env.printJSON(nonNil(ds))
	}
	var rows [][]string
	for _, d := range ds {
		rows = append(rows, []string{d.Name, strconv.Itoa(d.Users), fmtTime(d.Created)})
	}
	return env.printTable([]string{"DOMAIN", "USERS", "CREATED"}, rows)
}
