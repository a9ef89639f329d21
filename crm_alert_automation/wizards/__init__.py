from . import crm_activity_reminder_draft
from . import mail_activity_schedule
from . import crm_workflow_test_run
from . import crm_workflow_from_template
from . import crm_workflow_transfer
