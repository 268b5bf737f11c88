// Package alltargets registers every kind of notification target: the
// server imports it for the side effect of each kind's init.
package alltargets

import (
	_ "github.com/kurastore/kura/internal/notify/amqp"
	_ "github.com/kurastore/kura/internal/notify/kafka"
	_ "github.com/kurastore/kura/internal/notify/sqltable" // postgresql, mysql
)
