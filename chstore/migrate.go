package chstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/sluice-hunt/sluice/clickhouse"
)

// Migrate creates the store's tables in the client's database when they do not exist, and
// adds the columns a newer sluice has to tables an older one created: the rows loaded before
// read a new column from their event JSON (its DEFAULT expression). TTL is used when the
// server has it (19.6 and later).
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
	have, err := columns(ctx, c)
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
				if expr := legacy[t.name+"."+col.name]; expr != "" {
					stmt += " DEFAULT " + expr
				}
				if err := c.Exec(ctx, stmt); err != nil {
					return fmt.Errorf("%w\n%s", err, stmt)
				}
			}
		}
	}
	return nil
}

// columns returns the (table, column) pairs of the client's database.
func columns(ctx context.Context, c *clickhouse.Client) (map[[2]string]bool, error) {
	have := map[[2]string]bool{}
	err := c.Query(ctx, "SELECT table, name FROM system.columns WHERE database = "+clickhouse.Quote(c.Database()), func(f [][]byte) error {
		have[[2]string{string(f[0]), string(f[1])}] = true
		return nil
	})
	return have, err
}

// Check says whether the store's tables have every column this sluice queries: a store an
// older sluice created must be migrated (Migrate: `sluice ingest` with no files) before a hunt.
func Check(ctx context.Context, c *clickhouse.Client) error {
	have, err := columns(ctx, c)
	if err != nil {
		return err
	}
	var missing []string
	for _, t := range tables {
		if !have[[2]string{t.name, "event"}] {
			missing = append(missing, "table "+t.name)
			continue
		}
		for _, col := range t.cols {
			if !have[[2]string{t.name, col.name}] {
				missing = append(missing, t.name+"."+col.name)
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the store in database %s lacks %s: it was made by an older sluice; run `sluice ingest --clickhouse URL` (no files needed) to migrate it", c.Database(), strings.Join(missing, ", "))
	}
	return nil
}
