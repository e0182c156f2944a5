package cloudtrail

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

const aliceID = `{"type":"IAMUser","principalId":"AIDACKCEVSQ6C2EXAMPLE","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","accessKeyId":"AKIAIOSFODNN7EXAMPLE","userName":"alice"}`

// one maps a single record made of the given members (JSON texts, "" for absent).
func one(t *testing.T, source_, name, identity, req, resp, extra string, more ...string) event.Cloud {
	t.Helper()
	if identity == "" {
		identity = aliceID
	}
	rec := fmt.Sprintf(`{"eventVersion":"1.09","userIdentity":%s,"eventTime":"2024-05-02T10:00:00Z","eventSource":%q,"eventName":%q,"awsRegion":"us-east-1","sourceIPAddress":"203.0.113.25","userAgent":"aws-cli/2.15.30"`,
		identity, source_, name)
	for _, m := range [][2]string{{"requestParameters", req}, {"responseElements", resp}, {"additionalEventData", extra}} {
		if m[1] != "" {
			rec += fmt.Sprintf(`,%q:%s`, m[0], m[1])
		}
	}
	for _, m := range more {
		rec += "," + m
	}
	rec += `,"eventID":"x","recipientAccountId":"111122223333"}`
	var c collector
	st := source.NewStats()
	newParser(source.FileInfo{Name: "t"}, st, &c).value([]byte(rec), 1)
	if len(c.got) != 1 {
		t.Fatalf("%s %s: %s", name, req, problems(st))
	}
	return c.got[0]
}

func policy(stmts ...string) string {
	return `{"bucketName":"b","bucketPolicy":{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]},"policy":""}`
}

// The scope decisions, case by case.
func TestScopes(t *testing.T) {
	for _, c := range []struct {
		name, src, call, req string
		op                   event.CloudOp
		scope, target        string
	}{
		// bucket policies
		{"anyone", s3, "PutBucketPolicy", policy(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}`), event.CloudShare, event.ScopePublic, "*"},
		{"AWS anyone in a list", s3, "PutBucketPolicy", policy(`{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root","*"]}}`), event.CloudShare, event.ScopePublic, "*"},
		{"account id", s3, "PutBucketPolicy", policy(`{"Effect":"Allow","Principal":{"AWS":"444455556666"}}`), event.CloudShare, event.ScopeExternal, "444455556666"},
		{"role of another account", s3, "PutBucketPolicy", policy(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:role/x"}}`), event.CloudShare, event.ScopeExternal, "444455556666"},
		{"two accounts", s3, "PutBucketPolicy", policy(`{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444455556666:root","arn:aws:iam::555566667777:root"]}}`), event.CloudShare, event.ScopeExternal, "444455556666,555566667777"},
		{"service", s3, "PutBucketPolicy", policy(`{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject"}`), event.CloudShare, event.ScopeInternal, "cloudtrail.amazonaws.com"},
		{"deny anyone only", s3, "PutBucketPolicy", policy(`{"Effect":"Deny","Principal":"*","Action":"s3:*"}`), event.CloudShare, "", ""},
		{"not principal", s3, "PutBucketPolicy", policy(`{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"}}`), event.CloudShare, event.ScopePublic, "NotPrincipal"},
		{"org condition", s3, "PutBucketPolicy", policy(`{"Effect":"Allow","Principal":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}`), event.CloudShare, event.ScopeInternal, "*"},
		{"vpc condition", s3, "PutBucketPolicy", policy(`{"Effect":"Allow","Principal":"*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-1"}}}`), event.CloudShare, event.ScopeInternal, "*"},
		{"source ip condition", s3, "PutBucketPolicy", policy(`{"Effect":"Allow","Principal":"*","Condition":{"IpAddress":{"aws:SourceIp":"198.51.100.0/24"}}}`), event.CloudShare, "", "*"},
		{"account condition", s3, "PutBucketPolicy", policy(`{"Effect":"Allow","Principal":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":["444455556666"]}}}`), event.CloudShare, event.ScopeExternal, "444455556666"},
		{"IfExists does not restrict", s3, "PutBucketPolicy", policy(`{"Effect":"Allow","Principal":"*","Condition":{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1"}}}`), event.CloudShare, event.ScopePublic, "*"},
		{"negation does not restrict", s3, "PutBucketPolicy", policy(`{"Effect":"Allow","Principal":"*","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-abc"}}}`), event.CloudShare, event.ScopePublic, "*"},
		{"other conditions do not restrict", s3, "PutBucketPolicy", policy(`{"Effect":"Allow","Principal":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}`), event.CloudShare, event.ScopePublic, "*"},
		{"canonical user", s3, "PutBucketPolicy", policy(`{"Effect":"Allow","Principal":{"CanonicalUser":"79a59df9"}}`), event.CloudShare, "", "CanonicalUser:79a59df9"},
		{"single statement object", s3, "PutBucketPolicy", `{"bucketName":"b","bucketPolicy":{"Statement":{"Effect":"Allow","Principal":"*"}}}`, event.CloudShare, event.ScopePublic, "*"},
		{"policy as a string in policy", s3, "PutBucketPolicy", `{"bucketName":"b","policy":"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\"}]}"}`, event.CloudShare, event.ScopePublic, "*"},
		{"no policy", s3, "PutBucketPolicy", `{"bucketName":"b"}`, event.CloudShare, "", ""},
		{"public beats external", s3, "PutBucketPolicy", policy(`{"Effect":"Allow","Principal":{"AWS":"444455556666"}}`, `{"Effect":"Allow","Principal":"*"}`), event.CloudShare, event.ScopePublic, "*"},
		// ACLs
		{"canned public-read-write", s3, "PutBucketAcl", `{"bucketName":"b","x-amz-acl":["public-read-write"]}`, event.CloudShare, event.ScopePublic, "public-read-write"},
		{"canned bucket-owner-full-control", s3, "PutObjectAcl", `{"bucketName":"b","key":"k","x-amz-acl":"bucket-owner-full-control"}`, event.CloudShare, event.ScopeInternal, "bucket-owner-full-control"},
		{"grant header uri", s3, "PutBucketAcl", `{"bucketName":"b","x-amz-grant-read":["uri=\"http://acs.amazonaws.com/groups/global/AllUsers\""]}`, event.CloudShare, event.ScopePublic, allUsers},
		{"grant header email", s3, "PutBucketAcl", `{"bucketName":"b","x-amz-grant-full-control":"emailAddress=\"someone@example.com\", id=\"79a59df9\""}`, event.CloudShare, event.ScopeExternal, "someone@example.com"},
		{"grant header id", s3, "PutBucketAcl", `{"bucketName":"b","x-amz-grant-read":"id=\"79a59df9\""}`, event.CloudShare, "", "79a59df9"},
		{"single grant object", s3, "PutBucketAcl", `{"bucketName":"b","AccessControlPolicy":{"AccessControlList":{"Grant":{"Grantee":{"URI":"http://acs.amazonaws.com/groups/global/AuthenticatedUsers"},"Permission":"READ"}},"Owner":{"ID":"o"}}}`, event.CloudShare, event.ScopePublic, authenticatedUsers},
		{"log delivery", s3, "PutBucketAcl", `{"bucketName":"b","AccessControlPolicy":{"AccessControlList":{"Grant":[{"Grantee":{"ID":"o"},"Permission":"FULL_CONTROL"},{"Grantee":{"URI":"http://acs.amazonaws.com/groups/s3/LogDelivery"},"Permission":"WRITE"}]},"Owner":{"ID":"o"}}}`, event.CloudShare, event.ScopeInternal, "o," + logDelivery},
		{"grant without owner", s3, "PutBucketAcl", `{"bucketName":"b","AccessControlPolicy":{"AccessControlList":{"Grant":{"Grantee":{"ID":"x"},"Permission":"READ"}}}}`, event.CloudShare, "", "x"},
		{"grant to an e-mail", s3, "PutObjectAcl", `{"bucketName":"b","key":"k","AccessControlPolicy":{"AccessControlList":{"Grant":{"Grantee":{"EmailAddress":"a@example.com"},"Permission":"READ"}},"Owner":{"ID":"o"}}}`, event.CloudShare, event.ScopeExternal, "a@example.com"},
		// public access blocks
		{"account block lifted", s3, "PutAccountPublicAccessBlock", `{"PublicAccessBlockConfiguration":{"BlockPublicAcls":"false","IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true}}`, event.CloudShare, event.ScopePublic, "public access block lifted: BlockPublicAcls=false"},
		{"account block removed", s3, "DeleteAccountPublicAccessBlock", `{}`, event.CloudShare, event.ScopePublic, "public access block removed"},
		{"block without configuration", s3, "PutBucketPublicAccessBlock", `{"bucketName":"b"}`, event.CloudOther, "", ""},
		// replication
		{"replication to the same account", s3, "PutBucketReplication", `{"bucketName":"b","ReplicationConfiguration":{"Rule":[{"Status":"Enabled","Destination":{"Bucket":"arn:aws:s3:::d","Account":"111122223333"}}]}}`, event.CloudReplicate, event.ScopeInternal, "111122223333:arn:aws:s3:::d"},
		{"replication naming no account", s3, "PutBucketReplication", `{"bucketName":"b","ReplicationConfiguration":{"Rules":{"Status":"Enabled","Destination":{"Bucket":"arn:aws:s3:::d"}}}}`, event.CloudReplicate, "", "arn:aws:s3:::d"},
		{"disabled rule passed over", s3, "PutBucketReplication", `{"bucketName":"b","ReplicationConfiguration":{"Rule":[{"Status":"Disabled","Destination":{"Bucket":"arn:aws:s3:::x","Account":"444455556666"}},{"Status":"Enabled","Destination":{"Bucket":"arn:aws:s3:::d","Account":"111122223333"}}]}}`, event.CloudReplicate, event.ScopeInternal, "111122223333:arn:aws:s3:::d"},
		// snapshots and images
		{"snapshot permission removed", ec2, "ModifySnapshotAttribute", `{"snapshotId":"snap-1","createVolumePermission":{"remove":{"items":[{"userId":"444455556666"}]}}}`, event.CloudOther, "", ""},
		{"snapshot shared with the own account", ec2, "ModifySnapshotAttribute", `{"snapshotId":"snap-1","createVolumePermission":{"add":{"items":[{"userId":"111122223333"}]}}}`, event.CloudShare, event.ScopeInternal, "111122223333"},
		{"snapshot add as a list, groups", ec2, "ModifySnapshotAttribute", `{"snapshotId":"snap-1","createVolumePermission":{"add":[{"groups":"all"}]}}`, event.CloudShare, event.ScopePublic, "all"},
		{"image made public", ec2, "ModifyImageAttribute", `{"imageId":"ami-1","launchPermission":{"add":{"items":[{"group":"all"},{"userId":"444455556666"}]}}}`, event.CloudShare, event.ScopePublic, "all"},
		{"image shared with the organisation", ec2, "ModifyImageAttribute", `{"imageId":"ami-1","launchPermission":{"add":{"items":[{"organizationArn":"arn:aws:organizations::111122223333:organization/o-abc"}]}}}`, event.CloudShare, event.ScopeInternal, "arn:aws:organizations::111122223333:organization/o-abc"},
		{"image description", ec2, "ModifyImageAttribute", `{"imageId":"ami-1","description":{"value":"x"}}`, event.CloudOther, "", ""},
		{"db snapshot unshared", rds, "ModifyDBSnapshotAttribute", `{"dBSnapshotIdentifier":"s","attributeName":"restore","valuesToRemove":["all"]}`, event.CloudOther, "", ""},
		{"db snapshot other attribute", rds, "ModifyDBSnapshotAttribute", `{"dBSnapshotIdentifier":"s","attributeName":"other","valuesToAdd":["all"]}`, event.CloudOther, "", ""},
		{"db snapshot value as a string", rds, "ModifyDBSnapshotAttribute", `{"dBSnapshotIdentifier":"s","attributeName":"restore","valuesToAdd":"444455556666"}`, event.CloudShare, event.ScopeExternal, "444455556666"},
		// the same names from other services are other operations
		{"not S3", "s3tables.amazonaws.com", "PutBucketPolicy", policy(`{"Effect":"Allow","Principal":"*"}`), event.CloudOther, "", ""},
		{"not EC2", "elasticache.amazonaws.com", "CreateSnapshot", `{"cacheClusterId":"c"}`, event.CloudOther, "", ""},
	} {
		e := one(t, c.src, c.call, "", c.req, "", "")
		if e.Op != c.op || e.Scope != c.scope || e.Target != c.target {
			t.Errorf("%s: op %v scope %q target %q, want %v %q %q", c.name, e.Op, e.Scope, e.Target, c.op, c.scope, c.target)
		}
	}
}

// Scopes that compare accounts need the record's account; without it they are unknown.
func TestScopeWithoutAccount(t *testing.T) {
	rec := `{"eventTime":"2024-05-02T10:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"ModifySnapshotAttribute","userIdentity":{"type":"AWSService","invokedBy":"backup.amazonaws.com"},"requestParameters":{"snapshotId":"snap-1","createVolumePermission":{"add":{"items":[{"userId":"444455556666"}]}}}}`
	var c collector
	newParser(source.FileInfo{}, source.NewStats(), &c).value([]byte(rec), 1)
	if len(c.got) != 1 || c.got[0].Op != event.CloudShare || c.got[0].Scope != "" || c.got[0].Target != "444455556666" ||
		c.got[0].Account != "" || c.got[0].User != "backup.amazonaws.com" {
		t.Errorf("%+v", c.got)
	}
}

// Snapshot creations and copies: the source and the new snapshot.
func TestSnapshots(t *testing.T) {
	for _, c := range []struct {
		src, call, req, resp string
		container, target    string
	}{
		{ec2, "CreateSnapshots", `{"instanceSpecification":{"instanceId":"i-0abcd1234ef567890","excludeBootVolume":false}}`,
			`{"snapshotSet":{"items":[{"snapshotId":"snap-1","volumeId":"vol-1"},{"snapshotId":"snap-2","volumeId":"vol-2"}]}}`,
			"i-0abcd1234ef567890", "snap-1,snap-2"},
		{rds, "CreateDBClusterSnapshot", `{"dBClusterSnapshotIdentifier":"cs","dBClusterIdentifier":"c"}`, `null`, "c", "cs"},
		{rds, "CopyDBSnapshot", `{"sourceDBSnapshotIdentifier":"arn:aws:rds:us-east-1:444455556666:snapshot:s","targetDBSnapshotIdentifier":"t"}`, `null`,
			"arn:aws:rds:us-east-1:444455556666:snapshot:s", "t"},
		{rds, "CopyDBClusterSnapshot", `{"sourceDBClusterSnapshotIdentifier":"s","targetDBClusterSnapshotIdentifier":"t"}`, `{"dBClusterSnapshotIdentifier":"t2"}`, "s", "t2"},
		{ec2, "CreateSnapshot", `{"volumeId":"vol-1"}`, `null`, "vol-1", ""}, // failed: no response
	} {
		e := one(t, c.src, c.call, "", c.req, c.resp, "")
		if e.Op != event.CloudSnapshot || e.Container != c.container || e.Target != c.target || e.Scope != "" {
			t.Errorf("%s: %v %q %q %q", c.call, e.Op, e.Container, e.Target, e.Scope)
		}
	}
}

// Sizes: numbers, floats, strings; Unset when absent, negative, not a number, or the call failed.
func TestBytes(t *testing.T) {
	get := `{"bucketName":"b","key":"k"}`
	for _, c := range []struct {
		extra string
		more  []string
		want  int64
	}{
		{`{"bytesTransferredOut":89.0}`, nil, 89},
		{`{"bytesTransferredOut":"1024"}`, nil, 1024},
		{`{"bytesTransferredOut":1.5e3}`, nil, 1500},
		{`{"bytesTransferredOut":-1}`, nil, event.Unset},
		{`{"bytesTransferredOut":"lots"}`, nil, event.Unset},
		{`{"bytesTransferredIn":12}`, nil, event.Unset},
		{``, nil, event.Unset},
		{`{"bytesTransferredOut":243}`, []string{`"errorCode":"NoSuchKey"`}, event.Unset},
	} {
		e := one(t, s3, "GetObject", "", get, "", c.extra, c.more...)
		if e.Bytes != c.want || e.Op != event.CloudDownload {
			t.Errorf("%s %v: bytes %d, want %d", c.extra, c.more, e.Bytes, c.want)
		}
	}
	for name, want := range map[string]int64{"PutObject": 7, "UploadPart": 7, "PostObject": 7, "CopyObject": event.Unset,
		"UploadPartCopy": event.Unset, "CompleteMultipartUpload": event.Unset} {
		e := one(t, s3, name, "", get, "", `{"bytesTransferredIn":7,"bytesTransferredOut":9}`)
		if e.Op != event.CloudUpload || e.Bytes != want {
			t.Errorf("%s: %v %d, want %d", name, e.Op, e.Bytes, want)
		}
	}
	for _, name := range []string{"ListObjectsV2", "ListObjectVersions"} {
		if e := one(t, s3, name, "", get, "", `{"bytesTransferredOut":9}`); e.Op != event.CloudList || e.Bytes != event.Unset {
			t.Errorf("%s: %v %d", name, e.Op, e.Bytes)
		}
	}
	if e := one(t, "s3express.amazonaws.com", "GetObject", "", get, "", `{"bytesTransferredOut":9}`); e.Op != event.CloudDownload || e.Bytes != 9 || e.Container != "b" {
		t.Errorf("directory bucket: %+v", e)
	}
}

// The caller: User, Role and Instance from the identity's forms.
func TestIdentities(t *testing.T) {
	for _, c := range []struct {
		identity             string
		user, role, instance string
	}{
		// an instance profile's session (ec2RoleDelivery), an 8-digit instance id
		{`{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/R/i-0abc1234","sessionContext":{"ec2RoleDelivery":"1.0"}}`,
			"arn:aws:sts::111122223333:assumed-role/R/i-0abc1234", "", "i-0abc1234"},
		// a role session named like an instance: the issuer is a role
		{`{"type":"AssumedRole","arn":"arn:aws-us-gov:sts::111122223333:assumed-role/R/i-0abcd1234ef567890","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws-us-gov:iam::111122223333:role/R"}}}`,
			"arn:aws-us-gov:sts::111122223333:assumed-role/R/i-0abcd1234ef567890", "arn:aws-us-gov:iam::111122223333:role/R", "i-0abcd1234ef567890"},
		// not an instance id: 9 digits, capitals, no issuer nor delivery
		{`{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/R/i-0abc12345","sessionContext":{"ec2RoleDelivery":"2.0"}}`,
			"arn:aws:sts::111122223333:assumed-role/R/i-0abc12345", "", ""},
		{`{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/R/i-0ABC1234","sessionContext":{"ec2RoleDelivery":"2.0"}}`,
			"arn:aws:sts::111122223333:assumed-role/R/i-0ABC1234", "", ""},
		{`{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/R/i-0abc1234"}`,
			"arn:aws:sts::111122223333:assumed-role/R/i-0abc1234", "", ""},
		// an issuer that is no role
		{`{"type":"FederatedUser","arn":"arn:aws:sts::111122223333:federated-user/carol","sessionContext":{"sessionIssuer":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/carol"}}}`,
			"arn:aws:sts::111122223333:federated-user/carol", "", ""},
		// without an ARN
		{`{"type":"AWSService","invokedBy":"backup.amazonaws.com"}`, "backup.amazonaws.com", "", ""},
		{`{"type":"AWSAccount","principalId":"AIDAEXAMPLE","accountId":"444455556666"}`, "444455556666", "", ""},
		{`{"type":"AWSAccount","principalId":"AIDAEXAMPLE"}`, "AWSAccount:AIDAEXAMPLE", "", ""},
		{`{"type":"IdentityCenterUser","principalId":"9067-example","accountId":"111122223333"}`, "IdentityCenterUser:9067-example", "", ""},
		{`{"type":"Unknown","userName":"someone@example.com","accountId":"111122223333"}`, "someone@example.com", "", ""},
		{`{"accountId":"111122223333"}`, "111122223333", "", ""},
	} {
		e := one(t, "sts.amazonaws.com", "GetCallerIdentity", c.identity, "", "", "")
		if e.User != c.user || e.Role != c.role || e.Instance != c.instance {
			t.Errorf("%s:\n got  %q %q %q\n want %q %q %q", c.identity, e.User, e.Role, e.Instance, c.user, c.role, c.instance)
		}
	}
}

// The wrappers' fallbacks: EventBridge's time and account, a log event's timestamp.
func TestWrapperFallbacks(t *testing.T) {
	rec := `{"eventSource":"s3.amazonaws.com","eventName":"GetObject","eventID":"x","requestParameters":{"bucketName":"b","key":"k"}}`
	for _, in := range []string{
		`{"version":"0","detail-type":"AWS API Call via CloudTrail","account":"111122223333","time":"2024-05-02T10:00:00Z","detail":` + rec + `}`,
		`{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":1714644000000,"message":` + quote(rec) + `}]}`,
		`{"@timestamp":"2024-05-02T10:00:00.000Z","message":` + quote(rec) + `}`,
	} {
		var c collector
		st := source.NewStats()
		newParser(source.FileInfo{}, st, &c).value([]byte(in), 1)
		if len(c.got) != 1 || c.got[0].TS != fixtureTime(0) || c.got[0].Object != "k" {
			t.Errorf("%.60s: %+v %s", in, c.got, problems(st))
		}
		if strings.HasPrefix(in, `{"version"`) && c.got[0].Account != "111122223333" {
			t.Errorf("EventBridge account: %q", c.got[0].Account)
		}
	}
}

func quote(s string) string { return fmt.Sprintf("%q", s) }
