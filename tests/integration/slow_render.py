"""Test-only: loaded into a Celery worker by the worker-loss test (`--include`), never by
the application. Before a certificate's rendering starts, it leaves a file to say so and
then holds the task, so the test can kill the worker in the middle of the rendering."""

import os
import time
from pathlib import Path

from celery.signals import task_prerun

from tests.integration.harness import RENDER_TASK


@task_prerun.connect
def hold_the_rendering(sender=None, **kwargs) -> None:
    if getattr(sender, "name", None) != RENDER_TASK:
        return
    Path(os.environ["SNOWLAND_TEST_RENDER_STARTED"]).touch()
    time.sleep(float(os.environ.get("SNOWLAND_TEST_RENDER_HOLD_SECONDS", "120")))
