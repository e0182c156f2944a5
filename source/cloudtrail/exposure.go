package cloudtrail

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source/jsonl"
)

// call is what the reader makes of an operation.
type call uint8

const (
	callOther        call = iota
	callUpload            // Bytes from bytesTransferredIn
	callUploadNoSize      // an upload whose logged bytes are not the object's (copies, the multipart completion)
	callDownload          // Bytes from bytesTransferredOut
	callList
	callPolicy         // PutBucketPolicy
	callACL            // PutBucketAcl, PutObjectAcl
	callPABPut         // Put*PublicAccessBlock
	callPABDelete      // Delete*PublicAccessBlock
	callReplication    // PutBucketReplication
	callSnapshotAttr   // EC2 ModifySnapshotAttribute
	callImageAttr      // EC2 ModifyImageAttribute
	callDBSnapshotAttr // RDS Modify(DB|DBCluster)SnapshotAttribute
	callSnapshot       // snapshot creation and copies
)

// s3Services are the eventSource values of S3's buckets: general purpose, directory (S3
// Express One Zone) and Outposts buckets.
var s3Services = map[string]bool{"s3.amazonaws.com": true, "s3express.amazonaws.com": true, "s3-outposts.amazonaws.com": true}

var s3Calls = map[string]call{
	"PutObject":                      callUpload,
	"UploadPart":                     callUpload,
	"PostObject":                     callUpload,
	"CopyObject":                     callUploadNoSize,
	"UploadPartCopy":                 callUploadNoSize,
	"CompleteMultipartUpload":        callUploadNoSize,
	"GetObject":                      callDownload,
	"SelectObjectContent":            callDownload,
	"ListBuckets":                    callList,
	"ListObjects":                    callList,
	"ListObjectsV2":                  callList,
	"ListObjectVersions":             callList,
	"PutBucketPolicy":                callPolicy,
	"PutBucketAcl":                   callACL,
	"PutObjectAcl":                   callACL,
	"PutBucketPublicAccessBlock":     callPABPut,
	"PutPublicAccessBlock":           callPABPut,
	"PutAccountPublicAccessBlock":    callPABPut,
	"DeleteBucketPublicAccessBlock":  callPABDelete,
	"DeletePublicAccessBlock":        callPABDelete,
	"DeleteAccountPublicAccessBlock": callPABDelete,
	"PutBucketReplication":           callReplication,
}

var ec2Calls = map[string]call{
	"CreateSnapshot":          callSnapshot,
	"CreateSnapshots":         callSnapshot,
	"CopySnapshot":            callSnapshot,
	"ModifySnapshotAttribute": callSnapshotAttr,
	"ModifyImageAttribute":    callImageAttr,
}

var rdsCalls = map[string]call{
	"CreateDBSnapshot":                 callSnapshot,
	"CreateDBClusterSnapshot":          callSnapshot,
	"CopyDBSnapshot":                   callSnapshot,
	"CopyDBClusterSnapshot":            callSnapshot,
	"ModifyDBSnapshotAttribute":        callDBSnapshotAttr,
	"ModifyDBClusterSnapshotAttribute": callDBSnapshotAttr,
}

// lookup returns what the operation name of a service is.
func lookup(service, name string) call {
	switch {
	case s3Services[service]:
		return s3Calls[name]
	case service == "ec2.amazonaws.com":
		return ec2Calls[name]
	case service == "rds.amazonaws.com":
		return rdsCalls[name]
	}
	return callOther
}

// operation sets the event's Op and what the operation moved or exposed. e.Account is set.
func (p *parser) operation(e *event.Cloud, f *fields, b []byte, inDetail bool) {
	c := lookup(e.Service, e.Name)
	if s3Services[e.Service] {
		e.Container = jsonl.Str(f.bucket)
		e.Object = jsonl.Str(f.key)
	}
	failed := e.Error != ""
	switch c {
	case callOther:
		return
	case callUpload, callUploadNoSize:
		e.Op = event.CloudUpload
		if c == callUpload && !failed {
			e.Bytes = size(f.bytesIn)
		}
		e.Owner = bucketOwner(b, inDetail)
		// an object written with a canned ACL that opens it
		if len(f.acl) > 0 {
			var v verdict
			v.canned(jsonl.Str(f.acl))
			if v.rank >= rankExternal {
				e.Scope, e.Target = v.result()
			}
		}
		return
	case callDownload:
		e.Op = event.CloudDownload
		if !failed {
			e.Bytes = size(f.bytesOut)
		}
		return
	case callList:
		e.Op = event.CloudList
		return
	}
	req, resp := requestOf(b, inDetail)
	own := e.Account
	var v verdict
	switch c {
	case callPolicy:
		e.Op = event.CloudShare
		v.policy(req, own)
	case callACL:
		e.Op = event.CloudShare
		v.acl(req)
	case callPABDelete:
		e.Op = event.CloudShare
		v.add(rankPublic, "public access block removed")
	case callPABPut:
		if lifted := liftedBlocks(req); len(lifted) > 0 {
			e.Op = event.CloudShare
			v.add(rankPublic, "public access block lifted: "+strings.Join(lifted, ","))
		}
	case callReplication:
		e.Op = event.CloudReplicate
		v.replication(req, own)
	case callSnapshotAttr:
		e.Container = str(req["snapshotId"])
		if v.permissions(req, "createVolumePermission", own) {
			e.Op = event.CloudShare
		}
	case callImageAttr:
		e.Container = str(req["imageId"])
		if v.permissions(req, "launchPermission", own) {
			e.Op = event.CloudShare
		}
	case callDBSnapshotAttr:
		e.Container = first(req, "dBSnapshotIdentifier", "dBClusterSnapshotIdentifier")
		if v.restore(req, own) {
			e.Op = event.CloudShare
		}
	case callSnapshot:
		e.Op = event.CloudSnapshot
		snapshot(e, req, resp)
		return
	}
	if e.Op == event.CloudShare || e.Op == event.CloudReplicate {
		e.Scope, e.Target = v.result()
	}
}

// bucketOwner returns the account of the record's bucket: resources[] holds the bucket
// (type AWS::S3::Bucket) with the accountId of its owner; "" when the record does not say.
func bucketOwner(b []byte, inDetail bool) string {
	if inDetail {
		b = members(b, "detail")[0]
	}
	r := bytes.TrimSpace(members(b, "resources")[0])
	if len(r) == 0 || r[0] != '[' {
		return ""
	}
	var res []struct {
		Type      string `json:"type"`
		AccountID string `json:"accountId"`
	}
	if json.Unmarshal(r, &res) != nil {
		return ""
	}
	for _, x := range res {
		if x.Type == "AWS::S3::Bucket" {
			return x.AccountID
		}
	}
	return ""
}

// size reads bytesTransferredIn/Out: a number, possibly written as a float (89.0) or a string.
func size(b []byte) int64 {
	if len(b) == 0 {
		return event.Unset
	}
	n, err := jsonl.ParseInt(b)
	if err != nil || n < 0 {
		return event.Unset
	}
	return n
}

// requestOf decodes the record's requestParameters and responseElements (the record is b, or
// b's "detail").
func requestOf(b []byte, inDetail bool) (req, resp map[string]any) {
	if inDetail {
		b = members(b, "detail")[0]
	}
	m := members(b, "requestParameters", "responseElements")
	return decodeObject(m[0]), decodeObject(m[1])
}

// members returns the texts of the named members of the object b (nil when absent), finding
// where values end as the document reader does; the values are decoded (and checked) later.
func members(b []byte, names ...string) [][]byte {
	out := make([][]byte, len(names))
	d := &docReader{buf: b, eof: true, max: len(b) + 1}
	c, ok := d.peek()
	if !ok || c != '{' {
		return out
	}
	d.pos++
	for n := 0; ; n++ {
		if c, ok = d.peek(); !ok || c == '}' {
			return out
		}
		if n > 0 {
			if c != ',' {
				return out
			}
			d.pos++
			if c, ok = d.peek(); !ok {
				return out
			}
		}
		if c != '"' {
			return out
		}
		start, end, err := d.span(d.pos)
		if err != nil {
			return out
		}
		key := b[start+1 : end-1]
		d.pos = end
		if c, ok = d.peek(); !ok || c != ':' {
			return out
		}
		d.pos++
		if _, ok = d.peek(); !ok {
			return out
		}
		vs, ve, err := d.span(d.pos)
		if err != nil {
			return out
		}
		d.pos = ve
		for i, name := range names {
			if string(key) == name {
				out[i] = b[vs:ve]
			}
		}
	}
}

// decodeObject decodes a JSON object (numbers kept as text); nil for anything else.
func decodeObject(b []byte) map[string]any {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if d.Decode(&m) != nil {
		return nil
	}
	return m
}

// The helpers below read decoded JSON of loosely known shape.

// keys returns a map's keys sorted, for results that do not depend on map order.
func keys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// list is an array's elements, a single value as a list of one, nothing for null.
func list(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	}
	return []any{v}
}

func str(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return string(v)
	case bool:
		if v {
			return "true"
		}
		return "false"
	}
	return ""
}

// strs is the non-empty strings of a value or of its elements.
func strs(v any) []string {
	var out []string
	for _, it := range list(v) {
		if s := str(it); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// get follows keys through nested objects.
func get(v any, keys ...string) any {
	for _, k := range keys {
		m := obj(v)
		if m == nil {
			return nil
		}
		v = m[k]
	}
	return v
}

// first returns the first of the keys that holds a string.
func first(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s := str(m[k]); s != "" {
			return s
		}
	}
	return ""
}

// The ranks of who gains access, from the least open.
const (
	rankNone     = iota
	rankInternal // the account itself, its organisation or networks, an AWS service
	rankUnknown  // someone the log does not say enough about
	rankExternal // another account
	rankPublic   // anyone
)

// verdict collects who a request opens data to: the most open rank seen and what the request
// names at that rank.
type verdict struct {
	rank    int
	targets []string
}

func (v *verdict) add(rank int, target string) {
	switch {
	case rank > v.rank:
		v.rank, v.targets = rank, nil
	case rank < v.rank:
		return
	}
	if target != "" && !slices.Contains(v.targets, target) {
		v.targets = append(v.targets, target)
	}
}

// result is the event's Scope and Target.
func (v *verdict) result() (scope, target string) {
	switch v.rank {
	case rankPublic:
		scope = event.ScopePublic
	case rankExternal:
		scope = event.ScopeExternal
	case rankInternal:
		scope = event.ScopeInternal
	}
	return scope, strings.Join(v.targets, ",")
}

// account adds an account id granted access: internal when it is the account's own, external
// when another, unknown when the account's own id is not in the record.
func (v *verdict) account(id, own string) {
	switch {
	case own == "":
		v.add(rankUnknown, id)
	case id == own:
		v.add(rankInternal, id)
	default:
		v.add(rankExternal, id)
	}
}

// isAccountID reports a 12-digit AWS account id.
func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// arnAccount returns the account id of an ARN (arn:partition:service:region:account:...).
func arnAccount(s string) string {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) == 6 && parts[0] == "arn" && isAccountID(parts[4]) {
		return parts[4]
	}
	return ""
}

// policy judges a bucket policy: requestParameters.bucketPolicy (an object, or the policy as a
// JSON string), else requestParameters.policy when it holds the policy as a string.
func (v *verdict) policy(req map[string]any, own string) {
	doc := policyDoc(req["bucketPolicy"])
	if doc == nil {
		doc = policyDoc(req["policy"])
	}
	for _, s := range list(doc["Statement"]) {
		st := obj(s)
		if st == nil || !strings.EqualFold(str(st["Effect"]), "Allow") {
			continue
		}
		if st["NotPrincipal"] != nil { // Allow with NotPrincipal: everyone but those named
			v.add(rankPublic, "NotPrincipal")
			continue
		}
		cond := conditions(st["Condition"])
		p := st["Principal"]
		if str(p) == "*" {
			v.anyone(cond, own)
			continue
		}
		principals := obj(p)
		for _, kind := range keys(principals) {
			for _, id := range strs(principals[kind]) {
				switch kind {
				case "AWS":
					switch {
					case id == "*":
						v.anyone(cond, own)
					case isAccountID(id):
						v.account(id, own)
					case arnAccount(id) != "":
						v.account(arnAccount(id), own)
					default: // a unique id (AIDA...): whose, the log does not say
						v.add(rankUnknown, id)
					}
				case "Service":
					v.add(rankInternal, id)
				default: // CanonicalUser (a CloudFront origin access identity or another account), Federated
					v.add(rankUnknown, kind+":"+id)
				}
			}
		}
	}
}

// policyDoc is a policy given as an object or as a JSON string.
func policyDoc(v any) map[string]any {
	if s, ok := v.(string); ok {
		return decodeObject([]byte(s))
	}
	return obj(v)
}

// condition is what a statement's conditions restrict its principals to.
type condition struct {
	internal bool     // to the organisation (aws:PrincipalOrgID ...) or its networks (aws:SourceVpc ...)
	accounts []string // to these accounts (aws:PrincipalAccount, aws:SourceAccount, ARNs of aws:PrincipalArn ...)
	opaque   bool     // to something the log cannot place: source addresses, ARNs without an account
}

// conditions reads a statement's Condition block. Operators that negate (StringNotEquals ...),
// that pass when the key is absent (...IfExists) and Null do not restrict.
func conditions(v any) condition {
	var c condition
	ops := obj(v)
	for _, op := range keys(ops) {
		o := strings.ToLower(op)
		if strings.Contains(o, "not") || strings.HasSuffix(o, "ifexists") || o == "null" {
			continue
		}
		block := obj(ops[op])
		for _, key := range keys(block) {
			vals := block[key]
			switch strings.ToLower(key) {
			case "aws:principalorgid", "aws:principalorgpaths", "aws:sourceorgid", "aws:sourceorgpaths",
				"aws:sourcevpc", "aws:sourcevpce":
				c.internal = true
			case "aws:principalaccount", "aws:sourceaccount":
				for _, s := range strs(vals) {
					if isAccountID(s) {
						c.accounts = append(c.accounts, s)
					} else {
						c.opaque = true
					}
				}
			case "aws:principalarn", "aws:sourcearn":
				for _, s := range strs(vals) {
					if a := arnAccount(s); a != "" {
						c.accounts = append(c.accounts, a)
					} else {
						c.opaque = true
					}
				}
			case "aws:sourceip", "aws:vpcsourceip":
				c.opaque = true
			}
		}
	}
	return c
}

// anyone judges a "*" principal under its conditions.
func (v *verdict) anyone(c condition, own string) {
	switch {
	case c.internal:
		v.add(rankInternal, "*")
	case len(c.accounts) > 0:
		for _, a := range c.accounts {
			v.account(a, own)
		}
	case c.opaque:
		v.add(rankUnknown, "*")
	default:
		v.add(rankPublic, "*")
	}
}

// The ACL groups.
const (
	allUsers           = "http://acs.amazonaws.com/groups/global/AllUsers"
	authenticatedUsers = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
	logDelivery        = "http://acs.amazonaws.com/groups/s3/LogDelivery"
)

// canned judges a canned ACL (x-amz-acl).
func (v *verdict) canned(acl string) {
	switch strings.ToLower(acl) {
	case "public-read", "public-read-write", "authenticated-read":
		v.add(rankPublic, acl)
	case "private", "bucket-owner-read", "bucket-owner-full-control", "log-delivery-write", "aws-exec-read":
		v.add(rankInternal, acl)
	case "":
	default:
		v.add(rankUnknown, acl)
	}
}

// group judges a grant to a group URI.
func (v *verdict) group(uri string) {
	switch uri {
	case allUsers, authenticatedUsers:
		v.add(rankPublic, uri)
	case logDelivery:
		v.add(rankInternal, uri)
	default:
		v.add(rankUnknown, uri)
	}
}

// acl judges PutBucketAcl and PutObjectAcl: a canned ACL (x-amz-acl), grant headers
// (x-amz-grant-*), or an AccessControlPolicy in the body.
func (v *verdict) acl(req map[string]any) {
	for _, a := range strs(req["x-amz-acl"]) {
		v.canned(a)
	}
	for _, k := range keys(req) {
		if !strings.HasPrefix(strings.ToLower(k), "x-amz-grant-") {
			continue
		}
		val := req[k]
		// id="...", uri="...", emailAddress="..." separated by commas
		for _, s := range strs(val) {
			for g := range strings.SplitSeq(s, ",") {
				kind, id, ok := strings.Cut(strings.TrimSpace(g), "=")
				if !ok {
					continue
				}
				id = strings.Trim(strings.TrimSpace(id), `"`)
				switch strings.ToLower(kind) {
				case "uri":
					v.group(id)
				case "emailaddress":
					v.add(rankExternal, id)
				default: // id: the owner's own canonical id is not in the request
					v.add(rankUnknown, id)
				}
			}
		}
	}
	acp := obj(req["AccessControlPolicy"])
	if acp == nil {
		return
	}
	owner := str(get(acp, "Owner", "ID"))
	for _, g := range list(get(acp, "AccessControlList", "Grant")) {
		grantee := obj(get(g, "Grantee"))
		switch {
		case grantee == nil:
		case str(grantee["URI"]) != "":
			v.group(str(grantee["URI"]))
		case str(grantee["EmailAddress"]) != "":
			v.add(rankExternal, str(grantee["EmailAddress"]))
		case str(grantee["ID"]) != "":
			switch id := str(grantee["ID"]); {
			case owner == "":
				v.add(rankUnknown, id)
			case id == owner:
				v.add(rankInternal, id)
			default:
				v.add(rankExternal, id)
			}
		}
	}
}

// liftedBlocks lists the settings of a PublicAccessBlockConfiguration that are off.
func liftedBlocks(req map[string]any) []string {
	var off []string
	for _, name := range []string{"BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"} {
		if strings.EqualFold(str(get(req, "PublicAccessBlockConfiguration", name)), "false") {
			off = append(off, name+"=false")
		}
	}
	return off
}

// replication judges a replication configuration: the enabled rules' destinations
// (ReplicationConfiguration.Rule or .Rules, one rule or a list), external when a destination
// names another account, unknown when a destination names none.
func (v *verdict) replication(req map[string]any, own string) {
	rc := obj(req["ReplicationConfiguration"])
	rules := list(rc["Rule"])
	if rules == nil {
		rules = list(rc["Rules"])
	}
	for _, r := range rules {
		if strings.EqualFold(str(get(r, "Status")), "Disabled") {
			continue
		}
		d := obj(get(r, "Destination"))
		bucket, acct := str(d["Bucket"]), str(d["Account"])
		target := bucket
		if acct != "" {
			target = acct + ":" + bucket
		}
		switch {
		case d == nil:
		case acct == "":
			v.add(rankUnknown, target)
		case own == "":
			v.add(rankUnknown, target)
		case acct == own:
			v.add(rankInternal, target)
		default:
			v.add(rankExternal, target)
		}
	}
}

// permissions judges the items added to an EC2 snapshot's createVolumePermission or an
// image's launchPermission ({"add":{"items":[{"userId":..} | {"group":"all"}]}}). It reports
// whether any were added.
func (v *verdict) permissions(req map[string]any, attr, own string) bool {
	add := get(req, attr, "add")
	items := list(get(add, "items"))
	if items == nil {
		if _, isList := add.([]any); isList {
			items = list(add)
		}
	}
	for _, it := range items {
		m := obj(it)
		if m == nil {
			continue
		}
		for _, id := range strs(m["userId"]) {
			v.account(id, own)
		}
		for _, g := range append(strs(m["group"]), strs(m["groups"])...) {
			if strings.EqualFold(g, "all") {
				v.add(rankPublic, g)
			} else {
				v.add(rankUnknown, g)
			}
		}
		for _, k := range []string{"organizationArn", "organizationalUnitArn"} {
			for _, a := range strs(m[k]) {
				v.add(rankInternal, a)
			}
		}
	}
	return v.rank > rankNone
}

// restore judges RDS snapshot sharing: attributeName "restore" with valuesToAdd ("all" or
// account ids). It reports whether any were added.
func (v *verdict) restore(req map[string]any, own string) bool {
	if !strings.EqualFold(str(req["attributeName"]), "restore") {
		return false
	}
	for _, id := range strs(req["valuesToAdd"]) {
		if strings.EqualFold(id, "all") {
			v.add(rankPublic, id)
		} else {
			v.account(id, own)
		}
	}
	return v.rank > rankNone
}

// snapshot sets the source (Container) and the new snapshot (Target) of a snapshot creation or
// copy.
func snapshot(e *event.Cloud, req, resp map[string]any) {
	switch e.Name {
	case "CreateSnapshot":
		e.Container = str(req["volumeId"])
		e.Target = str(resp["snapshotId"])
	case "CreateSnapshots":
		e.Container = str(get(req, "instanceSpecification", "instanceId"))
		var ids []string
		for _, it := range list(get(resp, "snapshotSet", "items")) {
			if id := str(get(it, "snapshotId")); id != "" {
				ids = append(ids, id)
			}
		}
		e.Target = strings.Join(ids, ",")
	case "CopySnapshot":
		e.Container = str(req["sourceSnapshotId"])
		e.Target = str(resp["snapshotId"])
	case "CreateDBSnapshot":
		e.Container = str(req["dBInstanceIdentifier"])
		e.Target = first2(resp, req, "dBSnapshotIdentifier")
	case "CreateDBClusterSnapshot":
		e.Container = str(req["dBClusterIdentifier"])
		e.Target = first2(resp, req, "dBClusterSnapshotIdentifier")
	case "CopyDBSnapshot":
		e.Container = str(req["sourceDBSnapshotIdentifier"])
		e.Target = first(resp, "dBSnapshotIdentifier")
		if e.Target == "" {
			e.Target = str(req["targetDBSnapshotIdentifier"])
		}
	case "CopyDBClusterSnapshot":
		e.Container = str(req["sourceDBClusterSnapshotIdentifier"])
		e.Target = first(resp, "dBClusterSnapshotIdentifier")
		if e.Target == "" {
			e.Target = str(req["targetDBClusterSnapshotIdentifier"])
		}
	}
}

// first2 returns key from the response, else from the request.
func first2(resp, req map[string]any, key string) string {
	if s := str(resp[key]); s != "" {
		return s
	}
	return str(req[key])
}
