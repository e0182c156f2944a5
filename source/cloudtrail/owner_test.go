package cloudtrail

import (
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// A PutObject into another account's bucket names that account as the bucket's owner
// (resources[].accountId), in every shape, so that detections see data crossing accounts.
func TestBucketOwner(t *testing.T) {
	rec := `{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","accessKeyId":"AKIAEXAMPLE","userName":"alice"},"eventTime":"2024-05-06T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"PutObject","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.5","userAgent":"aws-cli/2.15.0","requestParameters":{"bucketName":"drop","key":"a.7z"},"responseElements":null,"additionalEventData":{"bytesTransferredIn":1234},"requestID":"R1","eventID":"e1","readOnly":false,"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::drop/a.7z"},{"accountId":"444455556666","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::drop"}],"eventType":"AwsApiCall","recipientAccountId":"111122223333","eventCategory":"Data"}`
	for name, text := range map[string]string{
		"line.json":    rec + "\n",
		"records.json": `{"Records":[` + rec + `]}`,
		"bridge.json":  `{"version":"0","id":"x","detail-type":"AWS API Call via CloudTrail","source":"aws.s3","account":"111122223333","time":"2024-05-06T10:00:00Z","region":"us-east-1","resources":[],"detail":` + rec + "}\n",
	} {
		var c collector
		if _, err := readAll(t, source.ReaderInput(name, strings.NewReader(text)), &c, 0); err != nil {
			t.Fatal(err)
		}
		if len(c.got) != 1 {
			t.Fatalf("%s: %d events", name, len(c.got))
		}
		e := c.got[0]
		if e.Owner != "444455556666" || e.Account != "111122223333" || e.Op != event.CloudUpload || e.Bytes != 1234 {
			t.Errorf("%s: owner %q account %q op %v bytes %d", name, e.Owner, e.Account, e.Op, e.Bytes)
		}
	}
}
