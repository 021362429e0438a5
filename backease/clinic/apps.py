from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "backease.clinic"
    label = "clinic"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        # Follow-up flags are raised as clients' data is written (backease.clinic.signals).
        from backease.clinic import fhir_intake, programmes, signals
        from backease.exports.fhir import contribute
        from backease.store.models import Screening, TechniqueChoice

        # The pre-visit intakes go into the client's FHIR export (docs/clinic.md).
        contribute(fhir_intake.intake_resources)
        # Blocked programme steps are checked again when the client's answers or choices change.
        post_save.connect(
            programmes.on_client_change, sender=Screening, dispatch_uid="clinic-blocked-screening"
        )
        post_save.connect(
            programmes.on_client_change, sender=TechniqueChoice, dispatch_uid="clinic-blocked-choice"
        )

        # Clinic pages and notices in the account menu, and care links on the delete page.
        from backease.clinic import account_part

        account_part.register()

        # "From your therapist" on the client's Today, through the one way in that Today has.
        from backease.front import today

        today.register(
            today.Section(
                name="from_therapist",
                template="clinic/_from_therapist.html",
                items=programmes.for_today_rows,
                state_sql=programmes.today_state_sql(),
                stylesheet="clinic/programmes.css",
            )
        )

        # "Delete everything" in server mode ends the client's care links, telling the therapists.
        from backease.store.signals import everything_deleted

        everything_deleted.connect(signals.on_everything_deleted, dispatch_uid="clinic-everything-deleted")

        # The dashboard's summaries follow each session write and restored history.
        from backease.store.signals import history_changed

        history_changed.connect(signals.history_changed, dispatch_uid="clinic-summaries")
