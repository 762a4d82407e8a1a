package main

// AuthMapCmd: mstore authmap add|del|list. The authmap ties names of an
// external authority (system accounts) to store users.
type AuthMapCmd struct {
	Add  AuthMapAddCmd  `cmd:"" help:"Map an external name to a user."`
	Del  AuthMapDelCmd  `cmd:"" help:"Remove a mapping."`
	List AuthMapListCmd `cmd:"" help:"List the mappings."`
}

type AuthMapAddCmd struct {
	External string `arg:"" help:"External name, such as a system account."`
	User     string `arg:"" help:"Store user."`
}

func (c *AuthMapAddCmd) Run(env *Env) error {
	return env.Store.AddAuthMap(env.Ctx, env.Caller, c.External, c.User)
}

type AuthMapDelCmd struct {
	External string `arg:"" help:"External name."`
}

func (c *AuthMapDelCmd) Run(env *Env) error {
	return env.Store.DeleteAuthMap(env.Ctx, env.Caller, c.External)
}

type AuthMapListCmd struct {
	JSON bool `name:"json" help:"Print JSON."`
}

func (c *AuthMapListCmd) Run(env *Env) error {
	m, err := env.Store.AuthMap(env.Ctx, env.Caller)
	if err != nil {
		return err
	}
	if c.JSON {
		return env.printJSON(nonNil(m))
	}
	var rows [][]string
	for _, e := range m {
		rows = append(rows, []string{e.External, e.User})
	}
	return env.printTable([]string{"EXTERNAL", "USER"}, rows)
}
