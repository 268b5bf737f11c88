// Package kafka delivers event notifications to a Kafka topic: the
// "kafka" kind of target.
//
// Settings:
//
//	--brokers         comma-separated host:port of brokers to start from.
//	--topic           the topic records go to; it must exist, unless the
//	                  brokers create topics on first use.
//	--sasl-username   SASL user; without one there is no SASL.
//	--sasl-password   its password (secret).
//	--sasl-mechanism  plain (default), scram-sha-256 or scram-sha-512.
//	--tls             on: TLS, trusting the system's certificate
//	                  authorities; off (default): plain TCP.
//
// Each event is one record, as MinIO's Kafka target produces it: the key
// is the object's "bucket/object", so that one object's events go to one
// partition in order, and the value is
// {"EventName":...,"Key":"bucket/object","Records":[record]}, whose
// record holds the event's time; the record's timestamp is when it was
// produced.
//
// The producer is idempotent and waits for every in-sync replica, and
// Send returns only once all of its records are acknowledged. Open does
// not connect: the client connects on first use and reconnects after
// failures by itself.
package kafka
