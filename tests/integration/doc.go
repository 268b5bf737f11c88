// Package integration drives a real kura server, built once per test run
// and started on 127.0.0.1 with a random port, with real S3 clients:
// aws-sdk-go-v2, minio-go, boto3 and the aws CLI.
package integration
