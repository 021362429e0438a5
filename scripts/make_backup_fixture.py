"""Write a backup made by this version of backease to tests/fixtures/, for the test that
restores backups of earlier versions (tests/test_backup_safety.py).

Run it once per released schema or app version and commit the file beside the older ones:
    BACKEASE_DATA_DIR=$(mktemp -d) .venv/bin/python scripts/make_backup_fixture.py
It builds a short history through the services (profile, schedule, screenings, plans,
a completed, a stopped and a running session, diary entries, a turned-off technique).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures"


def main() -> None:
    from backease.store.setup import setup

    setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    import backease
    from backease.exports.backup import make_backup, store_is_empty
    from backease.store import services

    if not store_is_empty():
        sys.exit("error: BACKEASE_DATA_DIR: use an empty data directory")
    day = datetime(2025, 3, 3, 17, 0, tzinfo=UTC)
    person = services.local_owner()
    services.save_profile(
        person,
        {
            "areas": [{"region": "between_shoulder_blades_left", "pain": 6, "knot": True}],
            "tools": ["tennis_ball", "foam_roller"],
            "causes": ["posture", "stress"],
            "minutes": 12,
            "pressure": "moderate",
            "stress": 6,
        },
    )
    services.save_schedule(person, ["tue", "thu", "sat"], "07:45")
    services.record_screening(person, {})
    services.record_screening(person, {"pregnancy_weeks": 24})
    plan = services.make_plan(person, seed=3)
    done = services.start_session(person, plan, now=day)
    services.update_session(done, pain_before=6, stress_before=7)
    services.log_step(done, 0, seconds_done=60, feedback="helped")
    services.log_step(done, 1, seconds_done=30, intensity="gentle", feedback="too_much")
    services.log_step(done, 2, skipped=True)
    services.update_session(done, pain_after=3, stress_after=4, notes="felt good, schön", status="completed")
    stopped = services.start_session(person, services.make_plan(person, seed=4), now=day + timedelta(days=2))
    services.update_session(stopped, pain_before=5)
    services.log_step(stopped, 0, seconds_done=20, feedback="sharp_pain")
    services.start_session(person, plan, now=day + timedelta(days=4))
    services.add_pain_entry(person, 4, region="lats_left", stress=5, note="desk day", at=day)
    services.add_pain_entry(person, 7, at=day + timedelta(days=1), note='said "ouch"\nthen rested')
    data = make_backup(person)
    OUT.mkdir(parents=True, exist_ok=True)
    target = OUT / f"backup-{backease.__version__}-schema{data['schema_version']}.json"
    target.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
