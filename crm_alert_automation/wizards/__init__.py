from . import crm_activity_reminder_draft
from . import mail_activity_schedule
