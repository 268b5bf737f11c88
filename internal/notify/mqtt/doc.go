// Package mqtt is the "mqtt" kind of notification target: it publishes
// each event, in order, to an MQTT topic (MQTT 3.1.1).
//
// A message's payload is the event log entry MinIO's MQTT target
// publishes, {"EventName": ..., "Key": "bucket/object", "Records":
// [record]}. Each event is published and, at QoS 1 or 2, acknowledged by
// the broker before the next one goes; at QoS 0 it is accepted once
// written to the connection, which is all QoS 0 promises.
//
// Settings:
//
//	--broker    tcp://host:port, or ssl://host:port for TLS trusting the
//	            system's certificate authorities (also mqtt://, mqtts://,
//	            tls://, ws://, wss://) (required)
//	--topic     the topic to publish to (required)
//	--qos       0, 1 or 2 (default 1)
//	--username  user name
//	--password  password of --username (secret)
//	--ca-cert   PEM file of certificate authorities to trust besides the
//	            system's, with a TLS broker URL
//	--client-cert, --client-key
//	            PEM certificate and key files for mutual TLS, with a TLS
//	            broker URL
//
// The target connects when it is first used, and again on the next use
// after the connection is lost, so the broker may start after kura does.
// While it is not connected, Send fails (and the service retries it)
// instead of holding events in memory. Ping connects if need be: the
// broker's CONNACK shows it reachable and the credentials accepted.
package mqtt
