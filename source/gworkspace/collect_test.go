package gworkspace

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// collector keeps deep copies of the cloud events it gets.
type collector struct {
	event.NopSink
	got []event.Cloud
}

func (c *collector) Cloud(e *event.Cloud) {
	cp := *e
	for _, s := range []*string{&cp.UID, &cp.Sensor, &cp.SrcName, &cp.Provider, &cp.Service, &cp.Name, &cp.User,
		&cp.UserType, &cp.Role, &cp.AccessKey, &cp.Instance, &cp.Account, &cp.UserAgent, &cp.Region, &cp.Container,
		&cp.Object, &cp.ObjectID, &cp.Scope, &cp.Target, &cp.Error} {
		*s = strings.Clone(*s)
	}
	if cp.Recipients != nil {
		cp.Recipients = append(event.List{}, cp.Recipients...)
		for i := range cp.Recipients {
			cp.Recipients[i] = strings.Clone(cp.Recipients[i])
		}
	}
	c.got = append(c.got, cp)
}

// content renders an event as JSON without its position, to compare events of different files
// and shapes.
func content(e event.Cloud) string {
	e.Ref = event.Ref{}
	b, err := json.Marshal(e)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// readAll reads one input through source.Open and the format it sniffs, running jobs in order.
func readAll(t testing.TB, in source.Input, sink event.Sink, skip event.KindSet) (*source.Stats, error) {
	t.Helper()
	o, err := source.Open(in, nil)
	if err != nil {
		return nil, err
	}
	defer o.Close()
	if o.Format.Name != FormatName {
		t.Fatalf("%s: read as %s", in.Name, o.Format.Name)
	}
	st := source.NewStats()
	err = o.Format.Read(context.Background(), o.R, source.FileInfo{Name: in.Name, Skip: skip}, st, func(j source.Job) error {
		j.Run(sink, st)
		return nil
	})
	if err != nil {
		err = source.ReadError(o, err)
	}
	return st, err
}

func readString(t testing.TB, name, text string, sink event.Sink) (*source.Stats, error) {
	return readAll(t, source.ReaderInput(name, strings.NewReader(text)), sink, 0)
}

func problems(st *source.Stats) string {
	var msgs []string
	for _, p := range st.Problems {
		msgs = append(msgs, p.String())
	}
	return strings.Join(msgs, "\n")
}

// readDirect runs Read on text without sniffing it.
func readDirect(t testing.TB, text string, sink event.Sink, st *source.Stats) error {
	t.Helper()
	return Read(context.Background(), strings.NewReader(text), source.FileInfo{Name: "x.json"}, st, func(j source.Job) error {
		j.Run(sink, st)
		return nil
	})
}
