package chstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/chstore"
	"github.com/sluice-hunt/sluice/clickhouse/chtest"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// dnsOnly keeps the DNS records a reader yields.
type dnsOnly struct {
	event.NopSink
	recs map[event.Ref]event.DNS
}

// DNS keeps a copy of the record: its strings point into the reader's buffers.
func (d *dnsOnly) DNS(e *event.DNS) {
	c := *e
	c.Query, c.QTypeName, c.RCodeName = strings.Clone(e.Query), strings.Clone(e.QTypeName), strings.Clone(e.RCodeName)
	c.Answers = nil
	for _, a := range e.Answers {
		c.Answers = append(c.Answers, strings.Clone(a))
	}
	c.TTLs = slices.Clone(e.TTLs)
	d.recs[e.Ref] = c
}

// TestStoredDNS: the DNS records the store hands the detections (grouped by name in SQL) are
// the records of the files, every one, with the fields Store.DNS promises equal: the sample
// day's resolvers and the dns-tunnel fixtures (TXT answers, NXDOMAIN, bytes above 0x7f).
func TestStoredDNS(t *testing.T) {
	srv := chtest.Start(t)
	c := client(t, srv)
	dirs := []string{filepath.Join("..", "testdata", "zeek"), filepath.Join("..", "detect", "dnstunnel", "testdata")}
	ingest(t, c, chstore.Options{}, dirs...)
	ctx := context.Background()
	inputs, err := chstore.Inputs(ctx, c, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	// the records as the files give them, by position (the store's file table: inputs' order)
	want := &dnsOnly{recs: map[event.Ref]event.DNS{}}
	for id, in := range inputs {
		files, err := source.Expand([]string{in.Name}, nil)
		if err != nil || len(files) != 1 {
			t.Fatalf("%s: %v", in.Name, err)
		}
		o, err := source.Open(files[0], nil)
		if err != nil {
			t.Fatal(err)
		}
		err = o.Format.Read(ctx, o.R, source.FileInfo{ID: uint32(id), Name: in.Name}, source.NewStats(), func(j source.Job) error {
			j.Run(want, source.NewStats())
			return nil
		})
		o.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for _, w := range want.recs {
		if w.Src.IsValid() && w.Query != "" {
			n++
		}
	}
	if n < 1000 {
		t.Fatalf("only %d DNS records in the fixtures", n)
	}
	store := chstore.Store(ctx, c, 0, 0, inputs)
	seen := map[event.Ref]bool{}
	err = store.DNS(func(e *event.DNS) error {
		w, ok := want.recs[e.Ref]
		if !ok {
			return fmt.Errorf("no record at %+v in the files", e.Ref)
		}
		if seen[e.Ref] {
			return fmt.Errorf("%+v handed twice", e.Ref)
		}
		seen[e.Ref] = true
		promised := event.DNS{Query: w.Query, QType: w.QType, QTypeName: w.QTypeName, RCode: w.RCode,
			RCodeName: w.RCodeName, Answers: w.Answers, TTLs: w.TTLs}
		promised.TS, promised.Ref, promised.Src, promised.Dst, promised.DstPort = w.TS, w.Ref, w.Src, w.Dst, w.DstPort
		if !reflect.DeepEqual(*e, promised) {
			return fmt.Errorf("record %+v:\nstore: %+v\nfiles: %+v", e.Ref, *e, promised)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != n {
		t.Errorf("%d records from the store, %d with a client and a query in the files", len(seen), n)
	}
}
