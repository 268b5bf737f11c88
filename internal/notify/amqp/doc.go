// Package amqp delivers event notifications to an AMQP 0-9-1 broker such
// as RabbitMQ: the "amqp" kind of target.
//
// Settings:
//
//	--url            amqp://user:password@host:5672/vhost, or amqps://
//	                 (secret: it holds the password).
//	--exchange       the exchange messages go to, declared if it does not
//	                 exist; empty (the default) is the broker's default
//	                 exchange, which routes by queue name.
//	--exchange-type  direct (default), fanout, topic, headers, or a
//	                 plugin's x-... type; used to declare the exchange.
//	--routing-key    every message's routing key.
//	--durable        on (default): the exchange is durable and messages
//	                 persistent (delivery mode 2); off: both transient.
//	--mandatory      on: a message no queue takes is returned by the
//	                 broker, and Send fails so it is sent again; off
//	                 (default): the broker drops it.
//
// Each message is one event, as MinIO's AMQP target sends it: the body is
// {"EventName":...,"Key":"bucket/object","Records":[record]}, content type
// application/json, with the event's time as the message timestamp.
//
// Send publishes with publisher confirms and returns only once the broker
// has confirmed every message, so a Send that succeeded is in the broker.
// Open does not connect: the broker may come up later. The connection is
// made on first use and made again after it fails.
package amqp
