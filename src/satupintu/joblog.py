"""One log line for every step of every background job: queued (in the process that sent it),
started, done or failed (in the worker that ran it), each with the actor and the message id.

Operators follow a job across pods by its id; the cluster test counts these lines to prove that a
job runs exactly once and that a killed worker loses nothing. Arguments are never logged: a
message may carry ids that lead to personal data, and the log needs none of it.
"""

from __future__ import annotations

import time
from typing import Any

import dramatiq
from dramatiq.middleware import Middleware

from satupintu.logs import get_logger

log = get_logger("satupintu.jobs")
_STARTED = "satupintu_started"


class JobLog(Middleware):
    def after_enqueue(self, broker: dramatiq.Broker, message: dramatiq.Message, delay: int | None) -> None:
        log.info("job queued", actor=message.actor_name, message_id=message.message_id, delay_ms=delay)

    def before_process_message(self, broker: dramatiq.Broker, message: dramatiq.Message) -> None:
        message.options[_STARTED] = time.monotonic()
        log.info("job started", actor=message.actor_name, message_id=message.message_id,
                 attempt=message.options.get("retries", 0) + 1)

    def after_process_message(self, broker: dramatiq.Broker, message: dramatiq.Message, *,
                              result: Any = None, exception: BaseException | None = None) -> None:
        started = message.options.pop(_STARTED, None)
        ms = round((time.monotonic() - started) * 1000, 1) if started is not None else None
        if exception is None:
            log.info("job done", actor=message.actor_name, message_id=message.message_id, ms=ms)
        else:
            log.warning("job failed", actor=message.actor_name, message_id=message.message_id, ms=ms,
                        error=type(exception).__name__)

    def after_skip_message(self, broker: dramatiq.Broker, message: dramatiq.Message) -> None:
        message.options.pop(_STARTED, None)
        log.info("job skipped", actor=message.actor_name, message_id=message.message_id)
