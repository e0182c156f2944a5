package gworkspace

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// logType counts the events read (or ignored, when no detection reads cloud events).
const logType = "gworkspace"

// Problem reasons, as counted in the run's summary.
const (
	reasonJSON        = "invalid JSON"
	reasonNotActivity = "not a Workspace activity"
	reasonBad         = "bad Workspace activity"
	reasonLong        = "line too long"
)

// problem is a record that cannot be read: the reason counted and the message shown.
type problem struct{ reason, msg string }

func (p *problem) Error() string { return p.msg }

// The Reports API's activity resource (admin#reports#activity), as far as the reader uses it.
type activity struct {
	Kind        string     `json:"kind"`
	ID          activityID `json:"id"`
	Actor       actor      `json:"actor"`
	OwnerDomain string     `json:"ownerDomain"`
	IPAddress   string     `json:"ipAddress"`
	Events      []evt      `json:"events"`
}

type activityID struct {
	Time            flexStr `json:"time"`
	UniqueQualifier flexStr `json:"uniqueQualifier"`
	ApplicationName string  `json:"applicationName"`
	CustomerID      string  `json:"customerId"`
}

type actor struct {
	CallerType      string  `json:"callerType"`
	Email           string  `json:"email"`
	ProfileID       flexStr `json:"profileId"`
	Key             string  `json:"key"`
	ApplicationInfo struct {
		ApplicationName string `json:"applicationName"`
	} `json:"applicationInfo"`
}

type evt struct {
	Type       string  `json:"type"`
	Name       string  `json:"name"`
	Parameters []param `json:"parameters"`
	Status     struct {
		EventStatus  string `json:"eventStatus"`
		ErrorCode    string `json:"errorCode"`
		ErrorMessage string `json:"errorMessage"`
	} `json:"status"`
}

// param is an event parameter: a name and one of the value kinds; messageValue and
// multiMessageValue nest parameters.
type param struct {
	Name              string     `json:"name"`
	Value             flexStr    `json:"value"`
	IntValue          flexStr    `json:"intValue"`
	BoolValue         flexStr    `json:"boolValue"`
	MultiValue        []flexStr  `json:"multiValue"`
	MultiIntValue     []flexStr  `json:"multiIntValue"`
	MultiBoolValue    []flexStr  `json:"multiBoolValue"`
	MessageValue      *msgValue  `json:"messageValue"`
	MultiMessageValue []msgValue `json:"multiMessageValue"`
}

type msgValue struct {
	Parameter []param `json:"parameter"`
}

// flexStr is a JSON scalar kept as text: a string unescaped, a number or boolean as written.
// set tells whether the key was present (null counts as absent).
type flexStr struct {
	s   string
	set bool
}

func (f *flexStr) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) == 0:
		return nil
	case b[0] == '"':
		if bytes.IndexByte(b, '\\') < 0 {
			f.s, f.set = string(b[1:len(b)-1]), true
			return nil
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		f.s, f.set = s, true
	case b[0] == '{' || b[0] == '[':
		return errors.New("not a scalar")
	case string(b) == "null":
		*f = flexStr{}
	default:
		f.s, f.set = string(b), true
	}
	return nil
}

// wrapper holds the fields that other tools wrap an activity in, beside the activity's own.
type wrapper struct {
	activity
	Items   json.RawMessage `json:"items"`   // a page of activities
	Results json.RawMessage `json:"results"` // Splunk's results document
	Raw     json.RawMessage `json:"_raw"`    // Splunk
	Message json.RawMessage `json:"message"` // Logstash, Filebeat's httpjson input
	Result  *struct {
		Raw json.RawMessage `json:"_raw"`
	} `json:"result"` // Splunk's search export
	Event *struct {
		Original json.RawMessage `json:"original"`
	} `json:"event"` // Elastic (ECS) event.original
	EventOriginal json.RawMessage `json:"event.original"` // the same, flattened
}

// oneEvent is an activity whose events member is a single event: Filebeat's and Elastic Agent's
// google_workspace input split an activity's events into one document each.
type oneEvent struct {
	Events evt `json:"events"`
}

// kv is a flattened event parameter: nested parameters are named with dots
// ("message_info.destination.address"); a multi-value parameter gives one kv per value.
type kv struct {
	name, val string
}

// parser turns records into events, reusing its buffers. It is not safe for concurrent use.
type parser struct {
	kvs []kv
	e   event.Cloud
}

// maxUnwrap is how many wrappers deep an activity is looked for.
const maxUnwrap = 3

// record reads one record (a line, or a record the document scanner found) and sends an
// event.Cloud for each event of each activity it holds. pos is the events' position
// (event.Ref.Line); line is where problems are reported.
func (p *parser) record(text []byte, f source.FileInfo, pos, line uint32, st *source.Stats, sink event.Sink) {
	if err := p.unwrap(text, 0, f, pos, line, st, sink); err != nil {
		p.skip(err, f, pos, line, st)
	}
}

// skip reports a record (or a page's item) that cannot be read.
func (p *parser) skip(err error, f source.FileInfo, pos, line uint32, st *source.Stats) {
	var pr *problem
	if !errors.As(err, &pr) {
		pr = &problem{reasonBad, err.Error()}
	}
	msg := pr.msg
	if pos != line {
		msg = fmt.Sprintf("record %d: %s", pos, msg)
	}
	st.Skip(f, line, pr.reason, msg)
}

// unwrap decodes text as an activity, a page of activities or a wrapper around one, and emits
// its events.
func (p *parser) unwrap(text []byte, depth int, f source.FileInfo, pos, line uint32, st *source.Stats, sink event.Sink) error {
	var w wrapper
	err := json.Unmarshal(text, &w)
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
	case errors.As(err, &te):
		if (te.Field == "events" || strings.HasSuffix(te.Field, ".events")) && te.Value == "object" {
			// Filebeat's split: one event, as an object
			var one oneEvent
			if json.Unmarshal(text, &one) == nil {
				w.Events = []evt{one.Events}
				err = nil
			}
		}
	default:
		return jsonProblem(err, text)
	}
	if isActivity(&w.activity) {
		if err != nil {
			return &problem{reasonBad, "activity field " + describeTypeError(err)}
		}
		return p.activity(&w.activity, f, pos, st, sink)
	}
	if len(w.Items) > 0 && w.Items[0] == '[' && depth < maxUnwrap {
		return p.page(w.Items, depth, f, pos, line, st, sink)
	}
	if len(w.Results) > 0 && w.Results[0] == '[' && depth < maxUnwrap {
		return p.page(w.Results, depth, f, pos, line, st, sink)
	}
	if w.Kind == kindActivities {
		return nil // a page without items: a report with no activities
	}
	if depth < maxUnwrap {
		for _, inner := range []json.RawMessage{eventOriginal(&w), w.Message, w.Raw, resultRaw(&w)} {
			s, ok := jsonString(inner)
			if !ok {
				continue
			}
			if t := bytes.TrimSpace(s); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
				return p.unwrap(t, depth+1, f, pos, line, st, sink)
			}
		}
	}
	if err != nil {
		return &problem{reasonNotActivity, "not a Workspace activity (" + describeTypeError(err) + ")"}
	}
	if w.Kind != "" {
		return &problem{reasonNotActivity, fmt.Sprintf("not a Workspace activity: kind %q", clip(w.Kind))}
	}
	return &problem{reasonNotActivity, "not a Workspace activity: no id.time, id.applicationName and events"}
}

func eventOriginal(w *wrapper) json.RawMessage {
	if w.Event == nil || w.Event.Original == nil {
		return w.EventOriginal
	}
	return w.Event.Original
}

func resultRaw(w *wrapper) json.RawMessage {
	if w.Result == nil {
		return nil
	}
	return w.Result.Raw
}

// jsonString returns the text of a JSON string value.
func jsonString(raw json.RawMessage) ([]byte, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return nil, false
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1], true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return nil, false
	}
	return []byte(s), true
}

// page emits the events of a page's items (a JSON array): activities, or records wrapping
// them; an item that cannot be read is reported on its own.
func (p *parser) page(items json.RawMessage, depth int, f source.FileInfo, pos, line uint32, st *source.Stats, sink event.Sink) error {
	var list []json.RawMessage
	if err := json.Unmarshal(items, &list); err != nil {
		return jsonProblem(err, items)
	}
	for i, it := range list {
		if err := p.unwrap(it, depth+1, f, pos, line, st, sink); err != nil {
			var pr *problem
			if errors.As(err, &pr) {
				err = &problem{pr.reason, fmt.Sprintf("item %d of a page: %s", i+1, pr.msg)}
			}
			p.skip(err, f, pos, line, st)
		}
	}
	return nil
}

// isActivity reports an activity resource: its kind, or an id with a time and an application
// and an events member.
func isActivity(a *activity) bool {
	if a.Kind == kindActivity {
		return true
	}
	return a.ID.Time.set && a.ID.ApplicationName != "" && a.Events != nil
}

const (
	kindActivity   = "admin#reports#activity"
	kindActivities = "admin#reports#activities"
)

// jsonProblem describes a decoding error with the byte where it happened.
func jsonProblem(err error, text []byte) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		msg := fmt.Sprintf("invalid JSON at byte %d: %s", se.Offset, se.Error())
		if se.Offset >= int64(len(bytes.TrimRight(text, " \t\r\n"))) {
			msg += " (cut short?)"
		}
		return &problem{reasonJSON, msg}
	}
	if len(bytes.TrimSpace(text)) == 0 {
		return &problem{reasonJSON, "empty record"}
	}
	return &problem{reasonJSON, "invalid JSON: " + err.Error()}
}

func describeTypeError(err error) string {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return err.Error()
	}
	want := "another type"
	if te.Type != nil {
		switch te.Type.Kind() {
		case reflect.String:
			want = "a string"
		case reflect.Slice:
			want = "an array"
		case reflect.Struct, reflect.Pointer:
			want = "an object"
		case reflect.Bool:
			want = "a boolean"
		}
	}
	return fmt.Sprintf("%s: a JSON %s where %s belongs", strings.TrimPrefix(te.Field, "activity."), te.Value, want)
}

// activity emits one event per event of a.
func (p *parser) activity(a *activity, f source.FileInfo, pos uint32, st *source.Stats, sink event.Sink) error {
	ts, err := parseTime(a.ID.Time)
	if err != nil {
		return &problem{reasonBad, err.Error()}
	}
	if len(a.Events) == 0 {
		st.Ignored[logType]++ // an activity without events says nothing
		return nil
	}
	if f.Skip.Has(event.KindCloud) {
		st.Ignored[logType] += int64(len(a.Events))
		return nil
	}
	for i := range a.Events {
		p.flatten(a.Events[i].Parameters)
		p.e = event.Cloud{}
		e := &p.e
		e.Ref = f.Ref(pos)
		e.TS = ts
		e.UID = a.ID.UniqueQualifier.s
		if len(a.Events) > 1 && e.UID != "" {
			e.UID += "#" + strconv.Itoa(i+1)
		}
		p.mapEvent(a, &a.Events[i], e)
		st.Read[logType]++
		sink.Cloud(e)
	}
	return nil
}

// flatten lists the parameters of an event as kvs.
func (p *parser) flatten(ps []param) {
	p.kvs = p.kvs[:0]
	p.flattenInto("", ps, 0)
}

func (p *parser) flattenInto(prefix string, ps []param, depth int) {
	for i := range ps {
		q := &ps[i]
		name := q.Name
		if prefix != "" {
			name = prefix + "." + name
		}
		add := func(v flexStr) {
			if v.set {
				p.kvs = append(p.kvs, kv{name, v.s})
			}
		}
		add(q.Value)
		add(q.IntValue)
		add(q.BoolValue)
		for _, v := range q.MultiValue {
			add(v)
		}
		for _, v := range q.MultiIntValue {
			add(v)
		}
		for _, v := range q.MultiBoolValue {
			add(v)
		}
		if depth >= 8 {
			continue
		}
		if q.MessageValue != nil {
			p.flattenInto(name, q.MessageValue.Parameter, depth+1)
		}
		for j := range q.MultiMessageValue {
			p.flattenInto(name, q.MultiMessageValue[j].Parameter, depth+1)
		}
	}
}

// get returns the first value of the named parameter ("" when absent).
func (p *parser) get(name string) string {
	for i := range p.kvs {
		if p.kvs[i].name == name {
			return p.kvs[i].val
		}
	}
	return ""
}

// has reports whether the named parameter has a value.
func (p *parser) has(name string) bool {
	for i := range p.kvs {
		if p.kvs[i].name == name {
			return true
		}
	}
	return false
}

// all returns every value of the named parameter, nil when there is none.
func (p *parser) all(name string) []string {
	var out []string
	for i := range p.kvs {
		if p.kvs[i].name == name {
			out = append(out, p.kvs[i].val)
		}
	}
	return out
}

// parseTime reads id.time: RFC 3339 as the API writes it; also RFC 3339 with a space for the T
// and no zone (UTC), and UNIX epoch seconds (the resource's description says so), milliseconds
// or microseconds told apart by magnitude.
func parseTime(v flexStr) (event.Time, error) {
	if !v.set || v.s == "" {
		return 0, errors.New("no id.time")
	}
	s := v.s
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return event.FromStd(t), nil
	}
	if t, err := time.Parse("2006-01-02 15:04:05.999999999Z07:00", s); err == nil {
		return event.FromStd(t), nil
	}
	if t, err := time.Parse("2006-01-02 15:04:05.999999999", s); err == nil {
		return event.FromStd(t), nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 && f < 1e17 {
		switch {
		case f >= 1e14:
			return event.Time(f), nil
		case f >= 1e11:
			return event.Time(f * 1e3), nil
		default:
			return event.Time(f * 1e6), nil
		}
	}
	return 0, fmt.Errorf("id.time: bad time %q", clip(s))
}

// clip shortens a value quoted in a message.
func clip(s string) string {
	if len(s) <= 64 {
		return s
	}
	i := 64
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

// domainOf returns the domain of an e-mail address, or s itself when it has no '@' (a
// domain name already), lower-cased.
func domainOf(s string) string {
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	return strings.ToLower(strings.TrimSpace(s))
}

// sameOrg reports whether domain d belongs to org domain o: equal, or a subdomain either way.
func sameOrg(d, o string) bool {
	d, o = strings.ToLower(d), strings.ToLower(o)
	return d == o || strings.HasSuffix(d, "."+o) || strings.HasSuffix(o, "."+d)
}
