from . import test_settings
from . import test_activity_alerts
from . import test_settings_tour
from . import test_gateways
from . import test_gateway_receipts
from . import test_outbox
from . import test_security_input
from . import test_activity_reminder_lines
