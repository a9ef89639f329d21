from . import gateway_webhooks
