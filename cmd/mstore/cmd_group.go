package main

import (
	"sort"
)

// GroupCmd: mstore group add|del|list. Groups are named sets of users of a
// domain, granted rights by ACL entries "group:NAME".
type GroupCmd struct {
	Add  GroupAddCmd  `cmd:"" help:"Put a user into a group, creating the group."`
	Del  GroupDelCmd  `cmd:"" help:"Take a user out of a group."`
	List GroupListCmd `cmd:"" help:"List the groups of a domain and their members."`
}

type GroupAddCmd struct {
	Domain string `arg:"" help:"Domain."`
	Group  string `arg:"" help:"Group name."`
	User   string `arg:"" help:"User name."`
}

func (c *GroupAddCmd) Run(env *Env) error {
	return env.Store.AddGroupMember(env.Ctx, env.Caller, c.Domain, c.Group, c.User)
}

type GroupDelCmd struct {
	Domain string `arg:"" help:"Domain."`
	Group  string `arg:"" help:"Group name."`
	User   string `arg:"" help:"User name."`
}

func (c *GroupDelCmd) Run(env *Env) error {
	return env.Store.DeleteGroupMember(env.Ctx, env.Caller, c.Domain, c.Group, c.User)
}

type GroupListCmd struct {
	Domain string `arg:"" help:"Domain."`
	JSON   bool   `name:"json" help:"Print JSON."`
}

type groupJSON struct {
	Group   string   `json:"group"`
	Members []string `json:"members"`
}

func (c *GroupListCmd) Run(env *Env) error {
	gs, err := env.Store.Groups(env.Ctx, env.Caller, c.Domain)
	if err != nil {
		return err
	}
	var out []groupJSON
	for g, members := range gs {
		m := append([]string(nil), members...)
		sort.Strings(m)
		out = append(out, groupJSON{Group: g, Members: nonNil(m)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Group < out[j].Group })
	if c.JSON {
		return env.printJSON(nonNil(out))
	}
	var rows [][]string
	for _, g := range out {
		for _, m := range g.Members {
			rows = append(rows, []string{g.Group, m})
		}
	}
	return env.printTable([]string{"GROUP", "USER"}, rows)
}
