package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/redresshq/redress/internal/apikey"
)

const keysUsage = `usage:
  redressd keys create -tenant T -actor ID -tier 1|2|3 [-roles r1,r2] [-queues q1,q2]
  redressd keys list
  redressd keys revoke -id KEYID
each takes -keys FILE or -store (to find the key file beside the database)`

// runKeys manages the API key file. create prints the new key on stdout (and nothing else there, so
// scripts can capture it); messages go to stderr.
func runKeys(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, keysUsage)
		return flag.ErrHelp
	}
	var c config
	fs := flag.NewFlagSet("redressd keys "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	storeFlags(fs, &c)
	var (
		tenant, actor, roles, queues, id string
		tier                             int
	)
	switch args[0] {
	case "create":
		fs.StringVar(&tenant, "tenant", "", "tenant the key may act in (required)")
		fs.StringVar(&actor, "actor", "", "actor ID written into the audit trail, e.g. agent:li (required)")
		fs.IntVar(&tier, "tier", 1, "authorization tier: 1 front line, 2 experts, 3 special team")
		fs.StringVar(&roles, "roles", "agent", "comma-separated roles")
		fs.StringVar(&queues, "queues", "", "comma-separated queues the key works in; empty means all")
	case "revoke":
		fs.StringVar(&id, "id", "", "ID of the key to revoke, as keys list shows it (required)")
	case "list":
	default:
		fmt.Fprintln(stderr, keysUsage)
		return fmt.Errorf("unknown keys subcommand %q", args[0])
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	keys, err := apikey.Open(c.keysPath(), apikey.Config{})
	if err != nil {
		return err
	}
	switch args[0] {
	case "create":
		a := apikey.Actor{Tenant: tenant, ID: actor, Tier: tier, Roles: splitList(roles), Queues: splitList(queues)}
		key, rec, err := keys.Create(a)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, key)
		fmt.Fprintf(stderr, "redressd: created key %s for %s in tenant %s (tier %d) in %s; the key above is shown only now\n",
			rec.ID, a.ID, a.Tenant, a.Tier, keys.Path())
	case "list":
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tTENANT\tACTOR\tTIER\tROLES\tQUEUES\tCREATED")
		for _, r := range keys.List() {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", r.ID, r.Tenant, r.Actor.ID, r.Tier,
				strings.Join(r.Roles, ","), strings.Join(r.Queues, ","), r.CreatedAt.Format("2006-01-02 15:04Z07:00"))
		}
		return tw.Flush()
	case "revoke":
		if id == "" {
			return errors.New("keys revoke needs -id")
		}
		if err := keys.Revoke(id); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "redressd: revoked key %s\n", id)
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}
