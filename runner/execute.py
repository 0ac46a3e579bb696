"""Runs one action or sensor in this process with st2's conventions."""

import logging
import threading
import time

from . import loader, params
from .services import ActionService, SensorService


class ActionResult(object):
    def __init__(self, succeeded, result):
        self.succeeded = succeeded
        self.result = result

    def __repr__(self):
        return "ActionResult(succeeded=%r, result=%r)" % (self.succeeded, self.result)


def _log_through_the_runner(logger):
    """StackStorm's own ``Action`` gives each action logger a DEBUG handler on stderr (the
    execution's stderr, under st2). Where st2 is installed the runner drops it, so the log is
    shown once, by the runner's handler on the parent logger, at the runner's level."""
    for handler in list(getattr(logger, "handlers", ())):
        logger.removeHandler(handler)
    if hasattr(logger, "setLevel"):
        logger.setLevel(logging.NOTSET)
        logger.propagate = True


def run_action(name, given, config, datastore):
    """Validates ``given`` like st2, runs the action, applies st2's return convention."""
    meta = loader.action_meta(name)
    if meta.get("runner_type") == "orquesta":
        from .workflow import run_workflow
        return run_workflow(name, given, config, datastore)
    if meta.get("runner_type") != "python-script":
        raise LookupError("action '%s' is an %s workflow; it runs inside StackStorm only"
                          % (name, meta.get("runner_type")))
    values = params.resolve(meta.get("parameters") or {}, given)
    cls = loader.action_class(meta)
    instance = cls(config=config, action_service=ActionService(datastore, cls.__name__))
    _log_through_the_runner(instance.logger)
    outcome = instance.run(**values)
    if isinstance(outcome, tuple) and len(outcome) == 2:
        if not isinstance(outcome[0], bool):
            raise TypeError("action returned a 2-tuple whose first item is not a bool "
                            "(st2 fails such a run with exit code 220)")
        return ActionResult(outcome[0], outcome[1])
    return ActionResult(True, outcome)


def make_sensor(name, config, datastore, strict=True, on_dispatch=None, poll_interval=None):
    metas = loader.sensor_metas()
    if name not in metas:
        matches = [k for k, m in metas.items() if m.get("class_name") == name]
        if not matches:
            raise LookupError("no sensor '%s' (known: %s)" % (name, ", ".join(sorted(metas))))
        name = matches[0]
    meta = metas[name]
    cls = loader.sensor_class(meta)
    service = SensorService(datastore, cls.__name__, loader.trigger_types(), strict=strict,
                            on_dispatch=on_dispatch)
    interval = poll_interval if poll_interval is not None else meta.get("poll_interval")
    kwargs = {"sensor_service": service, "config": config}
    if interval is not None:
        kwargs["poll_interval"] = interval
    return cls(**kwargs), service


def is_passive(sensor):
    """A passive ``Sensor`` implements ``run()`` itself; a ``PollingSensor`` has ``poll()``."""
    return not callable(getattr(sensor, "poll", None))


def run_passive(sensor, seconds=None):
    """Runs a passive sensor's ``run()`` for ``seconds`` (None: until Ctrl-C), then stops it
    with ``cleanup()`` as the sensor container does on shutdown."""
    worker = threading.Thread(target=sensor.run, name="sensor-run", daemon=True)
    worker.start()
    try:
        worker.join(seconds)
    except KeyboardInterrupt:
        pass
    finally:
        sensor.cleanup()
        worker.join(5)


def run_sensor(name, config, datastore, polls=1, interval=None, on_dispatch=None,
               strict=False, on_poll=None, seconds=None):
    """Polls a polling sensor ``polls`` times, or serves a passive one for ``seconds``."""
    sensor, service = make_sensor(name, config, datastore, strict=strict,
                                  on_dispatch=on_dispatch)
    sensor.setup()
    if is_passive(sensor):
        run_passive(sensor, seconds)
        return service
    try:
        for i in range(polls):
            sensor.poll()
            if on_poll is not None:
                on_poll(i + 1, sensor)
            if i + 1 < polls:
                time.sleep(sensor.get_poll_interval() if interval is None else interval)
    finally:
        sensor.cleanup()
    return service
