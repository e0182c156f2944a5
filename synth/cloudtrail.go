package synth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"strings"
	"time"
)

// Principal is who makes a CloudTrail call: an IAM user, an assumed-role session (of an EC2
// instance profile when Instance is set), or an AWS service.
type Principal struct {
	Account string // the principal's account
	User    string // IAM user name; "" for a role session or a service
	Role    string // role name of an assumed-role session
	Session string // role session name (the instance id for an instance profile)
	Service string // an AWS service calling on its own ("ec2.amazonaws.com")
	KeyID   string // access key id
	// Instance marks the session as an EC2 instance profile's (sessionContext.ec2RoleDelivery).
	Instance bool
	// Anonymous is an unauthenticated caller (a public bucket's reader).
	Anonymous bool
}

// ARN is the principal's ARN as CloudTrail writes it in userIdentity.arn.
func (p Principal) ARN() string {
	switch {
	case p.User != "":
		return "arn:aws:iam::" + p.Account + ":user/" + p.User
	case p.Role != "":
		return "arn:aws:sts::" + p.Account + ":assumed-role/" + p.Role + "/" + p.Session
	}
	return p.Service
}

// identity builds userIdentity as CloudTrail documents it ("CloudTrail userIdentity element").
func (p Principal) identity(created time.Time) map[string]any {
	switch {
	case p.Anonymous:
		return map[string]any{"type": "AWSAccount", "principalId": "", "accountId": "ANONYMOUS_PRINCIPAL"}
	case p.Service != "":
		return map[string]any{"type": "AWSService", "invokedBy": p.Service}
	case p.User != "":
		return map[string]any{"type": "IAMUser", "principalId": "AIDA" + idOf(p.User, 17), "arn": p.ARN(),
			"accountId": p.Account, "accessKeyId": p.KeyID, "userName": p.User}
	}
	ctx := map[string]any{
		"sessionIssuer": map[string]any{"type": "Role", "principalId": "AROA" + idOf(p.Role, 17),
			"arn": "arn:aws:iam::" + p.Account + ":role/" + p.Role, "accountId": p.Account, "userName": p.Role},
		"attributes": map[string]any{"creationDate": created.UTC().Format(time.RFC3339), "mfaAuthenticated": "false"},
	}
	if p.Instance {
		ctx["ec2RoleDelivery"] = "2.0"
	}
	return map[string]any{"type": "AssumedRole", "principalId": "AROA" + idOf(p.Role, 17) + ":" + p.Session, "arn": p.ARN(),
		"accountId": p.Account, "accessKeyId": p.KeyID, "sessionContext": ctx}
}

// idOf makes a stable upper-case id of n characters from s.
func idOf(s string, n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	h := fnv.New64a()
	h.Write([]byte(s))
	x := h.Sum64()
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[x%32]
		x = x/32 ^ uint64(i+1)*0x9e3779b97f4a7c15
	}
	return string(b)
}

// hexOf makes a stable lower-case hexadecimal id of n digits from s.
func hexOf(s string, n int) string {
	var b []byte
	for i := 0; len(b) < n; i++ {
		h := fnv.New64a()
		fmt.Fprint(h, i, s)
		b = fmt.Appendf(b, "%016x", h.Sum64())
	}
	return string(b[:n])
}

// Call is one CloudTrail event.
type Call struct {
	Time      time.Time
	Who       Principal
	Source    string // eventSource; "s3.amazonaws.com" when empty
	Name      string // eventName
	From      string // sourceIPAddress
	Agent     string // userAgent
	Region    string // "us-east-1" when empty
	Request   map[string]any
	Response  map[string]any
	Extra     map[string]any // additionalEventData
	Resources []map[string]any
	Error     string // errorCode
	Data      bool   // a data event (S3 object calls)
	Recipient string // recipientAccountId; the principal's account when empty
}

// S3 is an S3 object call: bucket, key and the bytes it moved (in for writes, out for reads;
// negative: not logged). owner is the bucket's account ("" the principal's).
func S3(t time.Time, who Principal, name, from, agent, bucket, key string, in, out int64, owner string) Call {
	if owner == "" {
		owner = who.Account
	}
	req := map[string]any{"bucketName": bucket, "Host": bucket + ".s3.amazonaws.com"}
	if key != "" {
		req["key"] = key
	}
	extra := map[string]any{"SignatureVersion": "SigV4", "CipherSuite": "ECDHE-RSA-AES128-GCM-SHA256", "AuthenticationMethod": "AuthHeader"}
	if in >= 0 {
		extra["bytesTransferredIn"] = in
	}
	if out >= 0 {
		extra["bytesTransferredOut"] = out
	}
	res := []map[string]any{{"type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::" + bucket, "accountId": owner}}
	if key != "" {
		res = append([]map[string]any{{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::" + bucket + "/" + key}}, res...)
	}
	return Call{Time: t, Who: who, Name: name, From: from, Agent: agent, Request: req, Extra: extra, Resources: res, Data: true}
}

// record renders the call as a CloudTrail record, fields as the CloudTrail record contents
// page documents them.
func (c Call) record() map[string]any {
	src, region, recipient := c.Source, c.Region, c.Recipient
	if src == "" {
		src = "s3.amazonaws.com"
	}
	if region == "" {
		region = "us-east-1"
	}
	if recipient == "" {
		recipient = c.Who.Account
	}
	if recipient == "" {
		recipient = "111122223333"
	}
	id := hexOf(fmt.Sprint(c.Time.UnixNano(), c.Name, c.Who.ARN(), c.Request), 32)
	r := map[string]any{
		"eventVersion":       "1.09",
		"userIdentity":       c.Who.identity(c.Time.Add(-10 * time.Minute)),
		"eventTime":          c.Time.UTC().Format(time.RFC3339),
		"eventSource":        src,
		"eventName":          c.Name,
		"awsRegion":          region,
		"sourceIPAddress":    c.From,
		"userAgent":          c.Agent,
		"requestParameters":  c.Request,
		"responseElements":   c.Response,
		"requestID":          strings.ToUpper(id[:16]),
		"eventID":            fmt.Sprintf("%s-%s-%s-%s-%s", id[:8], id[8:12], id[12:16], id[16:20], id[20:32]),
		"eventType":          "AwsApiCall",
		"recipientAccountId": recipient,
	}
	if c.Extra != nil {
		r["additionalEventData"] = c.Extra
	}
	if c.Resources != nil {
		r["resources"] = c.Resources
	}
	if c.Error != "" {
		r["errorCode"] = c.Error
		r["errorMessage"] = "Access Denied"
	}
	if c.Data {
		r["eventCategory"] = "Data"
		r["managementEvent"] = false
		r["readOnly"] = c.Name == "GetObject" || c.Name == "HeadObject"
	} else {
		r["eventCategory"] = "Management"
		r["managementEvent"] = true
		r["readOnly"] = false
	}
	return r
}

// WriteCloudTrailFile writes calls as CloudTrail delivers them to S3: one {"Records":[...]}
// document (compress it to make the .json.gz CloudTrail writes).
func WriteCloudTrailFile(w io.Writer, calls []Call) error {
	recs := make([]map[string]any, len(calls))
	for i, c := range calls {
		recs[i] = c.record()
	}
	b, err := json.Marshal(map[string]any{"Records": recs})
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteCloudTrailLines writes calls one record a line (CloudWatch Logs, EventBridge archives,
// Splunk's aws:cloudtrail events).
func WriteCloudTrailLines(w io.Writer, calls []Call) error {
	var buf bytes.Buffer
	for _, c := range calls {
		b, err := json.Marshal(c.record())
		if err != nil {
			return err
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	_, err := w.Write(buf.Bytes())
	return err
}
