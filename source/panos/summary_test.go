package panos

import (
	"fmt"
	"strings"

	"github.com/sluice-hunt/sluice/event"
)

// The summaries below put the fields of an event that a test checks on one line, so that
// expected events read as a table.

func ts(t event.Time) string { return strings.TrimSuffix(t.String(), ".000000Z") }

func flow(f event.Flow) string {
	return fmt.Sprintf("%s:%d>%s:%d", f.Src, f.SrcPort, f.Dst, f.DstPort)
}

func connSum(e event.Conn) string {
	return fmt.Sprintf("L%d %s %s %s %q dur=%v bytes=%d/%d ip=%d/%d pkts=%d/%d state=%q action=%s rule=%s user=%q uid=%q sensor=%s",
		e.Ref.Line, ts(e.TS), flow(e.Flow), e.Proto, e.Service, e.Duration.Std(), e.OrigBytes, e.RespBytes,
		e.OrigIPBytes, e.RespIPBytes, e.OrigPkts, e.RespPkts, e.ConnState, e.Action, e.Rule, e.User, e.UID, e.Sensor)
}

func httpSum(e event.HTTP) string {
	return fmt.Sprintf("L%d %s %s %q host=%q uri=%q url=%q ua=%q ref=%q mime=%v user=%q action=%s uid=%q",
		e.Ref.Line, ts(e.TS), flow(e.Flow), e.Method, e.Host, e.URI, e.URL, e.UserAgent, e.Referrer, []string(e.RespMimeTypes),
		e.Username, e.Action, e.UID)
}

func fileSum(e event.File) string {
	return fmt.Sprintf("L%d %s %s name=%q source=%s orig=%d sha256=%q uid=%q",
		e.Ref.Line, ts(e.TS), flow(e.Flow), e.Filename, e.Source, e.IsOrig, e.SHA256, e.UID)
}

func noticeSum(e event.Notice) string {
	return fmt.Sprintf("L%d %s %s %s msg=%q sub=%q src=%s dst=%s port=%d actions=%v uid=%q",
		e.Ref.Line, ts(e.TS), flow(e.Flow), e.Note, e.Msg, e.Sub, e.NoticeSrc, e.NoticeDst, e.Port, []string(e.Actions), e.UID)
}

// sums summarises every event a collector got, in the order conn, http, file, notice.
func (c *collector) sums() []string {
	var out []string
	for _, e := range c.conns {
		out = append(out, connSum(e))
	}
	for _, e := range c.https {
		out = append(out, httpSum(e))
	}
	for _, e := range c.files {
		out = append(out, fileSum(e))
	}
	for _, e := range c.notes {
		out = append(out, noticeSum(e))
	}
	return out
}
