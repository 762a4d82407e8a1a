package main

import "mstore/store"

// AdminCmd: mstore admin add|del|list.
type AdminCmd struct {
	Add  AdminAddCmd  `cmd:"" help:"Make a user an administrator of one domain, or of every domain."`
	Del  AdminDelCmd  `cmd:"" help:"Take away a user's administrator powers."`
	List AdminListCmd `cmd:"" help:"List administrators."`
}

type AdminAddCmd struct {
	User   string `arg:"" help:"User name."`
	Domain string `placeholder:"DOMAIN" help:"Administer only this domain (default: every domain)."`
}

func (c *AdminAddCmd) Run(env *Env) error {
	return env.Store.AddAdmin(env.Ctx, env.Caller, c.User, c.Domain)
}

type AdminDelCmd struct {
	User   string `arg:"" help:"User name."`
	Domain string `placeholder:"DOMAIN" xor:"scope" help:"Take away only the power over this domain."`
	Global bool   `xor:"scope" help:"Take away only the power over every domain."`
}

func (c *AdminDelCmd) Run(env *Env) error {
	scope := store.AllPowers
	switch {
	case c.Domain != "":
		scope = store.AdminScope{Domain: c.Domain}
	case c.Global:
		scope = store.AdminScope{}
	}
	return env.Store.DeleteAdmin(env.Ctx, env.Caller, c.User, scope)
}

type AdminListCmd struct {
	JSON bool `name:"json" help:"Print JSON."`
}

func (c *AdminListCmd) Run(env *Env) error {
	as, err := env.Store.Admins(env.Ctx, env.Caller)
	if err != nil {
		return err
	}
	if c.JSON {
		return env.printJSON(nonNil(as))
	}
	var rows [][]string
	for _, a := range as {
		d := a.Domain
		if d == "" {
			d = "*"
		}
		rows = append(rows, []string{a.User, d})
	}
	return env.printTable([]string{"USER", "DOMAIN"}, rows)
}
