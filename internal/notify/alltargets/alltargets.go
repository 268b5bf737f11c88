// Package alltargets registers every kind of notification target: the
// server imports it for the kinds' side effect of registering themselves.
package alltargets

import (
	_ "github.com/kurastore/kura/internal/notify/mqtt"
	_ "github.com/kurastore/kura/internal/notify/nats"
	_ "github.com/kurastore/kura/internal/notify/redis"
	_ "github.com/kurastore/kura/internal/notify/webhook"
)
