from .base import GatewayError, SendResult
from .generic_http import GenericHttpProvider
from .twilio import TwilioProvider
from .meta_whatsapp import MetaWhatsAppProvider

PROVIDERS = {
    "generic": GenericHttpProvider,
    "twilio": TwilioProvider,
    "meta": MetaWhatsAppProvider,
}
