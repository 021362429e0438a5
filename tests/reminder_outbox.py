"""An email backend for the tests that run reminders in other processes
(tests/test_reminder_jobs_processes.py, through tests/reminder_job_settings.py).

Each message becomes one file in the folder REMINDER_OUTBOX, written whole (a temporary
name, then renamed), so the test counts what was sent to whom. REMINDER_OUTBOX_DELAY
(seconds) makes each send take that long, as a mail server does. With
REMINDER_OUTBOX_HANG_AT=N the process hangs, once, when it is about to send a message while
N are already in the folder (it writes the file `hung` first): a send in flight when the
test kills the process.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage


class Outbox(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        folder = Path(os.environ["REMINDER_OUTBOX"])
        for message in email_messages:
            hang_at = os.environ.get("REMINDER_OUTBOX_HANG_AT")
            if hang_at and len(list(folder.glob("*.eml"))) >= int(hang_at):
                try:
                    marker = os.open(folder / "hung", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                except FileExistsError:
                    pass
                else:
                    os.write(marker, str(os.getpid()).encode())
                    os.close(marker)
                    time.sleep(3600)  # killed here
            time.sleep(float(os.environ.get("REMINDER_OUTBOX_DELAY", "0")))
            name = folder / f"{os.getpid()}-{uuid.uuid4().hex}.eml"
            partial = name.with_suffix(".part")
            partial.write_bytes(message.message().as_bytes())
            partial.rename(name)
        return len(email_messages)


def sent_to(folder: Path) -> dict[str, int]:
    """How many messages in the folder went to each address."""
    counts: dict[str, int] = {}
    for path in folder.glob("*.eml"):
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("To: "):
                counts[line[4:].strip()] = counts.get(line[4:].strip(), 0) + 1
                break
    return counts
