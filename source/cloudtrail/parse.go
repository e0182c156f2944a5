package cloudtrail

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
	"github.com/sluice-hunt/sluice/source/jsonl"
)

// The short reasons under which skipped records are counted.
const (
	reasonJSON    = "invalid JSON"
	reasonShape   = "not a CloudTrail record"
	reasonTime    = "bad time"
	reasonNoTime  = "no time"
	reasonNesting = "wrappers nested too deep"
	reasonCut     = "record cut short"
	reasonLong    = "line too long"
)

// The log types counted in source.Stats.
const (
	logType    = "cloudtrail"         // records read (or counted as ignored when no detection reads cloud events)
	logDigest  = "cloudtrail-digest"  // digest files
	logControl = "cloudwatch-control" // CloudWatch Logs CONTROL_MESSAGE records
)

// maxWrap is how deep wrappers may nest (a record in a message string in a CloudWatch Logs
// message ...).
const maxWrap = 4

// fields are the members of one JSON object that the reader looks at, by their dotted names
// (nested objects flattened as jsonl does). Values alias the scanned text or buffers that are
// never reused.
type fields struct {
	eventVersion, eventTime, timestamp, eventID, eventSource, eventName []byte
	region, sourceIP, userAgent, errorCode, recipient                   []byte

	idType, idARN, idAccount, idPrincipal, idInvokedBy, idUserName, idAccessKey []byte
	issuerType, issuerARN                                                       []byte
	ec2RoleDelivery                                                             bool

	bucket, key, acl  []byte // requestParameters.bucketName, .key, .x-amz-acl (first)
	bytesIn, bytesOut []byte // additionalEventData.bytesTransferredIn, .bytesTransferredOut

	// wrappers and documents
	detailType, time, account, messageType []byte
	message, raw, resultRaw, ctEvent       []byte
	hasMessage, hasRaw, hasResultRaw       bool
	hasCTEvent                             bool
	logEvents, records, events             bool // the arrays are present

	// digest files
	digestAccount, digestStart []byte
}

// set records one member.
func (f *fields) set(key []byte, kv *jsonl.KV) {
	v := kv.First()
	switch string(key) {
	case "eventVersion":
		f.eventVersion = v
	case "eventTime":
		f.eventTime = v
	case "@timestamp":
		f.timestamp = v
	case "eventID":
		f.eventID = v
	case "eventSource":
		f.eventSource = v
	case "eventName":
		f.eventName = v
	case "awsRegion":
		f.region = v
	case "sourceIPAddress":
		f.sourceIP = v
	case "userAgent":
		f.userAgent = v
	case "errorCode":
		f.errorCode = v
	case "recipientAccountId":
		f.recipient = v
	case "userIdentity.type":
		f.idType = v
	case "userIdentity.arn":
		f.idARN = v
	case "userIdentity.accountId":
		f.idAccount = v
	case "userIdentity.principalId":
		f.idPrincipal = v
	case "userIdentity.invokedBy":
		f.idInvokedBy = v
	case "userIdentity.userName":
		f.idUserName = v
	case "userIdentity.accessKeyId":
		f.idAccessKey = v
	case "userIdentity.sessionContext.sessionIssuer.type":
		f.issuerType = v
	case "userIdentity.sessionContext.sessionIssuer.arn":
		f.issuerARN = v
	case "userIdentity.sessionContext.ec2RoleDelivery":
		f.ec2RoleDelivery = kv.Kind != jsonl.Null
	case "requestParameters.bucketName":
		f.bucket = v
	case "requestParameters.key":
		f.key = v
	case "requestParameters.x-amz-acl":
		f.acl = v
	case "additionalEventData.bytesTransferredIn":
		f.bytesIn = v
	case "additionalEventData.bytesTransferredOut":
		f.bytesOut = v
	case "detail-type":
		f.detailType = v
	case "time":
		f.time = v
	case "account":
		f.account = v
	case "messageType":
		f.messageType = v
	case "message":
		f.message, f.hasMessage = kv.Val, kv.Kind == jsonl.Scalar
	case "_raw":
		f.raw, f.hasRaw = kv.Val, kv.Kind == jsonl.Scalar
	case "result._raw":
		f.resultRaw, f.hasResultRaw = kv.Val, kv.Kind == jsonl.Scalar
	case "CloudTrailEvent":
		f.ctEvent, f.hasCTEvent = kv.Val, kv.Kind == jsonl.Scalar
	case "logEvents":
		f.logEvents = kv.Kind == jsonl.Array
	case "Records":
		f.records = kv.Kind == jsonl.Array
	case "Events":
		f.events = kv.Kind == jsonl.Array
	case "awsAccountId":
		f.digestAccount = v
	case "digestStartTime":
		f.digestStart = v
	}
}

// isRecord reports a CloudTrail record: an eventName, an eventSource that is an AWS service's
// endpoint name, and a time, an event id or an event version.
func (f *fields) isRecord() bool {
	return len(f.eventName) > 0 && isServiceName(f.eventSource) &&
		(len(f.eventTime) > 0 || len(f.timestamp) > 0 || len(f.eventID) > 0 || len(f.eventVersion) > 0)
}

// isServiceName reports an AWS service's name as CloudTrail's eventSource gives it
// ("s3.amazonaws.com", "signin.amazonaws.com"); S3's and Lambda's own notifications say
// "aws:s3", "aws:sqs".
func isServiceName(b []byte) bool {
	const suffix = ".amazonaws.com"
	if len(b) <= len(suffix) || !bytes.HasSuffix(b, []byte(suffix)) {
		return false
	}
	for _, c := range b[:len(b)-len(suffix)] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// isDigest reports a CloudTrail digest file's object.
func (f *fields) isDigest() bool { return len(f.digestAccount) > 0 && len(f.digestStart) > 0 }

// outer is what a wrapper tells about the record inside it.
type outer struct {
	ts      event.Time // the wrapper's time (EventBridge's time, Logstash's @timestamp, a log event's timestamp)
	hasTS   bool
	account []byte // EventBridge's account
}

// skipErr is a record that cannot be read.
type skipErr struct{ reason, msg string }

// parser maps records to events. It is not safe for concurrent use.
type parser struct {
	sc   jsonl.Scanner
	f    source.FileInfo
	st   *source.Stats
	sink event.Sink
	e    event.Cloud
	// counts, for Sniff: records recognized (readable or not), digests, control messages,
	// documents of records
	recognized, digests, controls, documents int
}

func newParser(f source.FileInfo, st *source.Stats, sink event.Sink) *parser {
	return &parser{f: f, st: st, sink: sink}
}

// value reads one JSON value at position pos: a line, or a value of a document.
func (p *parser) value(b []byte, pos uint32) {
	if err := p.handle(b, pos, 0, nil); err != nil {
		p.st.Skip(p.f, pos, err.reason, err.msg)
	}
}

// scan flattens the object b into its members. Objects nested deeper than the jsonl scanner
// allows are flattened with encoding/json instead.
func (p *parser) scan(b []byte) ([]jsonl.KV, error) {
	kvs, err := p.sc.Scan(b)
	if err == nil {
		return kvs, nil
	}
	if len(b) > 0 && json.Valid(b) {
		if kvs, ok := flatten(b); ok {
			return kvs, nil
		}
	}
	return nil, err
}

// handle reads the JSON value b: a record, a wrapper holding records, a document of records, a
// digest. It returns the reason the value as a whole cannot be read; records inside a
// wrapper that cannot be read are reported one by one.
func (p *parser) handle(b []byte, pos uint32, depth int, out *outer) *skipErr {
	if depth > maxWrap {
		return &skipErr{reasonNesting, fmt.Sprintf("wrappers nested more than %d deep", maxWrap)}
	}
	kvs, err := p.scan(b)
	if err != nil {
		if depth > 0 {
			return &skipErr{reasonJSON, "the record inside the wrapper is not a JSON object: " + err.Error()}
		}
		return &skipErr{reasonJSON, "not a JSON object: " + err.Error()}
	}
	var top, det fields
	for i := range kvs {
		k := kvs[i].Key
		if rest, ok := bytes.CutPrefix(k, []byte("detail.")); ok {
			det.set(rest, &kvs[i])
		} else {
			top.set(k, &kvs[i])
		}
	}
	switch {
	case top.isDigest():
		p.digests++
		p.st.Ignored[logDigest]++
		return nil
	case top.isRecord():
		return p.emit(&top, b, false, pos, out)
	case det.isRecord(): // EventBridge: "AWS API Call via CloudTrail" and the like
		o := outer{account: top.account}
		if len(top.time) > 0 {
			if t, err := jsonl.ParseTime(top.time); err == nil {
				o.ts, o.hasTS = t, true
			}
		}
		if !o.hasTS && out != nil {
			o.ts, o.hasTS = out.ts, out.hasTS
		}
		return p.emit(&det, b, true, pos, &o)
	case top.records || top.events:
		p.documents++
		var doc struct {
			Records []json.RawMessage `json:"Records"`
			Events  []json.RawMessage `json:"Events"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			return &skipErr{reasonJSON, "a Records document that does not decode: " + err.Error()}
		}
		for _, r := range append(doc.Records, doc.Events...) {
			if e := p.handle(r, pos, depth+1, out); e != nil {
				p.st.Skip(p.f, pos, e.reason, e.msg)
			}
		}
		return nil
	case string(top.messageType) == "CONTROL_MESSAGE":
		p.controls++
		p.st.Ignored[logControl]++
		return nil
	case top.logEvents:
		return p.logEvents(b, pos, depth)
	}
	// a record inside a JSON string
	o := outer{account: top.account}
	for _, t := range [][]byte{top.timestamp, top.time} {
		if len(t) > 0 {
			if ts, err := jsonl.ParseTime(t); err == nil {
				o.ts, o.hasTS = ts, true
				break
			}
		}
	}
	if !o.hasTS && out != nil {
		o.ts, o.hasTS = out.ts, out.hasTS
	}
	for _, w := range []struct {
		name string
		has  bool
		val  []byte
	}{{"CloudTrailEvent", top.hasCTEvent, top.ctEvent}, {"message", top.hasMessage, top.message},
		{"_raw", top.hasRaw, top.raw}, {"result._raw", top.hasResultRaw, top.resultRaw}} {
		if !w.has {
			continue
		}
		inner := bytes.TrimSpace(w.val)
		if len(inner) == 0 || inner[0] != '{' {
			continue
		}
		e := p.handle(inner, pos, depth+1, &o)
		if e != nil && e.reason == reasonShape {
			e.msg = w.name + " holds no CloudTrail record: " + e.msg
		}
		return e
	}
	return &skipErr{reasonShape, describe(kvs)}
}

// logEvents reads CloudWatch Logs subscription data: each log event's message is a record.
func (p *parser) logEvents(b []byte, pos uint32, depth int) *skipErr {
	var m struct {
		LogEvents []struct {
			Timestamp json.Number `json:"timestamp"`
			Message   string      `json:"message"`
		} `json:"logEvents"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return &skipErr{reasonJSON, "CloudWatch Logs data that does not decode: " + err.Error()}
	}
	for _, le := range m.LogEvents {
		var o outer
		if ms, err := jsonl.ParseInt([]byte(le.Timestamp)); err == nil && le.Timestamp != "" {
			o.ts, o.hasTS = event.Time(ms*1000), true
		}
		inner := bytes.TrimSpace([]byte(le.Message))
		var e *skipErr
		if len(inner) == 0 || inner[0] != '{' {
			e = &skipErr{reasonShape, "a CloudWatch Logs message that is not a JSON object"}
		} else {
			e = p.handle(inner, pos, depth+1, &o)
		}
		if e != nil {
			p.st.Skip(p.f, pos, e.reason, "log event: "+e.msg)
		}
	}
	return nil
}

// describe says what an object that is no CloudTrail record holds.
func describe(kvs []jsonl.KV) string {
	var keys []string
	for i := range kvs {
		k := string(kvs[i].Key)
		if i := strings.IndexByte(k, '.'); i >= 0 {
			k = k[:i]
		}
		if len(keys) == 0 || keys[len(keys)-1] != k {
			keys = append(keys, k)
		}
		if len(keys) == 6 {
			keys = append(keys, "...")
			break
		}
	}
	if len(keys) == 0 {
		return "an empty object"
	}
	return "no eventName and AWS eventSource (keys " + strings.Join(keys, ", ") + ")"
}

// emit maps the record f (whose text is b; inside b's "detail" when inDetail) to an event.
func (p *parser) emit(f *fields, b []byte, inDetail bool, pos uint32, out *outer) *skipErr {
	p.recognized++
	var ts event.Time
	switch {
	case len(f.eventTime) > 0:
		t, err := jsonl.ParseTime(f.eventTime)
		if err != nil {
			return &skipErr{reasonTime, fmt.Sprintf("eventTime %q is not a time", clip(f.eventTime))}
		}
		ts = t
	case len(f.timestamp) > 0:
		t, err := jsonl.ParseTime(f.timestamp)
		if err != nil {
			return &skipErr{reasonTime, fmt.Sprintf("@timestamp %q is not a time", clip(f.timestamp))}
		}
		ts = t
	case out != nil && out.hasTS:
		ts = out.ts
	default:
		return &skipErr{reasonNoTime, "a record without eventTime or @timestamp"}
	}
	if p.f.Skip.Has(event.KindCloud) {
		p.st.Ignored[logType]++
		return nil
	}
	p.e = event.Cloud{}
	e := &p.e
	e.Ref = p.f.Ref(pos)
	e.TS = ts
	e.UID = jsonl.Str(f.eventID)
	e.Provider = "aws"
	e.Service = jsonl.Str(f.eventSource)
	e.Name = jsonl.Str(f.eventName)
	e.Region = jsonl.Str(f.region)
	e.UserAgent = jsonl.Str(f.userAgent)
	e.Error = jsonl.Str(f.errorCode)
	if len(f.sourceIP) > 0 {
		if a, err := jsonl.ParseAddr(f.sourceIP); err == nil {
			e.Src = a.Unmap()
		} else {
			e.SrcName = jsonl.Str(f.sourceIP)
		}
	}
	e.User = user(f)
	e.UserType = jsonl.Str(f.idType)
	e.AccessKey = jsonl.Str(f.idAccessKey)
	if string(f.issuerType) == "Role" {
		e.Role = jsonl.Str(f.issuerARN)
	}
	e.Instance = instance(f)
	switch {
	case len(f.recipient) > 0:
		e.Account = jsonl.Str(f.recipient)
	case len(f.idAccount) > 0:
		e.Account = jsonl.Str(f.idAccount)
	case out != nil:
		e.Account = jsonl.Str(out.account)
	}
	e.Bytes = event.Unset
	e.Count = 1
	p.operation(e, f, b, inDetail)
	p.st.Read[logType]++
	p.sink.Cloud(e)
	return nil
}

// user names the caller: userIdentity.arn; for an AWS service its invokedBy; for another
// account's caller (AWSAccount) its accountId; else "type:principalId", the userName or the
// accountId.
func user(f *fields) string {
	typ := jsonl.Str(f.idType)
	switch {
	case len(f.idARN) > 0:
		return jsonl.Str(f.idARN)
	case typ == "AWSService" && len(f.idInvokedBy) > 0:
		return jsonl.Str(f.idInvokedBy)
	case typ == "AWSAccount" && len(f.idAccount) > 0:
		return jsonl.Str(f.idAccount)
	case len(f.idPrincipal) > 0:
		if typ == "" {
			return jsonl.Str(f.idPrincipal)
		}
		return typ + ":" + jsonl.Str(f.idPrincipal)
	case len(f.idUserName) > 0:
		return jsonl.Str(f.idUserName)
	case len(f.idInvokedBy) > 0:
		return jsonl.Str(f.idInvokedBy)
	}
	return jsonl.Str(f.idAccount)
}

// instance returns the EC2 instance whose role credentials made the call: the session name
// of an assumed-role ARN when it is an instance id, and the session is an instance profile's
// (sessionContext.ec2RoleDelivery) or a role's.
func instance(f *fields) string {
	if !f.ec2RoleDelivery && string(f.issuerType) != "Role" {
		return ""
	}
	arn := jsonl.Str(f.idARN)
	// arn:<partition>:sts::<account>:assumed-role/<role>/<session>
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sts" || !strings.HasPrefix(parts[5], "assumed-role/") {
		return ""
	}
	session := parts[5][strings.LastIndexByte(parts[5], '/')+1:]
	if isInstanceID(session) {
		return session
	}
	return ""
}

// isInstanceID reports an EC2 instance id: "i-" and 8 or 17 hexadecimal digits.
func isInstanceID(s string) bool {
	h, ok := strings.CutPrefix(s, "i-")
	if !ok || len(h) != 8 && len(h) != 17 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// clip shortens a value quoted in a message.
func clip(b []byte) []byte {
	if len(b) > 60 {
		return append(bytes.Clone(b[:57]), "..."...)
	}
	return b
}

// flatten flattens an object as the jsonl scanner does (dotted keys, scalar array items),
// with encoding/json: for objects nested deeper than the scanner goes.
func flatten(b []byte) ([]jsonl.KV, bool) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, false
	}
	var kvs []jsonl.KV
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for _, k := range keys(m) {
			v := m[k]
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			switch v := v.(type) {
			case map[string]any:
				walk(key, v)
			case []any:
				kv := jsonl.KV{Key: []byte(key), Kind: jsonl.Array}
				for _, it := range v {
					if s, ok := scalarText(it); ok {
						kv.Items = append(kv.Items, s)
					}
				}
				kvs = append(kvs, kv)
			case nil:
				kvs = append(kvs, jsonl.KV{Key: []byte(key), Kind: jsonl.Null})
			default:
				s, _ := scalarText(v)
				kvs = append(kvs, jsonl.KV{Key: []byte(key), Val: s, Kind: jsonl.Scalar})
			}
		}
	}
	walk("", m)
	return kvs, true
}

// scalarText is the text of a decoded scalar as the jsonl scanner gives it.
func scalarText(v any) ([]byte, bool) {
	switch v := v.(type) {
	case string:
		return []byte(v), true
	case json.Number:
		return []byte(v), true
	case bool:
		if v {
			return []byte("true"), true
		}
		return []byte("false"), true
	}
	return nil, false
}
