// Package alltargets registers every kind of notification target: the
// server imports it for the kinds' side effect of registering themselves.
package alltargets

import (
	_ "github.com/kurastore/kura/internal/notify/amqp"
	_ "github.com/kurastore/kura/internal/notify/kafka"
	_ "github.com/kurastore/kura/internal/notify/mqtt"
	_ "github.com/kurastore/kura/internal/notify/nats"
	_ "github.com/kurastore/kura/internal/notify/redis"
	_ "github.com/kurastore/kura/internal/notify/sqltable"
	_ "github.com/kurastore/kura/internal/notify/webhook"
)
