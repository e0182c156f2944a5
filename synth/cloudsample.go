package synth

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// The files WriteCloudSample writes, under its folder.
const (
	CloudTrailSampleFile = "cloudtrail/111122223333_CloudTrail_us-east-1_20240305T0000Z_sample.json.gz"
	M365SampleFile       = "m365/audit.json"
	GoogleSampleFile     = "google/activities.json"
)

// The sample's accounts and tenants.
const (
	sampleAccount  = "111122223333"
	outsideAccount = "999988887777"
	sampleOrg      = "4a0fd3e3-2b6f-4f0e-9d3c-6a1b2c3d4e5f"
	sampleCustomer = "C03az79cb"
)

// WriteCloudSample writes the cloud audit logs of the sample day (testdata/cloud): a CloudTrail
// file as CloudTrail delivers it to S3, a Microsoft 365 audit content blob and a Google Workspace
// reports page, each with a day of ordinary work and these cases:
//
//   - AWS: the role credentials of web server i-0badc0ffee1234567 used from a Mac at
//     198.51.100.77: ListBuckets and ListObjects, then 120 GetObject of corp-customer-data in
//     four minutes (a bulk download and an odd first access), then replication of that bucket
//     into account 999988887777; IAM user mallory snapshots vol-0db5a1e2 and shares the snapshot
//     with 999988887777, writes db-dump.tar.gz (64 MB) five times in one second into corp-exports
//     (seed 003's storage row, risk 9), makes corp-exports public, and an anonymous caller reads
//     it;
//   - Microsoft 365: bob@contoso.com's OneDrive sync uploads three 12 MB archives in one second
//     (seed 003's cloud services row, risk 9), sends three 7 MB messages to a Gmail address in one
//     second (risk 8), creates an anonymous link to a forecast that is then used three times;
//     eve@contoso.com's mailbox is synced by an unknown client (a bulk MailItemsAccessed);
//   - Google Workspace: carol@example.com opens a document to anyone with the link and an
//     outsider downloads it; dave@example.com downloads 60 files in six minutes.
func WriteCloudSample(dir string, day time.Time) error {
	at := func(h, m, s int) time.Time {
		return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
	}
	var calls []Call
	app := Principal{Account: sampleAccount, Role: "AppServerRole", Session: "i-0a1b2c3d4e5f60718", KeyID: "ASIAEXAMPLEAPP00001", Instance: true}
	appUA := "aws-sdk-java/1.12.400 Linux/5.10.184-175.731.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.7+7-LTS java/17.0.7"
	for i := range 96 { // the application reads its configuration every 15 minutes
		calls = append(calls, S3(at(0, 15*i, 7), app, "GetObject", "10.50.8.20", appUA, "corp-app-config", "prod/settings.json", 0, 2345, ""))
	}
	backup := Principal{Account: sampleAccount, User: "backup-svc", KeyID: "AKIAEXAMPLEBACKUP01"}
	for i := range 3 {
		calls = append(calls, S3(at(1, 0, 10*i), backup, "PutObject", "10.50.8.31", "aws-cli/2.15.0 Python/3.11.6 Linux/5.15.0-1050-aws exe/x86_64.ubuntu.22", "corp-backups",
			fmt.Sprintf("nightly/2024-03-05/part%d.tar.zst", i), 8_000_000, 0, ""))
	}
	alice := Principal{Account: sampleAccount, User: "alice", KeyID: "AKIAEXAMPLEALICE001"}
	console := "AWS Internal"
	calls = append(calls,
		Call{Time: at(9, 2, 0), Who: alice, Source: "s3.amazonaws.com", Name: "ListBuckets", From: "203.0.113.10", Agent: console, Request: map[string]any{"Host": "s3.amazonaws.com"}},
		Call{Time: at(9, 3, 0), Who: alice, Source: "ec2.amazonaws.com", Name: "DescribeInstances", From: "203.0.113.10", Agent: console, Request: map[string]any{"instancesSet": map[string]any{}}},
	)

	// the stolen instance credentials
	web := Principal{Account: sampleAccount, Role: "WebServerRole", Session: "i-0badc0ffee1234567", KeyID: "ASIAEXAMPLEWEB00001", Instance: true}
	mac := "aws-cli/2.13.25 Python/3.11.5 Darwin/22.6.0 exe/x86_64 prompt/off command/s3.cp"
	thief := "198.51.100.77"
	calls = append(calls,
		Call{Time: at(14, 5, 3), Who: web, Name: "ListBuckets", From: thief, Agent: mac, Request: map[string]any{"Host": "s3.amazonaws.com"}, Data: false},
		S3(at(14, 5, 40), web, "ListObjects", thief, mac, "corp-customer-data", "", 0, 0, ""),
	)
	for i := range 120 {
		calls = append(calls, S3(at(14, 7, 2*i), web, "GetObject", thief, mac, "corp-customer-data", fmt.Sprintf("exports/customers-%03d.csv", i), 0, 2_000_000+int64(i)*1000, ""))
	}
	calls = append(calls, Call{Time: at(14, 20, 0), Who: web, Name: "PutBucketReplication", From: thief, Agent: mac,
		Request: map[string]any{"bucketName": "corp-customer-data", "Host": "corp-customer-data.s3.amazonaws.com", "replication": "",
			"ReplicationConfiguration": map[string]any{"Role": "arn:aws:iam::" + sampleAccount + ":role/WebServerRole",
				"Rule": map[string]any{"ID": "sync", "Status": "Enabled", "Priority": 1, "DeleteMarkerReplication": map[string]any{"Status": "Disabled"},
					"Filter": map[string]any{"Prefix": ""}, "Destination": map[string]any{"Bucket": "arn:aws:s3:::offsite-sync-7731", "Account": outsideAccount}}}}})

	mallory := Principal{Account: sampleAccount, User: "mallory", KeyID: "AKIAEXAMPLEMALLORY1"}
	mua := "aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0-kali3-amd64 exe/x86_64.kali.2023"
	evil := "203.0.113.66"
	calls = append(calls,
		Call{Time: at(14, 30, 0), Who: mallory, Source: "ec2.amazonaws.com", Name: "CreateSnapshot", From: evil, Agent: mua,
			Request:  map[string]any{"volumeId": "vol-0db5a1e2", "description": "maint"},
			Response: map[string]any{"snapshotId": "snap-0f00ba1234567890a", "volumeId": "vol-0db5a1e2", "status": "pending", "volumeSize": 200, "ownerId": sampleAccount}},
		Call{Time: at(14, 35, 0), Who: mallory, Source: "ec2.amazonaws.com", Name: "ModifySnapshotAttribute", From: evil, Agent: mua,
			Request: map[string]any{"snapshotId": "snap-0f00ba1234567890a", "attributeType": "CREATE_VOLUME_PERMISSION",
				"createVolumePermission": map[string]any{"add": map[string]any{"items": []map[string]any{{"userId": outsideAccount}}}}},
			Response: map[string]any{"_return": true}},
	)
	for range 5 { // a retry loop writes the dump five times in one second
		calls = append(calls, S3(at(15, 0, 1), mallory, "PutObject", evil, mua, "corp-exports", "db-dump.tar.gz", 64_000_000, 0, ""))
	}
	calls = append(calls, Call{Time: at(15, 20, 0), Who: mallory, Name: "PutBucketPolicy", From: evil, Agent: mua,
		Request: map[string]any{"bucketName": "corp-exports", "Host": "corp-exports.s3.amazonaws.com", "policy": "",
			"bucketPolicy": map[string]any{"Version": "2012-10-17", "Statement": []map[string]any{{"Sid": "pub", "Effect": "Allow", "Principal": "*",
				"Action": "s3:GetObject", "Resource": "arn:aws:s3:::corp-exports/*"}}}}})
	anon := Principal{Anonymous: true}
	calls = append(calls, S3(at(16, 2, 9), anon, "GetObject", "192.0.2.200", "curl/8.4.0", "corp-exports", "db-dump.tar.gz", 0, 64_000_000, sampleAccount))
	slices.SortStableFunc(calls, func(a, b Call) int { return a.Time.Compare(b.Time) })

	var ct bytes.Buffer
	zw := gzip.NewWriter(&ct)
	zw.ModTime = time.Time{}
	if err := WriteCloudTrailFile(zw, calls); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}

	// Microsoft 365
	site := "https://contoso-my.sharepoint.com/personal/bob_contoso_com/"
	sync := "Microsoft SkyDriveSync 24.020.0128.0003 ship; Windows NT 10.0 (19045)"
	edge := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.0.0"
	var m365 []M365
	for i := range 6 { // ordinary work
		m365 = append(m365, M365{Time: at(9, 10*i, 0), Operation: "FileModified", Workload: "OneDrive", User: "bob@contoso.com", ClientIP: "203.0.113.10",
			Agent: edge, Site: site, Folder: "Documents", File: "notes.docx", Size: 40_000})
	}
	for i := range 3 {
		m365 = append(m365, M365{Time: at(11, 0, 5), Operation: "FileUploaded", Workload: "OneDrive", User: "bob@contoso.com", ClientIP: "203.0.113.10",
			Agent: sync, Site: site, Folder: "Documents/Archive", File: fmt.Sprintf("projects-%d.zip", i), Size: 12_000_000})
	}
	for range 3 {
		m365 = append(m365, M365{Time: at(11, 30, 2), Operation: "Send", Workload: "Exchange", User: "bob@contoso.com", ClientIP: "203.0.113.10",
			Agent: "Client=OWA;Action=ViaProxy", Subject: "fwd: designs", Size: 7_000_000, Attachment: "designs.zip (6900000b)",
			Recipients: []string{"bob.personal.2024@gmail.com"}})
	}
	m365 = append(m365,
		M365{Time: at(12, 0, 0), Operation: "AnonymousLinkCreated", Workload: "OneDrive", User: "bob@contoso.com", ClientIP: "203.0.113.10",
			Agent: edge, Site: site, Folder: "Documents/Finance", File: "q3-forecast.xlsx", Size: -1})
	for i := range 3 {
		m365 = append(m365, M365{Time: at(13, 10*i, 0), Operation: "AnonymousLinkUsed", Workload: "OneDrive", User: "anonymous", ClientIP: "192.0.2.201",
			Agent: "python-requests/2.31.0", Site: site, Folder: "Documents/Finance", File: "q3-forecast.xlsx", Size: -1})
	}
	m365 = append(m365, M365{Time: at(17, 45, 0), Operation: "MailItemsAccessed", Workload: "Exchange", User: "eve@contoso.com", ClientIP: "198.51.100.90",
		Agent: "Client=REST;Client=RESTSystem;;", Folder: `\Inbox`, Items: 800, Size: -1})
	var mb bytes.Buffer
	if err := WriteM365(&mb, sampleOrg, m365); err != nil {
		return err
	}

	// Google Workspace
	var acts []Activity
	drive := func(t time.Time, actor, ip, typ, name, doc, title string, extra map[string]any) Activity {
		p := map[string]any{"doc_id": doc, "doc_title": title, "doc_type": "spreadsheet", "owner": "carol@example.com", "visibility": "people_within_domain_with_link", "primary_event": true}
		for k, v := range extra {
			p[k] = v
		}
		return Activity{Time: t, App: "drive", Actor: actor, IP: ip, Type: typ, Name: name, Params: p, OwnerDomain: "example.com"}
	}
	acts = append(acts,
		drive(at(10, 0, 0), "carol@example.com", "203.0.113.12", "access", "edit", "1Xq9budget", "budget-2024", nil),
		drive(at(10, 30, 0), "carol@example.com", "203.0.113.12", "acl_change", "change_document_visibility", "1Xq9budget", "budget-2024",
			map[string]any{"old_value": []string{"private"}, "new_value": []string{"people_with_link"}, "visibility": "people_with_link", "visibility_change": "external"}),
		drive(at(11, 5, 0), "mike@outside.example.org", "192.0.2.202", "access", "download", "1Xq9budget", "budget-2024",
			map[string]any{"visibility": "people_with_link"}),
	)
	for i := range 60 {
		a := drive(at(16, 0, 6*i), "dave@example.com", "203.0.113.14", "access", "download", fmt.Sprintf("1Dd%03d", i), fmt.Sprintf("design-%03d", i),
			map[string]any{"owner": "dave@example.com", "doc_type": "pdf"})
		acts = append(acts, a)
	}
	var gb bytes.Buffer
	if err := WriteActivities(&gb, sampleCustomer, acts); err != nil {
		return err
	}

	for name, b := range map[string][]byte{CloudTrailSampleFile: ct.Bytes(), M365SampleFile: mb.Bytes(), GoogleSampleFile: gb.Bytes()} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
