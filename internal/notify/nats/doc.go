// Package nats is the "nats" kind of notification target: it publishes
// each event, in order, to a NATS subject, either on core NATS or into a
// JetStream stream.
//
// A message's payload is the event log entry MinIO's NATS target
// publishes, {"EventName": ..., "Key": "bucket/object", "Records":
// [record]}. On core NATS a batch is accepted once the server has
// answered a PING sent after it, so it has received every message (core
// NATS keeps no copy: a subscriber that is away misses them). With
// --jetstream on, each message is accepted when the stream acknowledges
// it; a stream must already capture the subject.
//
// Settings:
//
//	--address      nats://host:port, or host:port; a comma-separated list
//	               names several servers of a cluster (required)
//	--subject      the subject to publish to (required)
//	--username     user name, with --password
//	--password     password of --username (secret)
//	--token        authentication token, instead of a user (secret)
//	--credentials  path of a .creds file (JWT and NKey seed)
//	--jetstream    on to publish into JetStream (default off)
//	--tls          on to require TLS (default off)
//	--ca-cert      PEM file of certificate authorities to trust besides
//	               the system's, with --tls on
//	--client-cert, --client-key
//	               PEM certificate and key files for mutual TLS, with
//	               --tls on
//
// The target connects when it is first used and reconnects after the
// connection fails, so the server may start after kura does. Ping makes
// a PING round trip, and with JetStream asks which stream captures the
// subject.
package nats
