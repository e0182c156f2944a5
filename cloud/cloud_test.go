package cloud

import (
	"testing"

	"github.com/sluice-hunt/sluice/event"
)

func TestResource(t *testing.T) {
	for _, c := range []struct {
		e       event.Cloud
		app, re string
	}{
		{event.Cloud{Provider: "aws", Service: "s3.amazonaws.com", Container: "b"}, "s3", "s3://b"},
		{event.Cloud{Provider: "aws", Service: "ec2.amazonaws.com", Container: "snap-1"}, "ec2", "snap-1"},
		{event.Cloud{Provider: "m365", Service: "OneDrive", Container: "https://c-my.sharepoint.com/personal/b/"}, "onedrive", "https://c-my.sharepoint.com/personal/b/"},
		{event.Cloud{Provider: "google", Service: "drive", Container: "carol@example.com"}, "drive", "drive:carol@example.com"},
		{event.Cloud{Provider: "google", Service: "gmail"}, "gmail", ""},
	} {
		if a, r := App(&c.e), Resource(&c.e); a != c.app || r != c.re {
			t.Errorf("%+v: %q %q, want %q %q", c.e, a, r, c.app, c.re)
		}
	}
}

func TestSeedAction(t *testing.T) {
	for _, c := range []struct {
		e    event.Cloud
		want string
	}{
		{event.Cloud{Provider: "aws", Name: "PutObject", Op: event.CloudUpload}, ActionPutObject},
		{event.Cloud{Provider: "aws", Name: "UploadPart", Op: event.CloudUpload}, ""},
		{event.Cloud{Provider: "m365", Name: "FileUploaded", Op: event.CloudUpload}, ActionUpload},
		{event.Cloud{Provider: "m365", Name: "FileSyncUploadedFull", Op: event.CloudUpload}, ActionUpload},
		{event.Cloud{Provider: "google", Name: "upload", Op: event.CloudUpload}, ActionDriveUpload},
		{event.Cloud{Provider: "m365", Name: "Send", Op: event.CloudMail}, ActionEmailSent},
		{event.Cloud{Provider: "google", Name: "delivery", Op: event.CloudMail}, ActionEmailSent},
		{event.Cloud{Provider: "m365", Name: "FileDownloaded", Op: event.CloudDownload}, ""},
	} {
		if got := SeedAction(&c.e); got != c.want {
			t.Errorf("%s/%s: %q, want %q", c.e.Provider, c.e.Name, got, c.want)
		}
	}
}

func TestWorkstation(t *testing.T) {
	for ua, want := range map[string]bool{
		"[aws-cli/1.18.136 Python/3.8.5 Darwin/19.5.0 botocore/1.17.59]":                                  true,
		"aws-cli/2.15.0 Python/3.11.6 Windows/10 exe/AMD64 prompt/off":                                    true,
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36":                                    true,
		"aws-sdk-java/1.12.400 Linux/5.10.184-175.731.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.7+7-LTS": false,
		"Boto3/1.26.0 Python/3.9.16 Linux/5.10.0 Botocore/1.29.0":                                         false,
		"": false,
	} {
		if Workstation(ua) != want {
			t.Errorf("Workstation(%q) = %v", ua, !want)
		}
	}
}

func TestSizes(t *testing.T) {
	obj := func(name string, size int64) *event.Cloud {
		return &event.Cloud{Provider: "aws", Service: "s3.amazonaws.com", Name: name, Container: "b", Object: "k", Bytes: size}
	}
	var a, b Sizes
	a.Observe(obj("UploadPart", 90)) // a part is not the object
	if got := a.Of(obj("PutObjectAcl", event.Unset)); got != event.Unset {
		t.Errorf("a part lent its size: %d", got)
	}
	a.Observe(obj("PutObject", 10))
	b.Observe(obj("GetObject", 30))
	a.Merge(&b)
	if got := a.Of(obj("PutObjectAcl", event.Unset)); got != 30 {
		t.Errorf("learned size %d, want the largest stated, 30", got)
	}
	if got := a.Of(obj("GetObject", 5)); got != 5 {
		t.Errorf("an event's own size %d, want 5", got)
	}
	other := obj("PutObjectAcl", event.Unset)
	other.Object = "other"
	if got := a.Of(other); got != event.Unset {
		t.Errorf("another object's size %d", got)
	}
}

func TestTally(t *testing.T) {
	m := map[string]int64{}
	Tally(m, "a", 1, 2)
	Tally(m, "b", 2, 2)
	Tally(m, "c", 5, 2) // past the limit: not added
	Tally(m, "a", 3, 2) // existing keys still count
	if len(m) != 2 || m["a"] != 4 || m["b"] != 2 {
		t.Errorf("%v", m)
	}
}
