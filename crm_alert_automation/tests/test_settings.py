# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import SmtpSink, free_port, real_smtp
from .isolation import DemoIsolatedCase


@tagged("post_install", "-at_install", "crm_alert")
class TestCrmAlertSettings(DemoIsolatedCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env["res.company"].create({"name": "Alerts Jakarta"})
        cls.company_b = cls.env["res.company"].create({"name": "Alerts Warsaw"})
        companies = cls.company_a | cls.company_b
        cls.admin = new_test_user(
            cls.env,
            login="alert_admin",
            groups="base.group_system,sales_team.group_sale_manager",
            company_id=cls.company_a.id,
            company_ids=[Command.set(companies.ids)],
        )
        cls.manager = new_test_user(
            cls.env,
            login="alert_manager",
            email="manager@example.com",
            groups="sales_team.group_sale_manager",
            company_id=cls.company_a.id,
            company_ids=[Command.set(companies.ids)],
        )
        cls.salesman = new_test_user(
            cls.env,
            login="alert_salesman",
            email="salesman@example.com",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company_a.id,
            company_ids=[Command.set(companies.ids)],
        )

    def _settings(self, company, **values):
        settings_model = self.env["res.config.settings"].with_user(self.admin)
        settings_model = settings_model.with_company(company)
        return settings_model.create(values)

    def _save(self, company, **values):
        settings = self._settings(company, **values)
        settings.execute()
        return settings

    def _valid_smtp(self, **extra):
        values = {
            "crm_alert_smtp_host": "smtp.example.com",
            "crm_alert_smtp_port": 587,
            "crm_alert_smtp_encryption": "starttls",
            "crm_alert_smtp_user": "crm-alerts@example.com",
            "crm_alert_smtp_password": "s3cret",
            "crm_alert_email_from": "crm-alerts@example.com",
        }
        values.update(extra)
        return values

    def test_defaults_after_install(self):
        company = self.company_a
        self.assertFalse(company.crm_alert_activity_enabled)
        self.assertEqual(company.crm_alert_activity_interval, 24)
        self.assertEqual(company.crm_alert_activity_sender, "system")
        self.assertFalse(company.crm_alert_late_enabled)
        self.assertEqual(company.crm_alert_late_interval, 24)
        self.assertEqual(company.crm_alert_late_sender, "system")

    def test_round_trip_two_companies(self):
        self._save(
            self.company_a,
            **self._valid_smtp(),
            crm_alert_activity_enabled=True,
            crm_alert_activity_interval=12,
            crm_alert_activity_sender="owner",
            crm_alert_late_enabled=True,
            crm_alert_late_interval=48,
            crm_alert_late_sender="email",
            crm_alert_late_email="boss@example.com",
            crm_alert_late_user_ids=[Command.set([self.manager.id])],
        )
        self._save(
            self.company_b,
            **self._valid_smtp(
                crm_alert_smtp_host="mail.warsaw.example.com",
                crm_alert_email_from="alerty@warsaw.example.com",
                crm_alert_smtp_user="alerty",
            ),
            crm_alert_activity_enabled=True,
            crm_alert_activity_interval=6,
        )
        loaded_a = self._settings(self.company_a)
        self.assertEqual(loaded_a.crm_alert_smtp_host, "smtp.example.com")
        self.assertEqual(loaded_a.crm_alert_activity_interval, 12)
        self.assertEqual(loaded_a.crm_alert_activity_sender, "owner")
        self.assertEqual(loaded_a.crm_alert_late_interval, 48)
        self.assertEqual(loaded_a.crm_alert_late_email, "boss@example.com")
        self.assertEqual(loaded_a.crm_alert_late_user_ids, self.manager)
        self.assertTrue(loaded_a.crm_alert_smtp_password_set)
        self.assertFalse(
            loaded_a.crm_alert_smtp_password, "the password is never loaded"
        )

        loaded_b = self._settings(self.company_b)
        self.assertEqual(loaded_b.crm_alert_smtp_host, "mail.warsaw.example.com")
        self.assertEqual(loaded_b.crm_alert_email_from, "alerty@warsaw.example.com")
        self.assertEqual(loaded_b.crm_alert_activity_interval, 6)
        self.assertFalse(loaded_b.crm_alert_late_enabled)

        server_a = self.company_a.sudo().crm_alert_mail_server_id
        server_b = self.company_b.sudo().crm_alert_mail_server_id
        self.assertNotEqual(
            server_a, server_b, "each company has its own alerts server"
        )
        self.assertEqual(server_a.smtp_pass, "s3cret")
        self.assertEqual(server_a.from_filter, "crm-alerts@example.com")

    def test_saving_without_password_keeps_the_saved_one(self):
        self._save(self.company_a, **self._valid_smtp())
        self._save(self.company_a, **self._valid_smtp(crm_alert_smtp_password=False))
        self.assertEqual(
            self.company_a.sudo().crm_alert_mail_server_id.smtp_pass, "s3cret"
        )

    def assertRefused(self, field_label, **values):
        with self.assertRaises(ValidationError) as caught:
            self._save(self.company_a, **values)
        self.assertIn(field_label, str(caught.exception))
        return caught.exception

    def test_interval_bounds(self):
        for bad in (0, -3, 721, 10000):
            with self.subTest(bad=bad):
                self.assertRefused(
                    "Activity Alert Interval (hours)",
                    **self._valid_smtp(),
                    crm_alert_activity_enabled=True,
                    crm_alert_activity_interval=bad,
                )
                self.assertRefused(
                    "Late Response Interval (hours)", crm_alert_late_interval=bad
                )
        self._save(
            self.company_a, crm_alert_activity_interval=720, crm_alert_late_interval=1
        )
        self.assertEqual(self.company_a.crm_alert_activity_interval, 720)

    def test_malformed_sender_addresses(self):
        error = self.assertRefused(
            "Late Response Sender E-mail",
            crm_alert_late_sender="email",
            crm_alert_late_email="not-an-address",
        )
        self.assertIn("not-an-address", str(error))
        self.assertRefused(
            "Late Response Sender E-mail",
            crm_alert_late_sender="email",
            crm_alert_late_email=False,
        )
        self.assertRefused(
            "Alerts Sender Address", **self._valid_smtp(crm_alert_email_from="alerts@")
        )

    def test_escalation_needs_default_persons_with_email(self):
        self.assertRefused(
            "Escalation Recipients",
            **self._valid_smtp(),
            crm_alert_late_enabled=True,
        )
        nobody = new_test_user(self.env, login="no_mail_user", email=False)
        error = self.assertRefused(
            "Escalation Recipients",
            **self._valid_smtp(),
            crm_alert_late_enabled=True,
            crm_alert_late_user_ids=[Command.set([self.manager.id, nobody.id])],
        )
        self.assertIn(nobody.name, str(error))

    def test_system_sender_needs_smtp_server(self):
        self.assertRefused(
            "SMTP Server",
            crm_alert_activity_enabled=True,
            crm_alert_activity_sender="system",
        )
        self.assertRefused(
            "SMTP Server",
            crm_alert_late_enabled=True,
            crm_alert_late_sender="system",
            crm_alert_late_user_ids=[Command.set([self.manager.id])],
        )
        # The owner's account and a specific address need no system account.
        self._save(
            self.company_a,
            crm_alert_activity_enabled=True,
            crm_alert_activity_sender="owner",
            crm_alert_late_enabled=True,
            crm_alert_late_sender="email",
            crm_alert_late_email="boss@example.com",
            crm_alert_late_user_ids=[Command.set([self.manager.id])],
        )
        self.assertTrue(self.company_a.crm_alert_late_enabled)

    def test_bad_smtp_port(self):
        self.assertRefused("SMTP Port", **self._valid_smtp(crm_alert_smtp_port=70000))

    def test_short_interval_saves_with_spam_warning(self):
        settings = self._settings(self.company_a, crm_alert_activity_interval=1)
        warning = settings._onchange_crm_alert_interval_spam_warning()
        self.assertIn("spam", warning["warning"]["message"])
        self.assertIn("Activity Alert Interval (hours)", warning["warning"]["message"])
        settings.execute()
        self.assertEqual(self.company_a.crm_alert_activity_interval, 1)
        self.assertFalse(
            self._settings(
                self.company_a, crm_alert_activity_interval=2
            )._onchange_crm_alert_interval_spam_warning()
        )

    def test_test_connection_against_real_smtp_server(self):
        with SmtpSink(login="crm-alerts", password="right") as sink, real_smtp():
            settings = self._settings(
                self.company_a,
                **self._valid_smtp(
                    crm_alert_smtp_host="127.0.0.1",
                    crm_alert_smtp_port=sink.port,
                    crm_alert_smtp_encryption="none",
                    crm_alert_smtp_user="crm-alerts",
                    crm_alert_smtp_password="right",
                ),
            )
            result = settings.action_crm_alert_test_smtp()
            self.assertEqual(result["params"]["type"], "success")

            settings.crm_alert_smtp_password = "wrong"
            with self.assertRaises(UserError) as caught:
                settings.action_crm_alert_test_smtp()
            self.assertIn("535", str(caught.exception))

        settings.crm_alert_smtp_port = free_port()  # nothing listens there
        with real_smtp(), self.assertRaises(UserError) as caught:
            settings.action_crm_alert_test_smtp()
        self.assertIn("Connection", str(caught.exception))

    def test_salesman_cannot_read_smtp_password(self):
        self._save(self.company_a, **self._valid_smtp())
        server = self.company_a.sudo().crm_alert_mail_server_id
        self.assertEqual(server.with_user(self.admin).smtp_pass, "s3cret")
        with self.assertRaises(AccessError):
            server.with_user(self.salesman).read(["smtp_pass"])
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.salesman).create({})
        # ... but reads the non-secret values the features need.
        company = self.company_a.with_user(self.salesman)
        self.assertEqual(company.crm_alert_activity_interval, 24)
        self.assertEqual(company.crm_alert_email_from, "crm-alerts@example.com")
        with self.assertRaises(AccessError):
            company.read(["crm_alert_mail_server_id"])

    def test_reset_restores_defaults(self):
        settings = self._save(
            self.company_a,
            **self._valid_smtp(),
            crm_alert_activity_enabled=True,
            crm_alert_activity_interval=3,
            crm_alert_late_enabled=True,
            crm_alert_late_interval=72,
            crm_alert_late_sender="email",
            crm_alert_late_email="boss@example.com",
            crm_alert_late_user_ids=[Command.set([self.manager.id])],
        )
        settings.action_crm_alert_reset()
        company = self.company_a
        self.assertFalse(company.crm_alert_activity_enabled)
        self.assertEqual(company.crm_alert_activity_interval, 24)
        self.assertFalse(company.crm_alert_late_enabled)
        self.assertEqual(company.crm_alert_late_interval, 24)
        self.assertEqual(company.crm_alert_late_sender, "system")
        self.assertFalse(company.crm_alert_late_email)
        self.assertFalse(company.crm_alert_late_user_ids)
        self.assertTrue(company.sudo().crm_alert_mail_server_id, "the account is kept")


@tagged("post_install", "-at_install", "crm_alert")
class TestCrmAlertTranslations(DemoIsolatedCase):
    def test_indonesian_labels_from_the_seed(self):
        self.env["res.lang"]._activate_lang("id_ID")
        self.env["ir.module.module"]._load_module_terms(
            ["crm_alert_automation"], ["id_ID"], overwrite=True
        )
        fields_id = (
            self.env["res.config.settings"].with_context(lang="id_ID").fields_get()
        )
        self.assertEqual(
            fields_id["crm_alert_activity_enabled"]["string"], "Peringatan Aktivitas"
        )
        self.assertEqual(
            fields_id["crm_alert_late_enabled"]["string"],
            "Pemberitahuan Tanggapan yang Terlambat",
        )
        selection = dict(fields_id["crm_alert_activity_sender"]["selection"])
        self.assertEqual(selection["system"], "Akun System")
        self.assertEqual(selection["owner"], "Akun Pengguna")
