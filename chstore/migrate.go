package chstore

import (
	"context"
	"fmt"

	"github.com/sluice-hunt/sluice/clickhouse"
)

// Migrate creates the store's tables in the client's database when they do not exist, and
// adds the columns a newer sluice has to tables an older one created (a column added later is
// empty or 0 in the rows loaded before). TTL is used when the server has it (19.6 and later).
func Migrate(ctx context.Context, c *clickhouse.Client, l Layout) error {
	def := c.WithDatabase("default") // the database to create may not be there yet
	v, err := def.Version(ctx)
	if err != nil {
		return err
	}
	l.TTL = v.AtLeast(19, 6)
	for i, stmt := range DDL(c.Database(), l) {
		run := c
		if i == 0 { // CREATE DATABASE
			run = def
		}
		if err := run.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%w\n%s", err, stmt)
		}
	}
	have := map[[2]string]bool{}
	err = c.Query(ctx, "SELECT table, name FROM system.columns WHERE database = "+clickhouse.Quote(c.Database()), func(f [][]byte) error {
		have[[2]string{string(f[0]), string(f[1])}] = true
		return nil
	})
	if err != nil {
		return err
	}
	onCluster := ""
	if l.Cluster != "" {
		onCluster = " ON CLUSTER " + clickhouse.QuoteIdent(l.Cluster)
	}
	for _, t := range tables {
		names := []string{t.name}
		if l.Cluster != "" {
			names = []string{t.name + "_local", t.name}
		}
		for _, name := range names {
			for _, col := range t.cols {
				if have[[2]string{name, col.name}] {
					continue
				}
				stmt := fmt.Sprintf("ALTER TABLE %s%s ADD COLUMN %s %s", clickhouse.QuoteIdent(name), onCluster, clickhouse.QuoteIdent(col.name), col.typ)
				if err := c.Exec(ctx, stmt); err != nil {
					return fmt.Errorf("%w\n%s", err, stmt)
				}
			}
		}
	}
	return nil
}
