// Package redis is the "redis" kind of notification target: it keeps
// events in one Redis key, in either of the two formats MinIO's Redis
// target uses, so that existing consumers keep working.
//
//   - namespace (the default): the key is a hash with one field per
//     object, "bucket/object", whose value is {"Records": [record]}, the
//     object's latest event. An event that removes the object deletes its
//     field (HDEL). Sending an event again sets the same value again.
//   - access: the key is a list; each event appends (RPUSH) a JSON array
//     [{"Event": [record], "EventTime": "<RFC 3339 time>"}]. An event sent
//     again is appended again.
//
// Settings:
//
//	--address   host:port of the Redis server (required)
//	--user      ACL user name (Redis 6 and later)
//	--password  password of --user, or the server's requirepass (secret)
//	--key       the hash or list events go to (required)
//	--format    namespace or access (default namespace)
//	--tls       on to connect with TLS (default off)
//	--ca-cert   PEM file of certificate authorities to trust besides the
//	            system's, with --tls on
//	--client-cert, --client-key
//	            PEM certificate and key files for mutual TLS, with --tls on
//
// The client connects when it is first used and again after a failure,
// so the server may start after kura does. The client's own log lines
// (a failed dial, for one) go to slog at debug level. Ping checks the key's type:
// a key that holds another type of value is an error.
package redis
