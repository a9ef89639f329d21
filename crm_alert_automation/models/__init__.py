from . import res_company
from . import res_config_settings
from . import res_partner
from . import mail_activity
from . import crm_alert_gateway
from . import crm_alert_message
from . import crm_alert_message_attempt
from . import sms_sms
