package notification

import (
	"strings"
	"unicode"

	"github.com/kurastore/kura/s3err"
)

// ARN is a destination's Amazon Resource Name,
// arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE. For MinIO-style targets
// (arn:minio:sqs:REGION:ID:TYPE) AccountID is the target's ID and Resource
// its type, such as "webhook".
type ARN struct {
	Partition string
	Service   string
	Region    string
	AccountID string
	Resource  string
}

// ParseARN checks an ARN's syntax: partition "aws", "aws-*" or "minio", a
// service, an optional region, an account (or target ID) and a resource,
// which may itself hold colons. It returns s3err.ErrInvalidTargetARN when
// the syntax is wrong; whether the destination exists is for the caller.
func ParseARN(s string) (ARN, error) {
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return ARN{}, s3err.ErrInvalidTargetARN
	}
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return ARN{}, s3err.ErrInvalidTargetARN
	}
	a := ARN{Partition: parts[1], Service: parts[2], Region: parts[3], AccountID: parts[4], Resource: parts[5]}
	knownPartition := a.Partition == "aws" || a.Partition == "minio" || strings.HasPrefix(a.Partition, "aws-")
	if !knownPartition || a.Service == "" || a.AccountID == "" || a.Resource == "" {
		return ARN{}, s3err.ErrInvalidTargetARN
	}
	return a, nil
}

// String returns the ARN in its text form.
func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.AccountID + ":" + a.Resource
}
